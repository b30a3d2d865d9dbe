"""Training: the epoch loop, its learners, and the events it emits (no HTTP, no processes here)."""

from torchplay.training.control import Control
from torchplay.training.run import run_job, warm_up

__all__ = ["Control", "run_job", "warm_up"]
