"""Error locations mirror the request: union tags and FastAPI's "body" are removed."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from torchplay.spec import JobCreate
from torchplay.spec.errors import clean_loc
from torchplay.spec.tags import UNION_TAGS


def test_clean_loc_drops_tags_and_body() -> None:
    raw = ("body", "model", "sequential", "layers", 3, "Linear", "in_features")
    assert clean_loc(raw, UNION_TAGS) == ["model", "layers", 3, "in_features"]


def test_pydantic_errors_become_request_paths() -> None:
    with pytest.raises(ValidationError) as caught:
        JobCreate.model_validate(
            {
                "dataset": {"name": "spiral"},
                "model": {"layers": [{"type": "Linear", "out_features": 0}]},
                "optimizer": {"type": "SGD", "lr": -1},
            }
        )
    locs = sorted(tuple(map(str, clean_loc(e["loc"], UNION_TAGS))) for e in caught.value.errors())
    assert locs == [("model", "layers", "0", "out_features"), ("optimizer", "lr")]


def test_gan_specs_are_told_apart_by_their_generator_key() -> None:
    with pytest.raises(ValidationError) as caught:
        JobCreate.model_validate(
            {
                "dataset": {"name": "ring"},
                "model": {"generator": {"layers": []}, "discriminator": {"layers": [{"type": "ReLU"}]}},
            }
        )
    locs = [clean_loc(e["loc"], UNION_TAGS) for e in caught.value.errors()]
    assert locs == [["model", "generator", "layers"]]
