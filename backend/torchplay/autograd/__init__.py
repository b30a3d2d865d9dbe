"""The autograd explorer: a few lines of tensor arithmetic, run on real torch, with the
graph `backward()` walks laid open node by node (`POST /api/autograd`)."""

from torchplay.autograd.evaluate import Exploration, Leaf, explore
from torchplay.autograd.examples import EXAMPLES
from torchplay.autograd.limits import LIMITS, ExplorerLimits

__all__ = ["EXAMPLES", "LIMITS", "Exploration", "ExplorerLimits", "Leaf", "explore"]
