"""A job is planned once: when it is created. Running it (in a worker process), predicting,
exporting and looking inside it read the stored plan; `torchplay train` plans once too.

Every process the test starts (the server, its worker processes, the CLI) loads a
`sitecustomize` that wraps `plan_job` and `plan_model` (the meta-device shape walk) to
log each call, so calls in any process are counted, tagged with the job's name or the
model spec. The warm-ups (the server's planning warm-up, each worker's throwaway job)
plan other specs and are told apart by them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.conftest import spiral_job, start_server

SITECUSTOMIZE = """
import importlib.abc
import importlib.machinery
import json
import os
import sys

LOG = os.environ["PLAN_COUNT_LOG"]
WATCHED = {
    "torchplay.planning.job": ("plan_job", lambda request, *args, **kwargs: request.name),
    "torchplay.planning.model": ("plan_model", lambda spec, *args, **kwargs: spec.model_dump_json()),
}


def counted(name, function, tag):
    def counting(*args, **kwargs):
        with open(LOG, "a") as log:
            log.write(json.dumps([name, tag(*args, **kwargs), os.getpid()]) + "\\n")
        return function(*args, **kwargs)

    return counting


class CountPlanning(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname, path, target=None):
        if fullname not in WATCHED:
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        run = spec.loader.exec_module

        def exec_module(module):
            run(module)
            name, tag = WATCHED[fullname]
            setattr(module, name, counted(name, getattr(module, name), tag))

        spec.loader.exec_module = exec_module
        return spec


sys.meta_path.insert(0, CountPlanning())
"""
# A width nothing else plans: the model's own planning calls are the ones that mention it.
MARK = 29


def _job(name: str) -> dict[str, Any]:
    layers = [{"type": "Linear", "out_features": MARK}, {"type": "Tanh"}, {"type": "Linear", "out_features": 2}]
    return spiral_job(name=name, epochs=3, model={"layers": layers})


def _counting_env(tmp_path: Path) -> tuple[dict[str, str], Path]:
    hooks = tmp_path / "hooks"
    hooks.mkdir()
    (hooks / "sitecustomize.py").write_text(SITECUSTOMIZE)
    log = tmp_path / "planning.log"
    path = os.pathsep.join(p for p in (str(hooks), os.environ.get("PYTHONPATH", "")) if p)
    return {"PYTHONPATH": path, "PLAN_COUNT_LOG": str(log)}, log


def _calls(log: Path, name: str) -> tuple[list[int], list[int]]:
    """Process ids of the plan_job calls for the job `name`, and of the plan_model calls for its model."""
    entries = [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []
    jobs = [pid for kind, tag, pid in entries if kind == "plan_job" and tag == name]
    models = [pid for kind, tag, pid in entries if kind == "plan_model" and f'"out_features":{MARK}' in tag]
    return jobs, models


def test_creating_running_and_using_a_job_plans_it_once(tmp_path: Path) -> None:
    env, log = _counting_env(tmp_path)
    server = start_server(tmp_path / "data", env=env)
    try:
        with server.client() as client:
            created = client.post("/api/jobs", json=_job("planned-once"))
            assert created.status_code == 201, created.text
            job_id = created.json()["id"]
            events = server.stream(job_id)
            assert events[-1]["type"] == "done" and events[-1]["status"] == "completed", events[-1]
            assert client.post(f"/api/jobs/{job_id}/predict", json={"inputs": [[0.1, 0.2]]}).status_code == 200
            for fmt in ("python", "state_dict", "torchscript"):
                assert client.get(f"/api/jobs/{job_id}/export", params={"format": fmt}).status_code == 200, fmt
            assert client.get(f"/api/jobs/{job_id}/internals").status_code == 200
            assert client.get(f"/api/jobs/{job_id}").json()["total_params"] == 2 * MARK + MARK + MARK * 2 + 2
    finally:
        server.stop()
    jobs, models = _calls(log, "planned-once")
    # Once, in the server; its worker process trained the job without planning it again.
    assert jobs == [server.proc.pid] and models == [server.proc.pid], (jobs, models)


def test_torchplay_train_plans_once(tmp_path: Path) -> None:
    env, log = _counting_env(tmp_path)
    job = tmp_path / "job.json"
    job.write_text(json.dumps(_job("cli-once")))
    result = subprocess.run(
        [sys.executable, "-m", "torchplay", "train", str(job), "--data-dir", str(tmp_path / "data")],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    jobs, models = _calls(log, "cli-once")
    assert len(jobs) == 1 and len(models) == 1, (jobs, models)
