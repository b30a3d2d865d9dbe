"""A job's trained model: saved when training ends, loaded back to predict and to export.

The worker writes `data_dir/jobs/<job id>/model.safetensors` (next to the checkpoints) as
its last act before the `done` event, so a job that reads `completed` or `stopped` has it.
Tensors are keyed `<net>.<state_dict key>` (`model.0.weight`; GANs: `generator.…` and
`discriminator.…`), as in the checkpoints. The API process loads it here, lazily: the
routes never touch torch themselves.
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
from torchplay.spec import JobCreate
from torchplay.spec.limits import Limits
from torchplay.training.checkpoint import job_dir
from torchplay.training.objectives import Objective
from torchplay.training.plan import JobPlan, plan_job

FINAL_WEIGHTS = "model.safetensors"
MAX_PREDICT_ROWS = 1024  # one request's batch; a 28×28 canvas or a 2-D plane query needs far fewer


class NotTrained(Exception):
    """The job has no final weights (yet): still running, failed, or from before this feature."""


class InputError(ValueError):
    """Inputs that do not fit the model (shape, batch size, non-numbers); the API answers 422."""


def save_final(directory: Path, models: dict[str, nn.Module]) -> Path:
    """Write the trained weights atomically (a reader never sees half a file)."""
    directory.mkdir(parents=True, exist_ok=True)
    tensors = {
        f"{name}.{key}": value.detach().to("cpu").contiguous().clone()
        for name, model in models.items()
        for key, value in model.state_dict().items()
    }
    path = directory / FINAL_WEIGHTS
    tmp = path.with_name(f".{path.name}.tmp")
    save_file(tensors, str(tmp))
    os.replace(tmp, path)
    return path


def final_weights(data_dir: Path, job_id: str) -> Path:
    return job_dir(data_dir, job_id) / FINAL_WEIGHTS


@dataclass
class TrainedJob:
    plan: JobPlan
    models: dict[str, nn.Module]  # on the CPU, in eval mode
    objective: Objective

    @property
    def model(self) -> nn.Module:
        return self.models.get("model") or self.models["generator"]

    @property
    def input_shape(self) -> list[int]:
        if self.plan.request.task == "gan":
            return [self.plan.request.model.latent_dim]  # type: ignore[union-attr]
        return self.plan.dataset.input_shape


def plan_request(request: dict[str, Any] | JobCreate, data_dir: Path | None) -> JobPlan:
    job = request if isinstance(request, JobCreate) else JobCreate.model_validate(request)
    return plan_job(job, Limits.unbounded(), data_dir)


def load_trained(request: dict[str, Any], data_dir: Path, job_id: str) -> TrainedJob:
    """The job's final model, rebuilt from its spec and weights (cached per file version)."""
    path = final_weights(data_dir, job_id)
    try:
        stat = path.stat()
    except FileNotFoundError:
        raise NotTrained(f"job {job_id} has no trained weights: it has not finished training") from None
    return _load(path, stat.st_mtime_ns, JobCreate.model_validate(request).model_dump_json(), data_dir)


@functools.lru_cache(maxsize=8)
def _load(path: Path, _mtime_ns: int, request_json: str, data_dir: Path) -> TrainedJob:
    plan = plan_request(JobCreate.model_validate_json(request_json), data_dir)
    tensors = load_file(str(path))
    models = {}
    for name, model_plan in plan.models.items():
        model = build_model(model_plan, "cpu")
        prefix = f"{name}."
        model.load_state_dict({k[len(prefix) :]: v for k, v in tensors.items() if k.startswith(prefix)})
        models[name] = model.eval()
    job = plan.request
    return TrainedJob(plan, models, Objective(job.task or "regression", job.loss or "MSELoss"))


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
        if len(array) > MAX_PREDICT_ROWS:
            raise InputError(f"{len(array):,} rows is over the limit of {MAX_PREDICT_ROWS:,} rows per request")
        if not np.isfinite(array).all():
            raise InputError("inputs must be finite numbers")
        return torch.from_numpy(array)
    raise InputError(f"inputs must have shape {expected}; received shape {list(array.shape)}")


def predict(trained: TrainedJob, inputs: Any) -> dict[str, Any]:
    """Outputs for a batch; class probabilities and predicted classes for classification."""
    x = check_inputs(inputs, trained.input_shape)
    with torch.no_grad():
        out = trained.model(x)
    answer: dict[str, Any] = {"input_shape": trained.input_shape, "outputs": out.tolist()}
    task = trained.objective.task
    if task in ("classification", "binary"):
        probabilities = trained.objective.probabilities(out)
        classes = trained.plan.dataset.classes or [str(i) for i in range(probabilities.shape[1])]
        answer["classes"] = classes
        answer["probabilities"] = probabilities.tolist()
        answer["predicted"] = [classes[i] for i in probabilities.argmax(dim=1).tolist()]
    return answer
