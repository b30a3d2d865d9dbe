"""The tutorials' CNN on the real MNIST reaches ≥ 98 % test accuracy.

The four files come from `../shared/datasets/mnist` beside the checkout (CI has them too)
and go through `torchplay datasets import`'s own code path into a fresh data dir.
Two epochs over the 60 000 images; it takes minutes on a CPU, hence `slow`.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import torch

from tests.conftest import SHARED_MNIST
from torchplay import data
from torchplay.spec import JobCreate
from torchplay.training import run_job

# The tutorials' CNN, as in tests/training/test_learning.py.
TUTORIAL_CNN = {
    "layers": [
        {"type": "Conv2d", "out_channels": 32, "kernel_size": 3},
        {"type": "ReLU"},
        {"type": "MaxPool2d", "kernel_size": 2},
        {"type": "Conv2d", "out_channels": 64, "kernel_size": 3},
        {"type": "ReLU"},
        {"type": "MaxPool2d", "kernel_size": 2},
        {"type": "Flatten"},
        {"type": "Linear", "out_features": 128},
        {"type": "ReLU"},
        {"type": "Linear", "out_features": 10},
    ]
}
EPOCHS = 2  # one epoch lands at ≈ 98.5 %, too close to the bar; two give ≈ 98.8–99 %


@pytest.fixture
def one_thread() -> Iterator[None]:
    # One thread per job, as a worker gets on a two-core machine; two spinning threads on
    # a busy machine are many times slower than one.
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.mark.slow
@pytest.mark.skipif(not SHARED_MNIST.is_dir(), reason=f"the real MNIST is not at {SHARED_MNIST}")
def test_tutorial_cnn_reaches_98_percent_on_mnist(tmp_path: Path, one_thread: None) -> None:
    data.import_idx_dataset("mnist", SHARED_MNIST, tmp_path)
    events: list[dict[str, Any]] = []
    started = time.perf_counter()
    run_job(
        JobCreate.model_validate(
            {
                "dataset": {"name": "mnist"},
                "model": TUTORIAL_CNN,
                "optimizer": {"type": "Adam", "lr": 0.001},
                "epochs": EPOCHS,
                "batch_size": 64,
            }
        ),
        events.append,
        None,
        tmp_path,
    )
    seconds = time.perf_counter() - started
    assert events[-1] == {"type": "done", "status": "completed", "error": None}, events[-1]
    epochs = [e for e in events if e["type"] == "epoch"]
    accuracy = epochs[-1]["metrics"]["accuracy"]
    print(f"MNIST tutorial CNN: {EPOCHS} epochs, {seconds:.0f} s, test accuracy {accuracy:.4f}")
    assert accuracy >= 0.98, epochs[-1]
    snapshot = [e for e in events if e["type"] == "snapshot"][-1]
    assert snapshot["kind"] == "images"
    assert snapshot["data"]["classes"] == [str(i) for i in range(10)]
