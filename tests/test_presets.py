"""Every preset is a valid job request with a note in both languages; each tutorial example
is its preset field by field (a table per example), trains, and exports a script that runs
and prints the job's first loss.

The tables are the tutorials' code read off: layer sizes as the tutorial's classes name
them (in, out), the loss and optimizer, the data's draw, batch and epochs."""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import pytest

from tests.export.test_python_export import assert_reproduces, first_epoch_loss
from tests.inprocess import planned, train
from torchplay.export import python_script
from torchplay.models.printing import module_text
from torchplay.planning import plan_job
from torchplay.presets import PRESETS, catalogue
from torchplay.spec import JobCreate
from torchplay.spec.limits import Limits


@pytest.mark.parametrize("preset_id", list(PRESETS))
def test_preset_plans_under_the_default_limits(preset_id: str) -> None:
    preset = PRESETS[preset_id]
    plan = plan_job(JobCreate.model_validate(preset.request), Limits())
    assert plan.request.task == preset.request["task"]
    assert preset.note["en"].strip() and preset.note["zh"].strip()
    assert preset.title["en"] and preset.title["zh"]
    assert len(catalogue()) == len(PRESETS) >= 12


# Layers as (type, in, out) for Linear and Conv2d (out_channels; kernel 3 in the tutorial), else (type,).
def _layers(plan_spec: Any) -> list[tuple[Any, ...]]:
    out: list[tuple[Any, ...]] = []
    for layer in plan_spec.layers:
        if layer.type == "Linear":
            out.append(("Linear", layer.in_features, layer.out_features))
        elif layer.type == "Conv2d":
            out.append(("Conv2d", layer.in_channels, layer.out_channels, layer.kernel_size))
        elif layer.type == "MaxPool2d":
            out.append(("MaxPool2d", layer.kernel_size))
        else:
            out.append((layer.type,))
    return out


def _field(request: dict[str, Any], path: str) -> Any:
    value: Any = request
    for part in path.split("."):
        value = value[part]
    return value


TUTORIAL: dict[str, dict[str, Any]] = {
    "regression-2-2-1": {  # SimpleNN: built and printed, nothing trained
        "layers": [("Linear", 2, 2), ("ReLU",), ("Linear", 2, 1)],
        "params": 9,
        "trains": False,
    },
    "simple-linear-model": {
        "layers": [("Linear", 2, 1)],
        "params": 3,
        "loss": "MSELoss",
        "optimizer": {"type": "SGD", "lr": 0.01},
        "epochs": 100,
        "batch_size": None,
        "print_every": 10,
        "dataset.name": "random-regression",
        "dataset.params": {"samples": 10, "features": 2, "draw": "torch"},  # randn(10, 2) → randn(10, 1)
        "dataset.test_fraction": 0,
    },
    "sigmoid-10-5-1": {  # the tutorial's nn.Sequential
        "layers": [("Linear", 10, 5), ("ReLU",), ("Linear", 5, 1), ("Sigmoid",)],
        "params": 61,
        "loss": "MSELoss",
        "optimizer": {"type": "SGD", "lr": 0.01},
        "epochs": 50,
        "batch_size": None,
        "dataset.name": "inline",
        "dataset.params": {"features": 10, "y": [1, 0, 0, 1, 1, 1, 0, 0, 1, 1]},  # x = randn(10, 10)
        "dataset.test_fraction": 0,
    },
    "mlp-32-64-32-1": {
        "layers": [("Linear", 32, 64), ("ReLU",), ("Linear", 64, 32), ("ReLU",), ("Linear", 32, 1)],
        "params": 4225,
        "loss": "MSELoss",
        "optimizer": {"type": "Adam", "lr": 0.001},
        "epochs": 100,
        "batch_size": None,
        "dataset.params": {"samples": 128, "features": 32, "draw": "torch"},
        "dataset.test_fraction": 0,  # no validation split
    },
    "classifier-784-256-10": {  # Net
        "layers": [("Linear", 784, 256), ("ReLU",), ("Linear", 256, 10)],
        "params": 203_530,
        "loss": "CrossEntropyLoss",
        "optimizer": {"type": "SGD", "lr": 0.01},  # no momentum
        "epochs": 2,
        "batch_size": 32,
        "shuffle": True,
        "dataset.params": {"samples": 100, "features": 784, "classes": 10, "draw": "torch"},
        "dataset.test_fraction": 0,
    },
    "step-1-2-1": {
        "layers": [("Linear", 1, 2), ("Sigmoid",), ("Linear", 2, 1), ("Sigmoid",)],
        "params": 7,
        "loss": "BCELoss",
        "optimizer": {"type": "SGD", "lr": 0.01},
        "epochs": 5000,
        "batch_size": 1,
        "shuffle": False,
        "loss_report": "epoch_sum",
        "snapshot_every": 1000,
        "dataset.name": "step",
        "dataset.test_fraction": 0,
    },
    "mnist-cnn": {  # SimpleCNN; fc1 takes 64 × 5 × 5 = 1600, not the tutorial's 64 * 6 * 6
        "layers": [("Conv2d", 1, 32, 3), ("ReLU",), ("MaxPool2d", 2), ("Conv2d", 32, 64, 3), ("ReLU",),
                   ("MaxPool2d", 2), ("Flatten",), ("Linear", 1600, 128), ("ReLU",), ("Linear", 128, 10)],
        "params": 225_034,
        "loss": "CrossEntropyLoss",
        "optimizer": {"type": "SGD", "lr": 0.01},
        "epochs": 10,
        "batch_size": 64,
        "dataset.name": "mnist",  # normalised with mean 0.1307, std 0.3081
    },
}  # fmt: skip
# Cut to a few epochs where the tutorial's run is long; the code paths are the same.
EPOCHS = {"step-1-2-1": 3, "mlp-32-64-32-1": 5, "simple-linear-model": 5}


@pytest.mark.parametrize("preset_id", list(TUTORIAL))
def test_the_preset_is_the_tutorials_example_field_by_field(preset_id: str) -> None:
    table, preset = TUTORIAL[preset_id], PRESETS[preset_id]
    plan = planned(preset.request)
    assert _layers(plan.spec("model")) == table["layers"]
    assert plan.total_params == table["params"]
    assert preset.trains is table.get("trains", True)
    for path, value in table.items():
        if path not in ("layers", "params", "trains"):
            assert _field(preset.request, path) == value, path
    assert preset.note["en"] and preset.note["zh"]


@pytest.mark.parametrize("preset_id", [p for p in TUTORIAL if p != "mnist-cnn"])
def test_the_tutorials_example_trains_and_its_export_prints_the_first_loss(preset_id: str, tmp_path: Path) -> None:
    request = copy.deepcopy(PRESETS[preset_id].request)
    request["epochs"] = min(request["epochs"], EPOCHS.get(preset_id, request["epochs"]))
    source = assert_reproduces(request, tmp_path / "data", tmp_path)
    if request["dataset"]["name"] != "step":
        assert "torch.manual_seed(DATA_SEED)" in source and "torch.randn(" in source


def test_simple_nn_prints_as_the_tutorial_shows(tmp_path: Path) -> None:
    plan = planned(PRESETS["regression-2-2-1"].request)
    text, _ = module_text(plan.spec("model"))
    assert "Linear(in_features=2, out_features=2, bias=True)" in text
    assert "Linear(in_features=2, out_features=1, bias=True)" in text
    # The exported script's class is the tutorial's, its layers named as the tutorial names them.
    source = python_script(plan, tmp_path)
    assert "class SimpleNN(nn.Module)" in source and "self.fc1 = nn.Linear(2, 2)" in source
    assert "self.fc2 = nn.Linear(2, 1)" in source
    for preset_id, name in [("simple-linear-model", "SimpleLinearModel"), ("classifier-784-256-10", "Net")]:
        assert f"class {name}(nn.Module)" in python_script(planned(PRESETS[preset_id].request), tmp_path)


def test_the_inline_sigmoid_example_falls_in_the_tutorials_range(tmp_path: Path) -> None:
    """≈ 0.25 → 0.24 over 50 epochs in the tutorial, on its own random draw: the scale, not the digits."""
    plan = planned(PRESETS["sigmoid-10-5-1"].request)
    assert [w.loc for w in plan.warnings] == [["loss"]]  # MSELoss on 0/1 targets: runs, with a warning
    events = train(plan, tmp_path)
    losses = [e["train_loss"] for e in events if e["type"] == "epoch"]
    assert len(losses) == 50
    assert 0.2 < losses[-1] < losses[0] < 0.3
    assert losses[0] - losses[-1] < 0.05  # lr 0.01, 50 steps: a creep, not a plunge
    # The tutorial's actual-vs-predicted plot by sample index: the ten rows in order, the
    # targets as typed and the sigmoid's outputs, whose squared error is the reported loss.
    snapshot = [e for e in events if e["type"] == "snapshot"][-1]
    assert snapshot["kind"] == "confusion"
    rows = snapshot["data"]["by_index"]
    assert rows["actual"] == [1, 0, 0, 1, 1, 1, 0, 0, 1, 1]
    assert len(rows["predicted"]) == 10 and all(0.0 < p < 1.0 for p in rows["predicted"])
    final_mse = sum((p - a) ** 2 for p, a in zip(rows["predicted"], rows["actual"], strict=True)) / 10
    assert final_mse == pytest.approx(losses[-1], abs=2e-3)


def test_the_step_example_reports_the_epoch_sum_in_the_datas_order(tmp_path: Path) -> None:
    request = {**PRESETS["step-1-2-1"].request, "epochs": 2}
    summed = first_epoch_loss(request, tmp_path)
    mean = first_epoch_loss({**request, "loss_report": "epoch_mean"}, tmp_path)
    assert summed == pytest.approx(mean * 60, rel=1e-5)  # 60 samples, batch 1
    source = python_script(planned(request), tmp_path)
    assert "randperm" not in source and "train_loss = total_loss\n" in source


def test_the_cnn_example_exports_the_size_shape_inference_found(tmp_path: Path) -> None:
    source = python_script(planned(PRESETS["mnist-cnn"].request, tmp_path), tmp_path)
    assert re.search(r"nn\.Linear\(1600, 128\)", source)
    assert "torch.optim.SGD(model.parameters(), lr=0.01)" in source and "BATCH_SIZE = 64" in source
    assert "MEAN, STD = 0.1307, 0.3081" in source
    note = PRESETS["mnist-cnn"].note
    assert "64*6*6" in note["en"] and "1600" in note["en"] and "1600" in note["zh"]
