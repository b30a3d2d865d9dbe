"""One training step laid open: real torch, checked against a step done by hand."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from tests.conftest import spiral_job
from torchplay.models import build_model
from torchplay.planning import PlannedJob, plan_job
from torchplay.settings import Limits
from torchplay.spec import JobCreate
from torchplay.training.inference import save_final
from torchplay.training.one_step import MAX_ROWS, PICTURE, SAMPLES, OneStepUnavailable, one_step


def _plan(**overrides: object) -> PlannedJob:
    return plan_job(JobCreate.model_validate(spiral_job(**overrides)), Limits())


def test_sgd_update_is_w_minus_lr_grad_exactly(tmp_path: Path) -> None:
    plan = _plan(optimizer={"type": "SGD", "lr": 0.1})
    report = one_step(plan, tmp_path)
    assert report["steps"] == ["zero_grad", "forward", "loss", "backward", "step"]
    assert report["parameters"], "every Linear has a weight and a bias"
    for parameter in report["parameters"]:
        assert parameter["rule"] == "w − lr·grad"
        for sample in parameter["samples"]:
            w, g = torch.tensor(sample["before"]), torch.tensor(sample["grad"])
            # float32 w − lr·grad as torch writes it (one fused multiply-add), bit for bit
            assert torch.tensor(sample["after"]) == torch.add(w, g, alpha=-0.1)


def test_the_step_matches_a_hand_written_one(tmp_path: Path) -> None:
    plan = _plan(optimizer={"type": "SGD", "lr": 0.05})
    report = one_step(plan, tmp_path)
    torch.manual_seed(0)
    model = torch.nn.Sequential(
        torch.nn.Linear(2, 16), torch.nn.Tanh(), torch.nn.Linear(16, 16), torch.nn.Tanh(), torch.nn.Linear(16, 2)
    )
    first = report["parameters"][0]
    assert first["name"] == "0.weight"
    assert first["samples"][0]["before"] == pytest.approx(float(model[0].weight.detach().flatten()[0]), abs=0)


def test_shapes_per_layer(tmp_path: Path) -> None:
    report = one_step(_plan(), tmp_path)
    assert report["batch_rows"] == 32
    assert [layer["shape"] for layer in report["layers"]] == [[32, 16], [32, 16], [32, 16], [32, 16], [32, 2]]
    assert [p["shape"] for p in report["parameters"]] == [[16, 2], [16], [16, 16], [16], [2, 16], [2]]
    assert report["input"]["shape"] == [32, 2]
    assert report["loss"]["name"] == "CrossEntropyLoss" and report["loss"]["value"] > 0


def test_conv_layers_give_bounded_pictures(tmp_path: Path) -> None:
    plan = _plan(
        dataset={"name": "shapes", "params": {"samples": 200}, "test_fraction": 0.0},
        model={
            "layers": [
                {"type": "Conv2d", "out_channels": 4, "kernel_size": 3},
                {"type": "ReLU"},
                {"type": "Flatten"},
                {"type": "Linear", "out_features": 5},
            ]
        },
        batch_size=512,
    )
    report = one_step(plan, tmp_path)
    assert report["batch_rows"] == MAX_ROWS
    conv = report["layers"][0]
    assert conv["shape"][:2] == [MAX_ROWS, 4]
    for layer in report["layers"]:
        assert len(layer["picture"]) <= PICTURE and all(len(row) <= PICTURE for row in layer["picture"])
    assert all(len(p["samples"]) <= SAMPLES for p in report["parameters"])
    assert "rule" not in report["parameters"][0]  # Adam's update is not w − lr·grad
    assert len(json.dumps(report)) < 64_000


def test_trained_weights_are_the_starting_point(tmp_path: Path) -> None:
    plan = _plan()
    folder = tmp_path / "job"
    assert one_step(plan, tmp_path, folder)["trained"] is False  # no weights yet: the seeded start
    model = build_model(plan.spec("model"))
    with torch.no_grad():
        model[0].weight.fill_(0.5)
    save_final(folder, {"model": model})
    trained = one_step(plan, tmp_path, folder)
    fresh = one_step(plan, tmp_path)
    assert trained["trained"] is True and fresh["trained"] is False
    assert trained["parameters"][0]["samples"][0]["before"] == 0.5
    assert fresh["parameters"][0]["samples"][0]["before"] != 0.5


def test_a_gan_is_refused(tmp_path: Path) -> None:
    gan = _plan(
        dataset={"name": "ring"},
        model={
            "latent_dim": 2,
            "generator": {"layers": [{"type": "Linear", "out_features": 2}]},
            "discriminator": {"layers": [{"type": "Linear", "out_features": 1}]},
        },
    )
    with pytest.raises(OneStepUnavailable):
        one_step(gan, tmp_path)
