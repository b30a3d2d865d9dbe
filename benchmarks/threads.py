"""`python -m benchmarks.threads`: a lone job trains with every core, two at once share them.

The 784-256-10 MLP on 60 000 × 784 random inputs, a tenth held out (SGD 0.01, batch 64, one evaluation pass
per epoch), on a server with its default two job slots: a lone job against the plain loop at
torch's default threads (loop time and request → first epoch event), then two jobs at once
against two plain loops at once. `--case latency`: request → first epoch event, phase by phase.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import time
from typing import Any

from benchmarks import first_epoch, harness

MLP_JOB: dict[str, Any] = {
    "name": "mlp-784",
    "dataset": {"name": "random-classes", "params": {"samples": 60_000}, "test_fraction": 0.1},
    "model": {
        "layers": [{"type": "Linear", "out_features": 256}, {"type": "ReLU"}, {"type": "Linear", "out_features": 10}]
    },
    "loss": "CrossEntropyLoss",
    "optimizer": {"type": "SGD", "lr": 0.01},
    "epochs": 3,
    "batch_size": 64,
    "device": "cpu",
    "seed": 0,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--case",
        choices=["threads", "latency"],
        default="threads",
        help="threads: loop times alone and in pairs; latency: request → first epoch event (benchmarks/first_epoch.py)",
    )
    if parser.parse_args().case == "latency":
        first_epoch.main(MLP_JOB)
        return
    data_dir = harness.RESULTS / "threads"
    server = harness.start_server(data_dir, warm=2, running=2)
    try:
        server.wait_quiet()
        lone = harness.run_job(server, MLP_JOB)
        lone_epochs = [e for e in lone.events if e["type"] == "epoch"]
        server.wait_quiet()
        with concurrent.futures.ThreadPoolExecutor(2) as pool:
            pair = list(pool.map(lambda _: harness.run_job(server, MLP_JOB), range(2)))
    finally:
        server.stop()
    plain = harness.run_plain(MLP_JOB, data_dir)
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        plain_pair = list(pool.map(lambda _: harness.run_plain(MLP_JOB, data_dir), range(2)))
    pair_loop = [[e for e in w.events if e["type"] == "epoch"][-1]["elapsed_s"] for w in pair]
    report = {
        "lone_loop_s": lone_epochs[-1]["elapsed_s"],
        "plain_loop_s": plain["loop_s"],
        "lone_ratio": round(lone_epochs[-1]["elapsed_s"] / plain["loop_s"], 3),
        "lone_threads": lone_epochs[-1].get("threads"),
        "request_to_first_epoch_s": round(lone.first("epoch") or 0, 3),
        "plain_setup_plus_first_epoch_s": round(plain["total_s"] - plain["loop_s"] * 2 / 3, 3),
        "pair_loop_s": pair_loop,
        "plain_pair_loop_s": [p["loop_s"] for p in plain_pair],
        "pair_ratio": round(max(pair_loop) / max(p["loop_s"] for p in plain_pair), 3),
        "when": time.strftime("%Y-%m-%dT%H:%M:%S"),
    }
    print(json.dumps(report))


if __name__ == "__main__":
    main()
