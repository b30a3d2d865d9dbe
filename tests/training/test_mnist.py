"""The tutorials' CNN on the real MNIST reaches ≥ 98 % test accuracy.

The four files come from `../shared/datasets/mnist` beside the checkout (CI has them too)
and go through `torchplay datasets import`'s own code path into a fresh data dir.
Two epochs over the 60 000 images; it takes minutes on a CPU, hence `slow`.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import SHARED_MNIST
from tests.training.test_learning import tutorial_cnn

TUTORIAL_CNN = tutorial_cnn(10)
EPOCHS = 2  # one epoch lands at ≈ 98.5 %, too close to the bar; two give ≈ 98.8–99 %


@pytest.mark.slow
@pytest.mark.skipif(not SHARED_MNIST.is_dir(), reason=f"the real MNIST is not at {SHARED_MNIST}")
def test_tutorial_cnn_reaches_98_percent_on_mnist(tmp_path: Path) -> None:
    # Through the CLI in its own process, as a user would run it (and apart from whatever
    # threads earlier tests left in this one); one thread, as a worker gets on two cores.
    env = {**os.environ, "TORCHPLAY_DATA_DIR": str(tmp_path / "data"), "OMP_NUM_THREADS": "1"}
    cli = [sys.executable, "-m", "torchplay"]
    imported = subprocess.run(
        [*cli, "datasets", "import", "mnist", str(SHARED_MNIST)], env=env, capture_output=True, text=True, timeout=300
    )
    assert imported.returncode == 0, imported.stderr
    job = {
        "dataset": {"name": "mnist"},
        "model": TUTORIAL_CNN,
        "optimizer": {"type": "Adam", "lr": 0.001},
        "epochs": EPOCHS,
        "batch_size": 64,
    }
    (tmp_path / "job.json").write_text(json.dumps(job))
    started = time.perf_counter()
    run = subprocess.run(
        [*cli, "train", str(tmp_path / "job.json"), "--jsonl", str(tmp_path / "events.jsonl")],
        env=env, capture_output=True, text=True, timeout=1800,
    )  # fmt: skip
    seconds = time.perf_counter() - started
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    events: list[dict[str, Any]] = [json.loads(line) for line in (tmp_path / "events.jsonl").read_text().splitlines()]
    assert events[-1]["type"] == "done" and events[-1]["status"] == "completed", events[-1]
    epochs = [e for e in events if e["type"] == "epoch"]
    accuracy = epochs[-1]["metrics"]["accuracy"]
    print(f"MNIST tutorial CNN: {EPOCHS} epochs, {seconds:.0f} s, test accuracy {accuracy:.4f}")
    assert accuracy >= 0.98, epochs[-1]
    snapshot = [e for e in events if e["type"] == "snapshot"][-1]
    assert snapshot["kind"] == "images"
    assert snapshot["data"]["classes"] == [str(i) for i in range(10)]
