"""Union tags pydantic puts into error locations; stripped so `loc` mirrors the request."""

from torchplay.spec.job import OPTIMIZERS, SCHEDULERS
from torchplay.spec.layers import LAYERS

UNION_TAGS: frozenset[str] = frozenset({*LAYERS, *OPTIMIZERS, *SCHEDULERS, "sequential", "gan"})
