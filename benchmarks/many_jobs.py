"""`python -m benchmarks.many_jobs [--jobs 60]`: a class posting tiny jobs at once.

60 tiny 3-epoch xor jobs are posted at once to a `torchplay serve` with its default pool
(one worker per job slot); the figure is the time from the first POST to the last `done`,
against the same jobs trained one after another in one plain PyTorch process.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import subprocess
import sys
import time
from typing import Any

from benchmarks import harness

XOR_JOB: dict[str, Any] = {
    "name": "class-xor",
    "dataset": {"name": "xor", "params": {"samples": 200}, "test_fraction": 0.2},
    "model": {
        "layers": [{"type": "Linear", "out_features": 8}, {"type": "Tanh"}, {"type": "Linear", "out_features": 2}]
    },
    "optimizer": {"type": "Adam", "lr": 0.01},
    "epochs": 3,
    "batch_size": 32,
    "device": "cpu",
}


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.many_jobs", description=__doc__)
    parser.add_argument("--jobs", type=int, default=60)
    args = parser.parse_args()
    data_dir = harness.RESULTS / "many-jobs"
    server = harness.start_server(data_dir, warm=2, running=2)
    try:
        posted = time.perf_counter()
        with concurrent.futures.ThreadPoolExecutor(16) as pool:
            ids = list(pool.map(lambda i: server.post({**XOR_JOB, "seed": i}), range(args.jobs)))
        while True:
            jobs = server.http.get("/api/jobs").json()
            mine = [j for j in jobs if j["id"] in set(ids)]
            if all(j["status"] in ("completed", "failed", "stopped") for j in mine):
                break
            time.sleep(0.05)
        torchplay_s = time.perf_counter() - posted
        failed = [j for j in mine if j["status"] != "completed"]
    finally:
        server.stop()
    plain_s = _plain(args.jobs, data_dir)
    print(
        json.dumps(
            {
                "jobs": args.jobs,
                "torchplay_all_done_s": round(torchplay_s, 2),
                "failed": len(failed),
                "plain_back_to_back_s": round(plain_s, 2),
                "ratio": round(torchplay_s / plain_s, 2),
            }
        )
    )


def _plain(jobs: int, data_dir: Any) -> float:
    """The same jobs one after another in one plain process (torch imported once, timed inside)."""
    path = data_dir / "plain-job.json"
    path.write_text(json.dumps(XOR_JOB))
    code = (
        "import sys, time\n"
        "job, where = sys.argv[1], sys.argv[2]\n"
        "t = time.perf_counter()\n"
        f"for i in range({jobs}):\n"
        "    sys.argv = ['plain', job, '--data-dir', where, '--threads', '1']\n"
        "    import benchmarks.plain as p; p.main()\n"
        "print(time.perf_counter()-t)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(path), str(data_dir)],
        cwd=harness.ROOT,
        capture_output=True,
        text=True,
        timeout=900,
        check=True,
    )
    return float(done.stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    main()
