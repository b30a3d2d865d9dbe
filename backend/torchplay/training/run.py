"""Running a planned job to its end: the one entry point of every runner.

In-process (tests, `torchplay train`), in a local worker process or inside a Ray actor,
the same `run_job` takes a `PlannedJob` (never a raw request: nothing here plans), trains
it with the learner its task needs, saves the final weights, and emits `done`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch

from torchplay.planning import PlannedJob, plan_job
from torchplay.spec import JobCreate
from torchplay.spec.events import DoneEvent
from torchplay.spec.limits import Limits
from torchplay.training import device_tuning, inference
from torchplay.training.adversarial import AdversarialLearner
from torchplay.training.checkpoint import CheckpointError
from torchplay.training.control import Control
from torchplay.training.learner import LearnerBase
from torchplay.training.loop import Diverged, Emit, EpochLoop
from torchplay.training.supervised import SupervisedLearner


def run_job(
    plan: PlannedJob,
    emit: Emit,
    control: Control | None = None,
    *,
    data_dir: Path = Path("torchplay-data"),
    device: str | None = None,
    resume_from: dict[str, Any] | None = None,
    checkpoint_dir: Path | None = None,
) -> str:
    """Train a planned job to the end; emit its events; return the final status.

    `device`: where to train (default: the plan's placement on this machine). Never raises
    for a training failure: it becomes a `done` event with `status: "failed"` and a
    readable `error`, as the stream contract says."""
    where = device or plan.placement()
    try:
        torch_device = torch.device(where)
        learner: LearnerBase
        if plan.task == "gan":
            learner = AdversarialLearner(plan, torch_device, data_dir)
        else:
            learner = SupervisedLearner(plan, torch_device, data_dir)
        device_tuning.tune_for(torch_device, learner.run_state.models.values())
        loop = EpochLoop(plan, learner, emit, control or Control(), torch_device, checkpoint_dir, resume_from)
        status = loop.run()
        if checkpoint_dir is not None:  # the final model, for predict and export (before `done`)
            inference.save_final(checkpoint_dir, learner.run_state.models)
        emit(DoneEvent(status=status, error=None))
        return status
    except (Diverged, CheckpointError) as exc:
        error = str(exc)
    except torch.cuda.OutOfMemoryError:
        torch.cuda.empty_cache()
        error = f"out of memory on {where}"
    except Exception as exc:  # a job's failure must never take its runner down
        error = f"{type(exc).__name__}: {exc}"
    emit(DoneEvent(status="failed", error=error))
    return "failed"


def warm_up() -> None:
    """Train a throwaway tiny job so torch's lazy set-up (meta kernels, autograd, optimizer
    paths) is paid by an idle warm worker, not by the first epoch a person waits for."""
    request = JobCreate.model_validate(
        {
            "name": "warm-up",
            "dataset": {"name": "circle", "params": {"samples": 16}, "test_fraction": 0.25},
            "model": {
                "layers": [
                    {"type": "Linear", "out_features": 4},
                    {"type": "ReLU"},
                    {"type": "Linear", "out_features": 2},
                ]
            },
            "epochs": 2,
            "batch_size": 8,
        }
    )
    run_job(plan_job(request, Limits()), lambda _event: None)
