"""A job's trained model: saved when training ends, loaded back to predict and to export.

The worker writes `data_dir/jobs/<job id>/model.safetensors` (next to the checkpoints) as
its last act before the `done` event, so a job that reads `completed` or `stopped` has it.
Tensors are keyed `<net>.<state_dict key>` (`model.0.weight`; GANs: `generator.…` and
`discriminator.…`), as in the checkpoints. It is loaded here, lazily, by the inference
process (`jobs/inference_process.py`), never by the server itself: a model's memory, and
a predict's activations, stay out of the server.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from safetensors.torch import load_file, save_file
from torch import nn

from torchplay.models import build_model
from torchplay.planning import PlannedJob
from torchplay.planning.memory import EVAL_CHUNK, EVAL_CHUNK_BYTES, evaluation_peak_bytes
from torchplay.training.checkpoint import model_tensors
from torchplay.training.objectives import Objective

FINAL_WEIGHTS = "model.safetensors"


class NotTrained(Exception):
    """The job has no final weights (yet): still running, failed, or from before this feature."""


class InputError(ValueError):
    """Inputs that do not fit the model (shape, batch size, non-numbers); the API answers 422."""


def save_final(directory: Path, models: dict[str, nn.Module]) -> Path:
    """Write the trained weights atomically (a reader never sees half a file)."""
    directory.mkdir(parents=True, exist_ok=True)
    tensors = model_tensors(models)
    path = directory / FINAL_WEIGHTS
    tmp = path.with_name(f".{path.name}.tmp")
    save_file(tensors, str(tmp))
    os.replace(tmp, path)
    return path


def final_weights(folder: Path) -> Path:
    """Where a job's folder keeps its trained weights."""
    return folder / FINAL_WEIGHTS


@dataclass
class TrainedJob:
    plan: PlannedJob
    models: dict[str, nn.Module]  # on the CPU, in eval mode
    objective: Objective

    @property
    def net(self) -> str:
        """The net that answers predictions (a GAN's generator)."""
        return "model" if "model" in self.models else "generator"

    @property
    def model(self) -> nn.Module:
        return self.models[self.net]

    @property
    def input_shape(self) -> list[int]:
        """What `model` takes per sample: the data's shape, or a GAN's latent vector."""
        return self.plan.models[self.net].input_shape


def load_trained(plan: PlannedJob, folder: Path) -> TrainedJob:
    """The job's final model, rebuilt from its plan and the weights in its folder (cached
    per file version)."""
    path = final_weights(folder)
    try:
        stat = path.stat()
    except FileNotFoundError:
        raise NotTrained(f"job {folder.name} has no trained weights: it has not finished training") from None
    return _load(path, stat.st_mtime_ns, plan.model_dump_json())


@functools.lru_cache(maxsize=8)
def _load(path: Path, _mtime_ns: int, plan_json: str) -> TrainedJob:
    plan = PlannedJob.model_validate_json(plan_json)
    tensors = load_file(str(path))
    models: dict[str, nn.Module] = {}
    for name in plan.models:
        model = build_model(plan.spec(name), "cpu")
        prefix = f"{name}."
        model.load_state_dict({k[len(prefix) :]: v for k, v in tensors.items() if k.startswith(prefix)})
        models[name] = model.eval()
    return TrainedJob(plan, models, Objective.of(plan))


def rows_per_chunk(trained: TrainedJob) -> int:
    """Rows per forward pass: the plan's `eval_rows`, sized to memory when it was planned
    (a plan kept from before that is measured the same way now)."""
    if trained.plan.eval_rows is not None:
        return trained.plan.eval_rows
    meta = build_model(trained.plan.spec(trained.net), "meta")
    per_row = max(1, evaluation_peak_bytes(meta, trained.input_shape, 1))
    return max(1, min(EVAL_CHUNK, EVAL_CHUNK_BYTES // per_row))


def check_inputs(inputs: Any, input_shape: list[int]) -> torch.Tensor:
    """`inputs` as a float32 batch (n, *input_shape), or `InputError` saying what was expected."""
    expected = f"[n, {', '.join(map(str, input_shape))}]"
    try:
        array = np.asarray(inputs, dtype=np.float32)
    except (ValueError, TypeError):
        raise InputError(
            f"inputs must be a (nested) list of numbers of shape {expected}, with every row the same shape"
        ) from None
    if array.ndim == len(input_shape) + 1 and list(array.shape[1:]) == input_shape:
        if len(array) == 0:
            raise InputError(f"inputs is empty; expected shape {expected} with n ≥ 1")
        if not np.isfinite(array).all():
            raise InputError("inputs must be finite numbers")
        return torch.from_numpy(array)
    raise InputError(f"inputs must have shape {expected}; received shape {list(array.shape)}")


def predict(trained: TrainedJob, inputs: Any) -> dict[str, Any]:
    """Outputs for a batch; class probabilities and predicted classes for classification."""
    x = check_inputs(inputs, trained.input_shape)
    with torch.no_grad():
        out = torch.cat([trained.model(chunk) for chunk in x.split(rows_per_chunk(trained))])
    answer: dict[str, Any] = {"input_shape": trained.input_shape, "outputs": out.tolist()}
    task = trained.objective.task
    if task in ("classification", "binary"):
        probabilities = trained.objective.probabilities(out)
        classes = trained.plan.classes or [str(i) for i in range(probabilities.shape[1])]
        answer["classes"] = classes
        answer["probabilities"] = probabilities.tolist()
        answer["predicted"] = [classes[i] for i in probabilities.argmax(dim=1).tolist()]
    return answer
