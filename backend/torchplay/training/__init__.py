"""Training: job plans, the loop, and the events it emits (no HTTP, no processes here)."""

from torchplay.training.control import Control
from torchplay.training.devices import available_devices, resolve_device
from torchplay.training.plan import JobPlan, plan_dataset, plan_job
from torchplay.training.trainer import run_job, warm_up

__all__ = [
    "Control",
    "JobPlan",
    "available_devices",
    "plan_dataset",
    "plan_job",
    "resolve_device",
    "run_job",
    "warm_up",
]
