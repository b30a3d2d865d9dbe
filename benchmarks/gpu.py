"""`python -m benchmarks.gpu`: torchplay against the plain CUDA loop, four cases, one run.

Each case trains on `cuda` twice: as a job of a real `torchplay serve` (one job slot, a warm
worker) and as the plain PyTorch loop (`benchmarks/plain.py`: resident tensors, shuffled
index slicing, `zero_grad`/`backward`/`step`). It prints each case's loop time on both
sides, their ratio, torchplay's request → first epoch event against the plain loop's
set-up + first epoch, and where torchplay kept the data (`data_on_device`).

The cases: the 784-256-10 MLP on 60 000 random rows; a CNN on 60 000 random 1×28×28 images
(random rows unflattened: MNIST's shapes, no download); an LSTM forecasting sine windows;
a Transformer encoder classifying sequences. About two minutes on one GPU; `--quick` runs
each case for one epoch. Exits with a message (status 1) where CUDA is unavailable.
"""

from __future__ import annotations

import argparse
import copy
import json
import sys
import time
from typing import Any

from benchmarks import harness

CONV = [
    {"type": "Unflatten", "dim": 1, "unflattened_size": [1, 28, 28]},
    {"type": "Conv2d", "out_channels": 32, "kernel_size": 3, "padding": 1},
    {"type": "ReLU"},
    {"type": "MaxPool2d", "kernel_size": 2},
    {"type": "Conv2d", "out_channels": 64, "kernel_size": 3, "padding": 1},
    {"type": "ReLU"},
    {"type": "MaxPool2d", "kernel_size": 2},
    {"type": "Flatten"},
    {"type": "Linear", "out_features": 10},
]
RANDOM_ROWS = {"name": "random-classes", "params": {"samples": 60_000}, "test_fraction": 0.1}
CASES: dict[str, dict[str, Any]] = {
    "mlp": {
        "dataset": RANDOM_ROWS,
        "model": {
            "layers": [
                {"type": "Linear", "out_features": 256},
                {"type": "ReLU"},
                {"type": "Linear", "out_features": 10},
            ]
        },
        "loss": "CrossEntropyLoss",
        "optimizer": {"type": "SGD", "lr": 0.01},
        "epochs": 5,
        "batch_size": 64,
    },
    "cnn": {
        "dataset": RANDOM_ROWS,
        "model": {"layers": CONV},
        "loss": "CrossEntropyLoss",
        "optimizer": {"type": "Adam", "lr": 0.001},
        "epochs": 3,
        "batch_size": 128,
    },
    "lstm": {
        "dataset": {"name": "sine-forecast", "params": {"samples": 20_000, "window": 50}, "test_fraction": 0.1},
        "model": {"layers": [{"type": "LSTM", "hidden_size": 64}, {"type": "Linear", "out_features": 1}]},
        "loss": "MSELoss",
        "optimizer": {"type": "Adam", "lr": 0.005},
        "epochs": 3,
        "batch_size": 64,
    },
    "transformer": {
        "dataset": {"name": "sequence-classes", "params": {"samples": 20_000, "length": 32}, "test_fraction": 0.1},
        "model": {
            "layers": [
                {"type": "Linear", "out_features": 64},
                {"type": "PositionalEncoding"},
                {"type": "TransformerEncoderLayer", "nhead": 4, "dim_feedforward": 128, "dropout": 0.1},
                {"type": "Flatten"},
                {"type": "Linear", "out_features": 4},
            ]
        },
        "task": "classification",
        "loss": "CrossEntropyLoss",
        "optimizer": {"type": "Adam", "lr": 0.001},
        "epochs": 3,
        "batch_size": 64,
    },
}


def _job(name: str, quick: bool) -> dict[str, Any]:
    job = copy.deepcopy(CASES[name])
    job.update(name=f"gpu-{name}", device="cuda", seed=0)
    if quick:
        job["epochs"] = 1
    return job


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one epoch per case")
    parser.add_argument("--case", choices=sorted(CASES), action="append", help="only these cases")
    args = parser.parse_args()
    import torch

    if not torch.cuda.is_available():
        sys.exit("benchmarks.gpu needs a CUDA device: torch.cuda.is_available() is False here")
    names = args.case or list(CASES)
    data_dir = harness.RESULTS / "gpu"
    rows: list[dict[str, Any]] = []
    server = harness.start_server(data_dir, warm=1, running=1)
    try:
        for name in names:
            job = _job(name, args.quick)
            server.wait_quiet()
            watched = harness.run_job(server, job)
            epochs = [e for e in watched.events if e["type"] == "epoch"]
            status = next(e for e in watched.events if e["type"] == "status")
            rows.append(
                {
                    "case": name,
                    "torchplay_loop_s": epochs[-1]["elapsed_s"],
                    "first_epoch_event_s": round(watched.first("epoch") or 0.0, 3),
                    "data_on_device": status.get("data_on_device"),
                    "device": status["device"],
                }
            )
    finally:
        server.stop()
    for row in rows:
        plain = harness.run_plain(_job(row["case"], args.quick), data_dir)
        row["plain_loop_s"] = round(plain["loop_s"], 4)
        row["plain_to_first_epoch_s"] = round(plain["to_first_epoch_s"], 3)
        row["ratio"] = round(row["torchplay_loop_s"] / plain["loop_s"], 3)
    print(f"{'case':<12} {'torchplay s':>11} {'plain s':>9} {'ratio':>6} {'1st epoch':>9} {'plain 1st':>9}  data")
    for row in rows:
        print(
            f"{row['case']:<12} {row['torchplay_loop_s']:>11.3f} {row['plain_loop_s']:>9.3f} {row['ratio']:>6.2f}"
            f" {row['first_epoch_event_s']:>9.3f} {row['plain_to_first_epoch_s']:>9.3f}"
            f"  {'resident' if row['data_on_device'] else 'streamed'} on {row['device']}"
        )
    print(json.dumps({"gpu": torch.cuda.get_device_name(0), "rows": rows, "when": time.strftime("%Y-%m-%dT%H:%M:%S")}))


if __name__ == "__main__":
    main()
