"""How long an event takes from a Ray actor's `yield` to the server's reader thread.

The same path RayExecutor uses (a threaded actor whose `run` is a streaming generator),
with a trivial body: the actor stamps `time.time()` and yields every 10 ms; the driver
subtracts on receipt. One machine, so one clock. Run:

    .venv/bin/python benchmarks/ray_event_latency.py [--events 300]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Iterator

import ray


class Ticker:
    def run(self, count: int, every_s: float) -> Iterator[list[dict[str, float]]]:
        for i in range(count):
            time.sleep(every_s)
            yield [{"i": i, "sent": time.time()}]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=300)
    args = parser.parse_args()
    ray.init(num_cpus=2, include_dashboard=False, logging_level="WARNING")
    try:
        actor = ray.remote(Ticker).options(num_cpus=1, max_concurrency=4).remote()
        lags = []
        for ref in actor.run.remote(args.events, 0.01):
            batch = ray.get(ref)
            lags.append((time.time() - batch[0]["sent"]) * 1000)
        lags = lags[10:]  # the first yields include the actor's start
        q = statistics.quantiles(lags, n=100)
        print(
            f"ray {ray.__version__}: {len(lags)} events, p50 {q[49]:.2f} ms, p95 {q[94]:.2f} ms, max {max(lags):.2f} ms"
        )
    finally:
        ray.shutdown()


if __name__ == "__main__":
    main()
