"""The exported script runs as-is and reproduces the job: same first-epoch train loss (1e-4, CPU).

Each job runs in-process through `run_job` (the trainer the server's workers run); its
script runs in a fresh `python` subprocess. Epochs and sample counts are cut down to keep
every case to a few seconds; the code paths are the presets' own.
"""

from __future__ import annotations

import ast
import copy
import csv
import importlib.util
import io
import json
import math
import os
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pytest
import torch

from tests.inprocess import planned, train
from torchplay import data
from torchplay.data import import_csv, import_idx_dataset
from torchplay.export import NonFiniteNumber, python_script
from torchplay.models import build_model
from torchplay.presets import PRESETS

ROOT = Path(__file__).resolve().parents[2]
SHARED_MNIST = ROOT.parent / "shared" / "datasets" / "mnist"
# Small versions of the presets' datasets: the same generators and code paths, fewer rows.
SMALL = {
    "random-regression": {"samples": 40},
    "random-classes": {"samples": 60},
    "shapes": {"samples": 64},
    "sine-forecast": {"samples": 64},
    "sequence-classes": {"samples": 64},
    "ring": {"samples": 128},
    "spiral": {"samples": 120},
}
FIRST_LOSS = re.compile(r"^Epoch \[1/\d+\], Loss: ([^,\s]+)", re.MULTILINE)


def small(request: dict[str, Any], epochs: int = 2) -> dict[str, Any]:
    request = copy.deepcopy(request)
    request["epochs"] = epochs
    name = request["dataset"]["name"]
    if name in SMALL and request["dataset"]["params"].get("samples", 0) > SMALL[name]["samples"]:
        request["dataset"]["params"].update(SMALL[name])
    return request


def first_epoch_loss(request: dict[str, Any], data_dir: Path) -> float:
    events = train(request, data_dir)
    assert events[-1]["status"] == "completed", events[-1]
    return next(e["train_loss"] for e in events if e["type"] == "epoch")


def run_script(source: str, folder: Path) -> str:
    path = folder / "exported.py"
    path.write_text(source)
    result = subprocess.run(
        [sys.executable, str(path)], cwd=folder, capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def assert_reproduces(request: dict[str, Any], data_dir: Path, folder: Path) -> str:
    expected = first_epoch_loss(request, data_dir)
    source = python_script(planned(request, data_dir), data_dir, "0123abcd")
    out = run_script(source, folder)
    match = FIRST_LOSS.search(out)
    assert match, out[-2000:]
    assert abs(float(match.group(1)) - expected) <= 1e-4, (float(match.group(1)), expected)
    return source


@pytest.mark.parametrize("preset_id", [p for p in PRESETS if PRESETS[p].request["dataset"]["name"] != "mnist"])
def test_every_preset_exports_a_script_that_reproduces_the_first_epoch(preset_id: str, tmp_path: Path) -> None:
    source = assert_reproduces(small(PRESETS[preset_id].request), tmp_path / "data", tmp_path)
    assert "torch.no_grad()" in source and ".eval()" in source
    assert not re.search(r"^\s*(import|from) torchplay", source, re.MULTILINE)  # standalone


def test_named_layers_and_blocks_only_when_used(tmp_path: Path) -> None:
    mlp = python_script(planned(PRESETS["spiral-mlp"].request), tmp_path)
    assert "self.fc1 = nn.Linear(2, 16)" in mlp and "x = self.fc3(x)  # (batch, 2)" in mlp
    assert "class Residual" not in mlp and "class PositionalEncoding" not in mlp
    transformer = python_script(planned(PRESETS["transformer-sequences"].request), tmp_path)
    assert "class PositionalEncoding(nn.Module)" in transformer and "import math" in transformer
    lstm = python_script(planned(PRESETS["lstm-sine"].request), tmp_path)
    assert "self.lstm1 = nn.LSTM(1, 32, batch_first=True)" in lstm and "x = x[:, -1]" in lstm


def test_blocks_schedulers_clipping_and_binary_targets(tmp_path: Path) -> None:
    """The less common paths: Residual, BatchNorm, Dropout, a per-batch scheduler, clipping,
    early stopping and the binary task's float targets."""
    request = {
        "name": "circle residual",
        "dataset": {"name": "circle", "params": {"samples": 96}},
        "model": {
            "layers": [
                {"type": "Linear", "out_features": 8},
                {"type": "BatchNorm1d"},
                {"type": "ReLU"},
                {"type": "Dropout", "p": 0.2},
                {"type": "Residual", "layers": [{"type": "Linear", "out_features": 8}, {"type": "Tanh"}]},
                {"type": "Linear", "out_features": 1},
            ]
        },
        "task": "binary",
        "loss": "BCEWithLogitsLoss",
        "optimizer": {"type": "SGD", "lr": 0.05, "momentum": 0.9},
        "scheduler": {"type": "OneCycleLR", "max_lr": 0.1},
        "grad_clip": 1.0,
        "early_stopping": 5,
        "epochs": 2,
        "batch_size": 16,
        "seed": 3,
    }
    source = assert_reproduces(request, tmp_path / "data", tmp_path)
    assert "class Residual(nn.Module)" in source and "clip_grad_norm_" in source


def test_recurrent_inside_a_residual_and_plateau_scheduler(tmp_path: Path) -> None:
    request = {
        "dataset": {"name": "sine-forecast", "params": {"samples": 48, "window": 8}},
        "model": {
            "layers": [
                {"type": "Linear", "out_features": 6},
                {"type": "Residual", "layers": [{"type": "GRU", "hidden_size": 6, "output": "sequence"}]},
                {"type": "LSTM", "hidden_size": 5, "num_layers": 2},
                {"type": "Linear", "out_features": 1},
            ]
        },
        "optimizer": {"type": "RMSprop", "lr": 0.01},
        "scheduler": {"type": "ReduceLROnPlateau", "patience": 0},
        "epochs": 2,
        "batch_size": 10,
        "seed": 1,
    }
    source = assert_reproduces(request, tmp_path / "data", tmp_path)
    assert "class Recurrent(nn.Module)" in source


def test_uploaded_csv_is_embedded(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    rng = np.random.default_rng(0)
    rows = ["a,b,label"] + [f"{x:.5f},{y:.3f},{'yes' if x + y > 0 else 'no'}" for x, y in rng.normal(size=(50, 2))]
    entry = import_csv("\n".join(rows).encode(), "label", data_dir, name="tiny.csv")
    request = {
        "dataset": {"name": entry.name, "params": {}},
        "model": {
            "layers": [{"type": "Linear", "out_features": 4}, {"type": "ReLU"}, {"type": "Linear", "out_features": 2}]
        },
        "epochs": 2,
        "batch_size": 8,
    }
    source = assert_reproduces(request, data_dir, tmp_path)
    assert "CLASSES = ['no', 'yes']" in source


def _import_script(source: str, folder: Path) -> ModuleType:
    path = folder / "exported_module.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location("exported_module", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.skipif(not SHARED_MNIST.is_dir(), reason=f"no MNIST copy at {SHARED_MNIST} (needs the IDX files)")
def test_mnist_preset_loads_the_same_data_and_builds_the_same_model(tmp_path: Path) -> None:
    """A full MNIST epoch takes minutes on a shared CPU; the parts that could differ are checked
    directly: the IDX loader gives torchplay's tensors, and the class gives the Sequential's
    initial weights and outputs. Set TORCHPLAY_SLOW_TESTS=1 to also compare the first epoch."""
    data_dir = tmp_path / "data"
    import_idx_dataset("mnist", SHARED_MNIST, data_dir)
    request = small(PRESETS["mnist-cnn"].request, epochs=1)
    plan = planned(request, data_dir)
    module = _import_script(python_script(plan, data_dir, "0123abcd"), tmp_path)

    x_train, y_train, x_test, y_test = module.load_data()
    loaded = data.load_dataset("mnist", {}, 0, 0.2, data_dir)
    for mine, theirs in zip(
        (x_train, y_train, x_test, y_test), (loaded.x_train, loaded.y_train, loaded.x_test, loaded.y_test), strict=True
    ):
        assert torch.equal(mine, theirs)

    torch.manual_seed(0)
    reference = build_model(plan.spec("model")).eval()
    torch.manual_seed(0)
    exported = module.SimpleCNN().eval()
    with torch.no_grad():
        assert torch.equal(exported(x_test[:8]), reference(x_test[:8]))

    if os.environ.get("TORCHPLAY_SLOW_TESTS") == "1":
        assert_reproduces(request, data_dir, tmp_path)


# --- untrusted text: nothing a user names can become code -------------------------------------

# Run from the script's folder, this creates a file there: the proof that a name became code.
PAYLOAD_CODE = 'import pathlib; pathlib.Path("owned").write_text("1")'
# Every character str.splitlines() breaks a line at (editors and reviewers see a new line there).
LINE_BREAKS = {
    "LF": "\n",
    "CR": "\r",
    "CRLF": "\r\n",
    "VT": "\x0b",
    "FF": "\x0c",
    "FS": "\x1c",
    "GS": "\x1d",
    "RS": "\x1e",
    "NEL": "\x85",
    "LS": "\u2028",
    "PS": "\u2029",
}


def _payload(quote: str = '"""', line_break: str = "\n", end: str = "") -> str:
    return f"x{quote}{line_break}{PAYLOAD_CODE}{line_break}{quote}{end}"


HOSTILE_NAMES = {
    **{f"double-quotes-{key}": _payload('"""', ch) for key, ch in LINE_BREAKS.items()},
    **{f"single-quotes-{key}": _payload("'''", LINE_BREAKS[key]) for key in ("LF", "CRLF", "NEL", "LS")},
    "trailing-backslash": _payload('"""', end="\\"),
    "hash": "x # " + _payload('"""', end=" #"),
}
TINY_REGRESSION = {
    "dataset": {"name": "random-regression", "params": {"samples": 24}},
    "model": {
        "layers": [{"type": "Linear", "out_features": 4}, {"type": "Tanh"}, {"type": "Linear", "out_features": 1}]
    },
    "epochs": 1,
    "batch_size": 8,
}


def assert_inert(source: str, folder: Path) -> None:
    """The names stayed text: no line of the script starts with their code, and running it
    left nothing but the script in its folder."""
    assert not [line for line in source.splitlines() if line.lstrip().startswith("import pathlib")]
    assert not (folder / "owned").exists()
    assert sorted(p.name for p in folder.iterdir()) == ["exported.py"]


@pytest.mark.parametrize("name", HOSTILE_NAMES.values(), ids=HOSTILE_NAMES.keys())
def test_a_job_name_stays_text_in_the_script(name: str, tmp_path: Path) -> None:
    folder = tmp_path / "run"
    folder.mkdir()
    source = assert_reproduces({**TINY_REGRESSION, "name": name}, tmp_path / "data", folder)
    assert_inert(source, folder)
    # The docstring still says the name, exactly: the escapes are a string literal's own.
    assert ast.get_docstring(ast.parse(source), clean=False).startswith(f"{name}: exported from")


def test_class_names_from_job_names_never_clash(tmp_path: Path) -> None:
    """The model's class is named after the job; a keyword or a name the script already uses
    gets a suffix instead of breaking the script."""
    residual = [{"type": "Linear", "out_features": 4}, {"type": "Residual", "layers": [{"type": "Tanh"}]}]
    cases = [
        ({**TINY_REGRESSION, "name": "none"}, "NoneNet"),  # `class None` is a SyntaxError
        ({**TINY_REGRESSION, "name": "SEED"}, "SEEDNet"),  # would replace the SEED setting
        (  # would replace the Residual block the model is built from
            {
                **TINY_REGRESSION,
                "name": "residual",
                "model": {"layers": [*residual, {"type": "Linear", "out_features": 1}]},
            },
            "ResidualNet",
        ),
    ]
    for i, (request, class_name) in enumerate(cases):
        folder = tmp_path / str(i)
        folder.mkdir()
        source = assert_reproduces(request, tmp_path / "data", folder)
        assert f"class {class_name}(nn.Module):" in source and f"model = {class_name}()" in source


def test_a_hostile_csv_stays_text_in_the_script(tmp_path: Path) -> None:
    """Column names, the target's name, class labels and the upload's title all come from the
    file; each carries a payload (quoted CSV fields may hold any line break)."""
    target = HOSTILE_NAMES["single-quotes-LS"]
    labels = [HOSTILE_NAMES["trailing-backslash"], HOSTILE_NAMES["hash"], "plain"]
    features = [name for name in HOSTILE_NAMES.values() if name != target and name not in labels]
    rng = np.random.default_rng(0)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([*features, target])
    for i, row in enumerate(rng.normal(size=(36, len(features)))):
        writer.writerow([*(f"{v:.4f}" for v in row), labels[i % len(labels)]])
    data_dir = tmp_path / "data"
    entry = import_csv(buffer.getvalue().encode(), target, data_dir, name=_payload('"""', end="\\") + ".csv")
    assert entry.classes(entry.params_model()) == sorted(labels)  # the labels arrived as written
    request = {
        "name": _payload("'''"),
        "dataset": {"name": entry.name, "params": {}},
        "model": {"layers": [{"type": "Linear", "out_features": 4}, {"type": "Linear", "out_features": 3}]},
        "epochs": 1,
        "batch_size": 8,
    }
    folder = tmp_path / "run"
    folder.mkdir()
    source = assert_reproduces(request, data_dir, folder)
    assert_inert(source, folder)
    assigned = {
        node.targets[0].id: ast.literal_eval(node.value)
        for node in ast.parse(source).body
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", None) in ("FEATURES", "CLASSES")
    }
    assert assigned == {"FEATURES": features, "CLASSES": sorted(labels)}  # the names, exactly


def test_a_csv_at_float32s_limits_exports_finite_numbers(tmp_path: Path) -> None:
    big = float(np.finfo(np.float32).max)
    rows = [f"{big if i % 3 == 0 else -big if i % 3 == 1 else i},{i % 5 * 0.5}" for i in range(30)]
    data_dir = tmp_path / "data"
    entry = import_csv("\n".join(["x,y", *rows]).encode(), "y", data_dir)
    request = {
        "dataset": {"name": entry.name},
        "model": {"layers": [{"type": "Linear", "out_features": 1}]},
        "epochs": 1,
    }
    source = assert_reproduces(request, data_dir, tmp_path)
    assert not re.search(r"\b(inf|nan)\b", source)


def test_a_stored_upload_holding_inf_is_refused_not_written(tmp_path: Path) -> None:
    """`inf` in a script is a NameError; an upload whose stored numbers are not finite (a
    data folder written by other means) is refused by name instead."""
    data_dir = tmp_path / "data"
    entry = import_csv(b"x,y\n1,0.5\n2,1.5\n3,2.5\n", "y", data_dir)
    meta_file = data_dir / "datasets" / "uploads" / entry.name / "meta.json"
    meta = json.loads(meta_file.read_text())
    meta_file.write_text(json.dumps({**meta, "std": [math.inf]}))  # JSON's `Infinity`
    request = {"dataset": {"name": entry.name}, "model": {"layers": [{"type": "Linear", "out_features": 1}]}}
    with pytest.raises(NonFiniteNumber, match="inf"):
        python_script(planned(request, data_dir), data_dir)


LOOP_CHOICES = [
    {"loss_params": {"reduction": "sum"}, "loss_report": "epoch_sum", "shuffle": False},
    {"loss_report": "last_batch", "loss_params": {"label_smoothing": 0.2}},
    {"loss_params": {"reduction": "sum"}},
]


@pytest.mark.parametrize("choices", LOOP_CHOICES, ids=["sum-unshuffled", "last-batch-smoothed", "sum-mean-report"])
def test_loss_keywords_reports_and_order_reproduce(choices: dict[str, Any], tmp_path: Path) -> None:
    request = small({**PRESETS["spiral-mlp"].request, **choices})
    source = assert_reproduces(request, tmp_path / "data", tmp_path)
    if not choices.get("shuffle", True):
        assert "randperm" not in source


def test_binary_regression_losses_and_pos_weight_reproduce(tmp_path: Path) -> None:
    base = {
        "dataset": {"name": "circle", "params": {"samples": 48}},
        "model": {
            "layers": [{"type": "Linear", "out_features": 4}, {"type": "Tanh"}, {"type": "Linear", "out_features": 1}]
        },
        "task": "binary",
        "epochs": 2,
        "batch_size": 8,
    }
    assert_reproduces(
        {**base, "loss": "BCEWithLogitsLoss", "loss_params": {"pos_weight": [2.5]}}, tmp_path / "d", tmp_path
    )
    huber = {**base, "loss": "HuberLoss", "loss_params": {"delta": 0.3, "reduction": "sum"}}
    huber["model"] = {"layers": [*base["model"]["layers"], {"type": "Sigmoid"}]}
    assert "HuberLoss(reduction='sum', delta=0.3)" in assert_reproduces(huber, tmp_path / "d", tmp_path)


WRITTEN_DATA = [
    {"name": "inline", "params": {"x": [[0.5, -1], [2, 0.25], [1, 1], [-3, 0]], "y": [0, 1, 1, 0]}, "test_fraction": 0},
    {
        "name": "inline",
        "params": {"features": 3, "y": [[0.5, 1], [2, -1], [1, 1], [0, 0], [3, 3]]},
        "test_fraction": 0.4,
    },
    {"name": "random-regression", "params": {"samples": 10, "features": 2, "draw": "torch"}, "test_fraction": 0},
    {"name": "random-classes", "params": {"samples": 40, "features": 6, "classes": 3, "draw": "torch"}},
]


@pytest.mark.parametrize("dataset", WRITTEN_DATA, ids=["typed", "drawn-x-split", "randn", "randint"])
def test_written_data_exports_as_torch_calls_and_reproduces(dataset: dict[str, Any], tmp_path: Path) -> None:
    outputs = {"inline": 1 if dataset["params"].get("x") else 2, "random-regression": 1, "random-classes": 3}
    request = {
        "dataset": dataset,
        "model": {"layers": [{"type": "Linear", "out_features": 4}, {"type": "ReLU"},
                             {"type": "Linear", "out_features": outputs[dataset["name"]]}]},
        "epochs": 2,
        "batch_size": 2,
    }  # fmt: skip
    source = assert_reproduces(request, tmp_path / "data", tmp_path)
    if "x" in dataset["params"]:
        assert "x = torch.tensor([[0.5, -1.0], [2.0, 0.25]" in source
    else:
        assert "torch.manual_seed(DATA_SEED)" in source and "= torch.randn(" in source
