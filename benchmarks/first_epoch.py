"""`python -m benchmarks.threads --case latency`: request → first epoch event, and where it goes.

Two jobs: the 784-256-10 MLP on 60 000 × 784 random rows, and the spiral preset (a small 2-D
set). Each is posted to a real server with a warm pool, a few times, and timed from the
client: the POST's answer (planning and storing), the `status` event (the worker has the
job, its data and its model), the first `epoch` event's arrival, and its delivery delay
(arrival − the wall time the worker stamped on it). The same job is then taken apart in
this process, on the warm worker's code path (torch imported, `warm_up` done), phase by
phase: planning, drawing the data, building the learner, the first epoch's training, its
evaluation, the epoch event's layer norms, and the first snapshot (sent after the epoch
event, so it delays the second epoch, not the first).

The goal it is held against: the MLP's first epoch event within the plain loop's set-up +
first epoch + 0.3 s (`benchmarks/plain.py`'s `to_first_epoch_s`), the small preset's
within 0.3 s.
"""

from __future__ import annotations

import json
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks import harness

REPEATS = 3


def _spiral() -> dict[str, Any]:
    from torchplay.presets import PRESETS

    return {**PRESETS["spiral-mlp"].request, "name": "latency-spiral", "device": "cpu", "seed": 0}


def served(server: harness.Server, job: dict[str, Any]) -> dict[str, float]:
    """One job's timeline as a viewer sees it, seconds after the POST was sent."""
    posted, posted_wall = time.perf_counter(), time.time()
    job_id = server.post(job)
    answered = time.perf_counter() - posted
    watched = harness.Watched(posted)
    from websockets.sync.client import connect

    with connect(server.ws_url(job_id), open_timeout=30, max_size=None) as ws:
        while not any(e["type"] == "epoch" for e in watched.events):
            frame = ws.recv(timeout=120)
            at, wall = time.perf_counter(), time.time()
            for event in json.loads(frame):
                watched.events.append(event)
                watched.arrivals.append(at)
                watched.walls.append(wall)
    server.http.post(f"/api/jobs/{job_id}/stop")
    index = next(i for i, e in enumerate(watched.events) if e["type"] == "epoch")
    epoch = watched.events[index]
    return {
        "post_answered_s": answered,
        "status_s": watched.first("status") or 0.0,
        "epoch_emitted_s": epoch["time"] - posted_wall,
        "first_epoch_s": watched.first("epoch") or 0.0,
        "delivery_s": watched.walls[index] - epoch["time"],
    }


def phases(job: dict[str, Any], data_dir: Path) -> dict[str, float]:
    """The worker's part, phase by phase, in this process (warm: torch loaded, warm_up run)."""
    import torch

    from torchplay import data
    from torchplay.planning import plan_job
    from torchplay.spec import JobCreate
    from torchplay.spec.limits import Limits
    from torchplay.training import internals
    from torchplay.training.control import Control
    from torchplay.training.loop import EpochLoop
    from torchplay.training.snapshots import take_snapshot
    from torchplay.training.supervised import SupervisedLearner

    out: dict[str, float] = {}

    def timed(name: str, fn: Callable[[], Any]) -> Any:
        started = time.perf_counter()
        value = fn()
        out[name] = time.perf_counter() - started
        return value

    plan = timed("plan", lambda: plan_job(JobCreate.model_validate(job), Limits(), data_dir))
    ref = plan.request.dataset
    timed("data", lambda: data.load_dataset(ref.name, ref.params, plan.data_seed, ref.test_fraction, data_dir))
    learner = timed("learner (data, model, optimizer)", lambda: SupervisedLearner(plan, torch.device("cpu"), data_dir))
    loop = EpochLoop(plan, learner, lambda _e: None, Control(), torch.device("cpu"))
    trained = timed("train epoch 1", lambda: learner.train_epoch(loop))
    timed("evaluate", lambda: learner.evaluate(trained))
    timed("layer norms", lambda: internals.layer_norms(learner.model))
    if plan.snapshot_kind:
        timed("first snapshot (after the event)", lambda: take_snapshot(plan.snapshot_kind or "", learner.snapshots))
    return out


def main(mlp_job: dict[str, Any]) -> None:
    from torchplay.training.run import warm_up

    jobs = {"mlp": {**mlp_job, "epochs": 2}, "spiral": _spiral()}
    data_dir = harness.RESULTS / "latency"
    report: dict[str, Any] = {}
    server = harness.start_server(data_dir, warm=2, running=2)
    try:
        for name, job in jobs.items():
            runs = []
            for _ in range(REPEATS):
                server.wait_quiet()
                runs.append(served(server, job))
            report[name] = {key: round(statistics.median(r[key] for r in runs), 3) for key in runs[0]}
    finally:
        server.stop()
    warm_up()
    with tempfile.TemporaryDirectory() as scratch:
        for name, job in jobs.items():
            report[name]["worker_phases_s"] = {k: round(v, 4) for k, v in phases(job, Path(scratch)).items()}
    plain = harness.run_plain(jobs["mlp"], data_dir)
    report["mlp"]["plain_data_s"] = round(plain["data_s"], 3)
    report["mlp"]["plain_to_first_epoch_s"] = round(plain["to_first_epoch_s"], 3)
    report["mlp"]["goal_s"] = round(plain["to_first_epoch_s"] + 0.3, 3)
    report["spiral"]["goal_s"] = 0.3
    report["when"] = time.strftime("%Y-%m-%dT%H:%M:%S")
    print(json.dumps(report, indent=1))
