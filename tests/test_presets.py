"""Every preset is a valid job request, with a note in both languages."""

from __future__ import annotations

import pytest

from torchplay.planning import plan_job
from torchplay.presets import PRESETS, catalogue
from torchplay.spec import JobCreate
from torchplay.spec.limits import Limits


@pytest.mark.parametrize("preset_id", list(PRESETS))
def test_preset_plans_under_the_default_limits(preset_id: str) -> None:
    preset = PRESETS[preset_id]
    plan = plan_job(JobCreate.model_validate(preset.request), Limits())
    assert plan.request.task == preset.request["task"]
    assert preset.note["en"].strip() and preset.note["zh"].strip()
    assert preset.title["en"] and preset.title["zh"]


def test_the_tutorials_examples_are_there() -> None:
    layers = {p.id: [layer["type"] for layer in p.request["model"].get("layers", [])] for p in PRESETS.values()}
    assert layers["mnist-cnn"] == [
        "Conv2d", "ReLU", "MaxPool2d", "Conv2d", "ReLU", "MaxPool2d", "Flatten", "Linear", "ReLU", "Linear",
    ]  # fmt: skip
    step = PRESETS["step-1-2-1"].request
    assert step["batch_size"] == 1 and step["loss"] == "BCELoss"
    first = PRESETS["regression-2-2-1"].request
    assert (first["optimizer"], first["batch_size"], first["epochs"]) == ({"type": "SGD", "lr": 0.01}, None, 100)
    assert len(catalogue()) == len(PRESETS) >= 11
