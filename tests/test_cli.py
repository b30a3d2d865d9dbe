"""`torchplay train job.json` trains headless and writes the same events as JSON lines."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path


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
