"""Weight exports of a trained job load elsewhere and compute what the live model computes."""

from __future__ import annotations

import importlib.util
import io
from pathlib import Path

import pytest
import torch
from safetensors.torch import load as load_safetensors

from tests.inprocess import planned, train
from torchplay.export import python_script
from torchplay.export.weights import example_input, export_weights
from torchplay.jobs.files import job_dir
from torchplay.planning import PlannedJob
from torchplay.training.inference import NotTrained, final_weights, load_trained

JOB_ID = "0123abcd"
MODELS = {
    "mlp": {
        "name": "spiral net",
        "dataset": {"name": "spiral", "params": {"samples": 120}},
        "model": {
            "layers": [{"type": "Linear", "out_features": 8}, {"type": "Tanh"}, {"type": "Linear", "out_features": 2}]
        },
    },
    "cnn": {
        "name": "shapes cnn",
        "dataset": {"name": "shapes", "params": {"samples": 40}},
        "model": {
            "layers": [
                {"type": "Conv2d", "out_channels": 4, "kernel_size": 3},
                {"type": "BatchNorm2d"},
                {"type": "ReLU"},
                {"type": "MaxPool2d", "kernel_size": 2},
                {"type": "Flatten"},
                {"type": "Linear", "out_features": 5},
            ]
        },
    },
    "lstm": {
        "name": "sine lstm",
        "dataset": {"name": "sine-forecast", "params": {"samples": 40, "window": 6}},
        "model": {"layers": [{"type": "LSTM", "hidden_size": 8}, {"type": "Linear", "out_features": 1}]},
    },
    "gan": {  # the exports hold the generator: latent vectors in, samples out
        "name": "ring gan",
        "dataset": {"name": "ring", "params": {"samples": 64}},
        "model": {
            "generator": {
                "layers": [
                    {"type": "Linear", "out_features": 8},
                    {"type": "ReLU"},
                    {"type": "Linear", "out_features": 2},
                ]
            },
            "discriminator": {
                "layers": [
                    {"type": "Linear", "out_features": 8},
                    {"type": "LeakyReLU"},
                    {"type": "Linear", "out_features": 1},
                ]
            },
            "latent_dim": 4,
        },
    },
}


@pytest.fixture(scope="module", params=list(MODELS))
def trained(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[PlannedJob, Path]:
    data_dir = tmp_path_factory.mktemp("data")
    job = planned({**MODELS[request.param], "epochs": 2, "batch_size": 16}, data_dir)
    events = train(job, data_dir, checkpoint_dir=job_dir(data_dir, JOB_ID))
    assert events[-1]["status"] == "completed", events[-1]
    return job, data_dir


def live(job: PlannedJob, data_dir: Path) -> tuple[torch.nn.Module, torch.Tensor]:
    model = load_trained(job, job_dir(data_dir, JOB_ID))
    x = torch.randn(3, *model.input_shape, generator=torch.Generator().manual_seed(0))
    return model.model, x


def test_training_leaves_the_final_weights(trained: tuple[PlannedJob, Path]) -> None:
    job, data_dir = trained
    assert final_weights(job_dir(data_dir, JOB_ID)).is_file()
    with pytest.raises(NotTrained):
        load_trained(job, job_dir(data_dir, "ffff0000"))


# TorchScript is deprecated in favour of torch.export, but it is what most deployments still load.
@pytest.mark.filterwarnings("ignore:`torch.jit.load` is deprecated:DeprecationWarning")
def test_torchscript_matches_the_live_model(trained: tuple[PlannedJob, Path]) -> None:
    job, data_dir = trained
    model, x = live(job, data_dir)
    download = export_weights(job, job_dir(data_dir, JOB_ID), "torchscript", "net")
    assert download.filename == "net.torchscript.pt"
    scripted = torch.jit.load(io.BytesIO(download.content))
    with torch.no_grad():
        torch.testing.assert_close(scripted(x), model(x))


def test_onnx_matches_the_live_model(trained: tuple[PlannedJob, Path]) -> None:
    ort = pytest.importorskip("onnxruntime", reason="onnxruntime is not installed (pip install torchplay[onnx])")
    job, data_dir = trained
    model, x = live(job, data_dir)
    download = export_weights(job, job_dir(data_dir, JOB_ID), "onnx", "net")
    session = ort.InferenceSession(download.content, providers=["CPUExecutionProvider"])
    (out,) = session.run(None, {"input": x.numpy()})  # batch 3: the batch axis is dynamic
    with torch.no_grad():
        torch.testing.assert_close(torch.from_numpy(out), model(x), rtol=1e-4, atol=1e-5)


def test_state_dict_loads_into_the_exported_class(trained: tuple[PlannedJob, Path], tmp_path: Path) -> None:
    job, data_dir = trained
    model, x = live(job, data_dir)
    tensors = load_safetensors(export_weights(job, job_dir(data_dir, JOB_ID), "state_dict", "net").content)
    path = tmp_path / "exported.py"
    path.write_text(python_script(job, data_dir, JOB_ID))
    spec = importlib.util.spec_from_file_location("exported_for_weights", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    if job.task == "gan":
        net = module.Generator()
        tensors = {k.removeprefix("generator."): v for k, v in tensors.items() if k.startswith("generator.")}
    else:
        net = next(v for k, v in vars(module).items() if isinstance(v, type) and k.endswith(("Net", "Cnn", "Lstm")))()
    net.load_state_dict(tensors)  # strict: the keys are the class's own (fc1.weight, lstm1.…)
    net.eval()
    with torch.no_grad():
        torch.testing.assert_close(net(x), model(x))


def test_example_input_has_the_dataset_shape(trained: tuple[PlannedJob, Path]) -> None:
    job, data_dir = trained
    model = load_trained(job, job_dir(data_dir, JOB_ID))
    assert list(example_input(model).shape[1:]) == model.input_shape
