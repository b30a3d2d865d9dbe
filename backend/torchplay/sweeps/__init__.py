"""Sweeps: a grid (or a random draw) of job requests, trained as member jobs and compared."""

from torchplay.sweeps.members import Member, expand_members, set_path
from torchplay.sweeps.planning import plan_members
from torchplay.sweeps.stopping import rung_verdict

__all__ = ["Member", "expand_members", "plan_members", "rung_verdict", "set_path"]
