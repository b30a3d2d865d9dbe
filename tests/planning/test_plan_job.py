"""Planning in-process: what a job request is refused for (and where `loc` points), what a
planned job decides, and that a plan survives its JSON form. No server: a request is
parsed as FastAPI parses a body (`model_validate_json`), then planned."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import ValidationError

from tests.conftest import spiral_job
from torchplay.planning import PlannedJob, plan_job
from torchplay.planning.memory import RUNTIME_MB
from torchplay.spec import JobCreate, SpecError
from torchplay.spec.errors import clean_loc
from torchplay.spec.limits import Limits
from torchplay.spec.tags import UNION_TAGS

MLP = [{"type": "Linear", "out_features": 16}, {"type": "ReLU"}, {"type": "Linear", "out_features": 2}]


def _with_layers(layers: list[dict[str, Any]]) -> dict[str, Any]:
    return spiral_job(model={"layers": layers})


BAD: list[tuple[str, dict[str, Any], list[Any]]] = [
    ("unknown layer type", _with_layers([{"type": "Linearr", "out_features": 2}]), ["model", "layers", 0]),
    (
        "unknown layer field",
        _with_layers([{"type": "Linear", "out_features": 2, "units": 3}]),
        ["model", "layers", 0, "units"],
    ),
    ("missing required size", _with_layers([{"type": "Linear"}]), ["model", "layers", 0, "out_features"]),
    (
        "explicit in_features wrong",
        _with_layers([*MLP[:2], {"type": "Linear", "in_features": 8, "out_features": 2}]),
        ["model", "layers", 2, "in_features"],
    ),
    (
        "zero out_features",
        _with_layers([{"type": "Linear", "out_features": 0}]),
        ["model", "layers", 0, "out_features"],
    ),
    (
        "negative out_features",
        _with_layers([{"type": "Linear", "out_features": -4}]),
        ["model", "layers", 0, "out_features"],
    ),
    (
        "size as a string",
        _with_layers([{"type": "Linear", "out_features": "16"}]),
        ["model", "layers", 0, "out_features"],
    ),
    (
        "size as a float",
        _with_layers([{"type": "Linear", "out_features": 2.5}]),
        ["model", "layers", 0, "out_features"],
    ),
    ("empty layers", _with_layers([]), ["model", "layers"]),
    ("layers not a list", spiral_job(model={"layers": {"type": "ReLU"}}), ["model", "layers"]),
    ("no type", _with_layers([{"out_features": 2}]), ["model", "layers", 0]),
    ("dropout p above 1", _with_layers([*MLP[:2], {"type": "Dropout", "p": 1.5}, MLP[2]]), ["model", "layers", 2, "p"]),
    (
        "fewer class scores than classes",
        _with_layers([{"type": "Linear", "out_features": 1}]),
        ["model", "layers", 0, "out_features"],
    ),
    ("lr zero", spiral_job(optimizer={"type": "SGD", "lr": 0}), ["optimizer", "lr"]),
    ("lr negative", spiral_job(optimizer={"type": "Adam", "lr": -0.1}), ["optimizer", "lr"]),
    ("unknown optimizer", spiral_job(optimizer={"type": "Adamax", "lr": 0.1}), ["optimizer"]),
    (
        "unknown optimizer field",
        spiral_job(optimizer={"type": "SGD", "lr": 0.1, "nesterovv": True}),
        ["optimizer", "nesterovv"],
    ),
    ("epochs zero", spiral_job(epochs=0), ["epochs"]),
    ("epochs negative", spiral_job(epochs=-5), ["epochs"]),
    ("batch size zero", spiral_job(batch_size=0), ["batch_size"]),
    ("unknown loss", spiral_job(loss="HingeLoss"), ["loss"]),
    ("loss does not fit task", spiral_job(loss="MSELoss"), ["loss"]),
    ("unknown dataset", spiral_job(dataset={"name": "imagenet"}), ["dataset", "name"]),
    (
        "unknown dataset param",
        spiral_job(dataset={"name": "spiral", "params": {"colour": 3}}),
        ["dataset", "params", "colour"],
    ),
    ("negative noise", spiral_job(dataset={"name": "spiral", "params": {"noise": -1}}), ["dataset", "params", "noise"]),
    (
        "test fraction too big",
        spiral_job(dataset={"name": "spiral", "test_fraction": 0.95}),
        ["dataset", "test_fraction"],
    ),
    ("unknown top-level field", {**spiral_job(), "epochz": 3}, ["epochz"]),
    ("missing model", {k: v for k, v in spiral_job().items() if k != "model"}, ["model"]),
    ("device not here", spiral_job(device="cuda:7"), ["device"]),
    ("sequence layer fed a flat tensor", _with_layers([{"type": "LSTM", "hidden_size": 4}]), ["model", "layers", 0]),
    ("conv fed a flat tensor", _with_layers([{"type": "Conv2d", "out_channels": 4}]), ["model", "layers", 0]),
]


def refusal(body: dict[str, Any], limits: Limits | None = None) -> list[list[Any]]:
    """The `loc` of every problem with a request, as the API reports them ([] if it plans)."""
    try:
        request = JobCreate.model_validate_json(json.dumps(body))
    except ValidationError as exc:
        return [clean_loc(error["loc"], UNION_TAGS) for error in exc.errors()]
    try:
        plan_job(request, limits or Limits())
    except SpecError as exc:
        return [error["loc"] for error in exc.errors]
    return []


@pytest.mark.parametrize(("why", "body", "loc"), BAD, ids=[case[0] for case in BAD])
def test_a_bad_request_is_refused_at_the_field(why: str, body: dict[str, Any], loc: list[Any]) -> None:
    assert loc in refusal(body), why


# Linear(2 → 1 000 000), reshaped to a 1000×1000 image, convolved to 2 channels and flattened:
# the next Linear's in_features would be 1 992 008, over the largest size a person may type.
INFERRED_TOO_BIG: list[dict[str, Any]] = [
    {"type": "Linear", "out_features": 1_000_000},
    {"type": "Unflatten", "dim": 1, "unflattened_size": [1, 1000, 1000]},
    {"type": "Conv2d", "out_channels": 2, "kernel_size": 3},
    {"type": "Flatten"},
    {"type": "Linear", "out_features": 2},
]


def test_an_inferred_size_is_checked_like_a_typed_one() -> None:
    with pytest.raises(SpecError) as refused:
        plan_job(JobCreate.model_validate(spiral_job(model={"layers": INFERRED_TOO_BIG})), Limits())
    (error,) = refused.value.errors
    assert error["loc"] == ["model", "layers", 4, "in_features"]
    assert "1992008" in error["msg"] and "1000000" in error["msg"]
    typed = [*INFERRED_TOO_BIG[:4], {"type": "Linear", "in_features": 1_992_008, "out_features": 2}]
    assert ["model", "layers", 4, "in_features"] in refusal(spiral_job(model={"layers": typed}))


def test_limits_are_the_settings_not_the_spec() -> None:
    tight = Limits(max_layers=2, max_params=50, max_epochs=10, max_samples=100)
    assert refusal(spiral_job(), tight)[0] == ["epochs"]
    assert refusal(spiral_job(epochs=5), tight)[0] == ["dataset", "params", "samples"]
    small = spiral_job(epochs=5, dataset={"name": "spiral", "params": {"samples": 100}})
    assert refusal(small, tight)[0] == ["model", "layers"]  # five layers, two allowed
    gan = {
        "dataset": {"name": "ring", "params": {"samples": 100}},
        "model": {"generator": {"layers": MLP}, "discriminator": {"layers": MLP[:2]}},
        "epochs": 5,
    }
    assert refusal(gan, tight)[0] == ["model", "generator", "layers"]  # a GAN's nets count too


def test_a_plan_holds_every_decision() -> None:
    plan = plan_job(JobCreate.model_validate(spiral_job(dataset={"name": "spiral"}, checkpoint_every=None)), Limits())
    job = plan.request
    assert (job.task, job.loss, job.checkpoint_every, job.dataset.seed) == ("classification", "CrossEntropyLoss", 10, 0)
    assert job.model.layers[0].in_features == 2  # type: ignore[union-attr]
    assert plan.input_shape == [2] and plan.output_shape == [2] and plan.classes == ["0", "1"]
    assert plan.snapshot_kind == "decision_boundary" and plan.device_kind == "cpu" and plan.placement() == "cpu"
    assert plan.models["model"].total_params == plan.total_params == 2 * 16 + 16 + 16 * 16 + 16 + 16 * 2 + 2
    assert [layer.output_shape for layer in plan.models["model"].layers] == [[16], [16], [16], [16], [2]]
    assert plan.warnings == []
    # 354 parameters and 400 points: the torch runtime is all that shows.
    assert plan.memory_mb is not None and RUNTIME_MB <= plan.memory_mb < RUNTIME_MB + 1
    # The server's default checkpoint interval fills what the job leaves open.
    assert plan_job(JobCreate.model_validate(spiral_job()), Limits(), checkpoint_every=3).checkpoint_every == 3


def test_a_gan_plan_has_the_datas_shape_and_no_output() -> None:
    gan = {
        "dataset": {"name": "ring"},
        "model": {
            "generator": {"layers": [{"type": "Linear", "out_features": 8}, {"type": "Linear", "out_features": 2}]},
            "discriminator": {"layers": [{"type": "Linear", "out_features": 1}]},
            "latent_dim": 3,
        },
    }
    plan = plan_job(JobCreate.model_validate(gan), Limits())
    assert plan.task == "gan" and plan.loss == "BCEWithLogitsLoss" and plan.snapshot_kind == "samples"
    assert plan.input_shape == [2] and plan.output_shape is None
    assert plan.models["generator"].input_shape == [3] and plan.models["discriminator"].output_shape == [1]
    assert plan.total_params == (3 * 8 + 8 + 8 * 2 + 2) + (2 + 1)


def test_a_plan_survives_its_json() -> None:
    plan = plan_job(JobCreate.model_validate(spiral_job()), Limits())
    again = PlannedJob.model_validate_json(plan.model_dump_json())
    assert again == plan
    with pytest.raises(ValidationError):  # a request that was never planned is no plan
        PlannedJob.model_validate({**plan.model_dump(), "request": spiral_job()})


def test_auto_asks_for_the_best_device_the_runner_offers() -> None:
    request = JobCreate.model_validate(spiral_job(device="auto"))
    assert plan_job(request, Limits(), devices=["cpu", "cuda", "cuda:0"]).device_kind == "cuda"
    assert plan_job(request, Limits(), devices=["cpu"]).device_kind == "cpu"
    pinned = plan_job(JobCreate.model_validate(spiral_job(device="cuda:1")), Limits(), devices=["cpu", "cuda:1"])
    assert (
        pinned.device_kind == "cuda" and pinned.placement() == "cuda:1" and pinned.placement(pinned=False) == "cuda:0"
    )
