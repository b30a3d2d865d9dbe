"""A finished job's trained weights as a download: `state_dict`, `torchscript` or `onnx`.

- `state_dict`: safetensors, keyed like the exported script's class (`fc1.weight`; GANs
  `generator.fc1.weight`), so it loads straight into the code from `format=python`.
- `torchscript`: `torch.jit.trace` of the trained `nn.Sequential` (GANs: the generator):
  `torch.jit.load(path)` runs it without torchplay or the script.
- `onnx`: the same model through `torch.onnx.export`, batch dimension dynamic. Needs the
  `onnx` extra; without it the answer is `ExportUnavailable` (a 4xx naming the extra).
"""

from __future__ import annotations

import importlib.util
import io
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path

import torch
from safetensors.torch import save as safetensors_bytes

from torchplay.models.naming import rename_state_dict
from torchplay.planning import PlannedJob
from torchplay.training.inference import TrainedJob, load_trained

FORMATS = ("python", "ipynb", "state_dict", "torchscript", "onnx")
ONNX_OPSET = 17


class ExportUnavailable(Exception):
    """This server cannot produce the format (a missing optional package)."""


@dataclass
class Download:
    content: bytes
    filename: str
    media_type: str


def export_weights(plan: PlannedJob, folder: Path, fmt: str, stem: str) -> Download:
    """The trained job in `fmt`; `NotTrained` if it has no final weights, `ExportUnavailable`
    when the format's package is not installed."""
    if fmt == "onnx" and importlib.util.find_spec("onnx") is None:
        raise ExportUnavailable("ONNX export needs the onnx extra, which is not installed: pip install torchplay[onnx]")
    trained = load_trained(plan, folder)
    if fmt == "state_dict":
        return Download(_state_dict(trained, folder.name), f"{stem}.safetensors", "application/octet-stream")
    if fmt == "torchscript":
        return Download(_torchscript(trained), f"{stem}.torchscript.pt", "application/octet-stream")
    if fmt == "onnx":
        return Download(_onnx(trained), f"{stem}.onnx", "application/octet-stream")
    raise ValueError(f"unknown weights format {fmt!r}")


def example_input(trained: TrainedJob, batch: int = 2) -> torch.Tensor:
    """A batch shaped like the model's input: what tracing and ONNX export run once."""
    return torch.zeros(batch, *trained.input_shape)


def _state_dict(trained: TrainedJob, job_id: str) -> bytes:
    tensors: dict[str, torch.Tensor] = {}
    for name, model in trained.models.items():
        renamed = rename_state_dict(model.state_dict(), trained.plan.spec(name).layers)
        prefix = "" if name == "model" else f"{name}."
        tensors |= {prefix + key: value.contiguous() for key, value in renamed.items()}
    return safetensors_bytes(tensors, metadata={"job_id": job_id, "format": "torchplay state_dict"})


def _torchscript(trained: TrainedJob) -> bytes:
    with warnings.catch_warnings():  # tracer notes (e.g. on the recurrent wrapper) are expected
        warnings.simplefilter("ignore")
        traced = torch.jit.trace(trained.model, example_input(trained), check_trace=False)
        buffer = io.BytesIO()
        torch.jit.save(traced, buffer)
    return buffer.getvalue()


def _onnx(trained: TrainedJob) -> bytes:
    with tempfile.TemporaryDirectory() as folder, warnings.catch_warnings():
        path = Path(folder) / "model.onnx"
        warnings.simplefilter("ignore")
        torch.onnx.export(
            trained.model,
            (example_input(trained),),
            path,
            input_names=["input"],
            output_names=["output"],
            dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}},
            opset_version=ONNX_OPSET,
            dynamo=False,  # the TorchScript-based exporter: no onnxscript needed
        )
        return path.read_bytes()
