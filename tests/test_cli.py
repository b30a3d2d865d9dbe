"""`torchplay train job.json` trains headless and writes the same events as JSON lines."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any


def test_train_writes_jsonl_and_progress(tmp_path: Path) -> None:
    job = {
        "dataset": {"name": "circle", "params": {"samples": 200}},
        "model": {
            "layers": [{"type": "Linear", "out_features": 8}, {"type": "ReLU"}, {"type": "Linear", "out_features": 2}]
        },
        "epochs": 5,
    }
    (tmp_path / "job.json").write_text(json.dumps(job))
    result = subprocess.run(
        [sys.executable, "-m", "torchplay", "train", "job.json", "--jsonl", "events.jsonl"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120, env={**os.environ, "TORCHPLAY_DATA_DIR": str(tmp_path / "data")},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "epoch 5/5" in result.stdout and "completed" in result.stdout
    events = [json.loads(line) for line in (tmp_path / "events.jsonl").read_text().splitlines()]
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
    assert [e["epoch"] for e in events if e["type"] == "epoch"] == [1, 2, 3, 4, 5]
    assert events[-1]["type"] == "done" and events[-1]["status"] == "completed"


def test_train_says_what_may_surprise_and_trains_anyway(tmp_path: Path) -> None:
    job = {
        "dataset": {"name": "inline", "params": {"features": 3, "y": [1, 0, 0, 1]}, "test_fraction": 0},
        "model": {"layers": [{"type": "Linear", "out_features": 1}, {"type": "Sigmoid"}]},
        "task": "binary",
        "loss": "MSELoss",
        "epochs": 2,
    }
    (tmp_path / "job.json").write_text(json.dumps(job))
    result = subprocess.run(
        [sys.executable, "-m", "torchplay", "train", "job.json"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120, env={**os.environ, "TORCHPLAY_DATA_DIR": str(tmp_path / "data")},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "torchplay: warning: loss: MSELoss on 0/1 targets" in result.stderr
    assert "completed" in result.stdout


def test_train_rejects_a_bad_spec_with_the_field(tmp_path: Path) -> None:
    (tmp_path / "job.json").write_text(
        json.dumps({"dataset": {"name": "circle"}, "model": {"layers": [{"type": "Linear"}]}})
    )
    result = subprocess.run(
        [sys.executable, "-m", "torchplay", "train", str(tmp_path / "job.json")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "out_features" in result.stderr


def test_public_bind_without_token_refuses_to_start(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "TORCHPLAY_TOKEN"}
    result = subprocess.run(
        [sys.executable, "-m", "torchplay", "serve", "--host", "0.0.0.0", "--port", "0"],
        capture_output=True, text=True, timeout=60, env={**env, "TORCHPLAY_DATA_DIR": str(tmp_path)},
    )  # fmt: skip
    assert result.returncode == 2
    assert "TORCHPLAY_TOKEN" in result.stderr


def test_public_bind_with_a_short_token_refuses_and_says_how_to_make_one(tmp_path: Path) -> None:
    for short in ("s3cret", " ", "fifteen-chars-x", "   padded-short   "):
        result = subprocess.run(
            [sys.executable, "-m", "torchplay", "serve", "--host", "0.0.0.0", "--port", "0"],
            capture_output=True, text=True, timeout=60,
            env={**os.environ, "TORCHPLAY_DATA_DIR": str(tmp_path), "TORCHPLAY_TOKEN": short},
        )  # fmt: skip
        assert result.returncode == 2, (short, result.stderr)
        assert "at least 16 characters" in result.stderr, result.stderr
        assert 'python -c "import secrets; print(secrets.token_urlsafe(24))"' in result.stderr
        assert "Traceback" not in result.stderr


def _xor_sweep(**overrides: Any) -> dict[str, Any]:
    base = {
        "dataset": {"name": "xor", "params": {"samples": 200}},
        "model": {"layers": [{"type": "Linear", "out_features": 8}, {"type": "Tanh"}, {"type": "Linear", "out_features": 2}]},
        "optimizer": {"type": "Adam", "lr": 0.01},
        "epochs": 8,
    }  # fmt: skip
    return {
        "name": "xor",
        "base": base,
        "axes": {"optimizer.lr": [0.001, 0.05], "model.layers.0.out_features": [2, 8]},
    } | overrides


def _sweep(tmp_path: Path, body: dict[str, Any], *args: str) -> subprocess.CompletedProcess[str]:
    (tmp_path / "sweep.json").write_text(json.dumps(body))
    return subprocess.run(
        [sys.executable, "-m", "torchplay", "sweep", "sweep.json", *args],
        cwd=tmp_path, capture_output=True, text=True, timeout=180, env={**os.environ, "TORCHPLAY_DATA_DIR": str(tmp_path / "data")},
    )  # fmt: skip


def test_sweep_trains_every_member_headless_and_ranks_them_by_the_final_metric(tmp_path: Path) -> None:
    result = _sweep(tmp_path, _xor_sweep(), "--jsonl", "events.jsonl")
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    # A line per member as it starts and ends, and between them as it progresses.
    for number in range(1, 5):
        own = [line for line in lines if line.startswith(f"[{number}/4] ")]
        assert "running on cpu" in own[0] and "completed in" in own[-1] and "at epoch 8/8" in own[-1], own
        assert any("epoch 4/8" in line for line in own[1:-1]), own
    # The table: one row per member, exactly the grid's values, best validation loss first.
    header = lines.index(next(line for line in lines if line.startswith("rank ")))
    assert result.stdout.count("4 members, best val_loss first:") == 1
    columns = lines[header].split()
    assert columns[:4] == ["rank", "member", "optimizer.lr", "model.layers.0.out_features"]
    rows = [line.split() for line in lines[header + 1 :]]
    assert [row[0] for row in rows] == ["1", "2", "3", "4"]
    assert sorted(row[1] for row in rows) == ["#1", "#2", "#3", "#4"]
    assert {(float(row[2]), int(row[3])) for row in rows} == {(0.001, 2), (0.001, 8), (0.05, 2), (0.05, 8)}
    val_losses = [float(row[columns.index("val_loss")]) for row in rows]
    assert val_losses == sorted(val_losses)
    assert all(row[columns.index("status")] == "completed" and row[columns.index("epoch")] == "8" for row in rows)
    # The same events a member's stream has, for every member; their folders are gone.
    events = [json.loads(line) for line in (tmp_path / "events.jsonl").read_text().splitlines()]
    done = [e for e in events if e["type"] == "done"]
    assert len(done) == 4 and len({e["job_id"] for e in done}) == 4
    assert all(e["status"] == "completed" for e in done)
    assert sorted(round(e["val_loss"], 4) for e in events if e["type"] == "epoch" and e["epoch"] == 8) == val_losses
    assert list((tmp_path / "data" / "jobs").iterdir()) == []


def test_sweep_with_an_invalid_member_exits_non_zero_naming_the_axis_value(tmp_path: Path) -> None:
    body = _xor_sweep()
    body["base"]["model"]["layers"][2]["in_features"] = 8  # only the width 8 fits it
    result = _sweep(tmp_path, body)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "axes → model.layers.0.out_features → 0 → " in result.stderr, result.stderr
    assert "out_features=2" in result.stderr and "Traceback" not in result.stderr
    assert "running" not in result.stdout  # nothing started

    bad_axis = _sweep(tmp_path, _xor_sweep(axes={"optimizer..lr": [0.1]}))
    assert bad_axis.returncode == 2 and "optimizer..lr" in bad_axis.stderr and "Traceback" not in bad_axis.stderr
