"""The doctor on networks built to be sick (each found within a few epochs) and healthy ones (no finding)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
import torch
from torch import nn

from tests.training.sick import mlp, watch
from torchplay.training.doctor import STALL_WINDOW, Doctor, Vitals, constant_guess_loss
from torchplay.training.objectives import Objective
from torchplay.training.probe import LayerReading, Reading

pytestmark = pytest.mark.usefixtures("one_thread")


def test_relu_net_with_a_large_negative_bias_has_dead_relus(tmp_path: Path) -> None:
    torch.manual_seed(0)
    model = mlp([32, 32, 2], nn.ReLU)
    with torch.no_grad():
        model[0].bias.fill_(-5.0)  # every first-layer neuron starts (and stays) below zero
    watched = watch(model, lambda p: torch.optim.Adam(p, lr=0.01), 4, tmp_path)
    dead = watched.first("dead_relu")
    assert dead.layer == 1 and dead.epoch <= 2
    assert dead.evidence["dead_fraction"] == 1.0
    # Behind a dead layer no gradient flows: that is the dead layer's finding, not a vanishing gradient.
    assert "vanishing_gradient" not in [kind for kind, _ in watched.kinds()]


def test_deep_sigmoid_chain_has_a_vanishing_gradient(tmp_path: Path) -> None:
    torch.manual_seed(0)
    model = mlp([16] * 10 + [2], nn.Sigmoid)  # ten sigmoids: each passes at most 1/4 of the gradient
    watched = watch(model, lambda p: torch.optim.SGD(p, lr=0.1), 4, tmp_path)
    vanishing = watched.first("vanishing_gradient")
    assert vanishing.layer == 0 and vanishing.epoch <= 2
    assert vanishing.evidence["reference"] == 20  # measured against the output layer


def test_learning_rate_10_on_the_spiral_diverges(tmp_path: Path) -> None:
    torch.manual_seed(0)
    watched = watch(mlp([16, 16, 2]), lambda p: torch.optim.SGD(p, lr=10.0), 3, tmp_path)
    diverging = watched.first("diverging")
    assert diverging.epoch == 1 and diverging.layer is None
    assert diverging.evidence["times"] > 3  # the loss is several times where it started


def test_growing_linear_chain_has_an_exploding_gradient(tmp_path: Path) -> None:
    torch.manual_seed(0)
    model = mlp([16] * 8 + [2], nn.Identity)
    with torch.no_grad():
        for layer in model:
            if isinstance(layer, nn.Linear):
                layer.weight.mul_(4)  # each layer multiplies its input's size by about 2
    watched = watch(model, lambda p: torch.optim.SGD(p, lr=1e-6), 3, tmp_path)
    exploding = watched.first("exploding_gradient")
    assert exploding.epoch <= 2 and exploding.evidence["ratio"] > 10


def test_tanh_net_with_huge_weights_saturates(tmp_path: Path) -> None:
    torch.manual_seed(0)
    model = mlp([16, 16, 2])
    with torch.no_grad():
        for layer in model:
            if isinstance(layer, nn.Linear):
                layer.weight.mul_(20)
    watched = watch(model, lambda p: torch.optim.Adam(p, lr=0.001), 3, tmp_path)
    saturated = {f.layer: f for f in watched.findings if f.kind == "saturation"}
    assert set(saturated) == {1, 3} and all(f.epoch <= 2 for f in saturated.values())
    assert saturated[3].evidence["saturated_fraction"] > 0.5
    assert saturated[3].evidence["activation"] == "Tanh"


def test_a_learning_rate_too_small_to_move_the_loss_stalls(tmp_path: Path) -> None:
    torch.manual_seed(0)
    watched = watch(mlp([16, 16, 2]), lambda p: torch.optim.SGD(p, lr=1e-5), STALL_WINDOW + 2, tmp_path)
    assert watched.kinds() == [("stalled", None)]
    assert watched.findings[0].epoch == STALL_WINDOW + 1  # as soon as the window has a "before"


def test_big_model_on_little_data_overfits(tmp_path: Path) -> None:
    torch.manual_seed(0)
    model = mlp([256, 256, 2], nn.ReLU)
    watched = watch(
        model, lambda p: torch.optim.Adam(p, lr=0.01), 40, tmp_path, samples=60, test_fraction=0.5, batch_size=8
    )
    overfitting = watched.first("overfitting")
    assert overfitting.layer is None and overfitting.epoch <= 35
    assert overfitting.evidence["val_loss"] > overfitting.evidence["best_val"] > overfitting.evidence["loss"]


@pytest.mark.parametrize(
    ("widths", "activation", "seed", "epochs"),
    [([16, 16, 2], nn.Tanh, seed, 150) for seed in (0, 1, 2, 4)]
    + [([32, 32, 2], nn.ReLU, seed, 50) for seed in (0, 5)],
)
def test_healthy_spiral_mlp_gets_no_finding(
    tmp_path: Path, widths: list[int], activation: type[nn.Module], seed: int, epochs: int
) -> None:
    # The spiral preset's network (tanh) and a wider ReLU one, Adam at 0.01. The tanh net plateaus
    # near the constant guess for up to ~30 epochs before it learns; the ReLU net keeps 30-55 % of
    # its second layer dead and learns perfectly (and is stopped before its validation loss starts
    # to climb, ~60 epochs on, which is overfitting). Neither is a finding: no crying wolf.
    torch.manual_seed(seed)
    watched = watch(mlp(widths, activation), lambda p: torch.optim.Adam(p, lr=0.01), epochs, tmp_path, seed=seed)
    assert watched.accuracy >= 0.95, "a healthy run learns the spiral"
    assert watched.findings == []


# --- the rules, fed by hand -----------------------------------------------------------------------


def _vitals(epoch: int, loss: float, val: float | None = None, dead: float | None = None) -> Vitals:
    norms = [{"layer": 0, "weight": 1.0, "grad": 0.1}, {"layer": 2, "weight": 1.0, "grad": 0.1}]
    reading = Reading([LayerReading(0, "Linear"), LayerReading(1, "ReLU", dead=dead), LayerReading(2, "Linear")])
    return Vitals(epoch, loss, val, norms, reading)


def test_one_bad_epoch_is_not_a_finding_and_each_is_reported_once() -> None:
    doctor = Doctor(guess_loss=0.69, initial_loss=0.7)
    assert doctor.examine(_vitals(1, 0.68, dead=0.9)) == []  # one epoch: could be noise
    assert doctor.examine(_vitals(2, 0.68, dead=0.1)) == []  # and it was
    assert doctor.examine(_vitals(3, 0.68, dead=0.9)) == []
    [dead] = doctor.examine(_vitals(4, 0.68, dead=0.9))  # two in a row: a finding
    assert (dead.kind, dead.layer, dead.epoch) == ("dead_relu", 1, 4)
    assert doctor.examine(_vitals(5, 0.68, dead=0.9)) == []  # said once


def test_a_layer_condition_is_no_finding_once_the_network_has_learned() -> None:
    doctor = Doctor(guess_loss=0.69, initial_loss=0.7)
    for epoch in range(1, 6):
        assert doctor.examine(_vitals(epoch, 0.05, dead=0.65)) == []  # a sparse net that works


def test_a_non_finite_loss_is_divergence_at_once_and_again_after_a_restart() -> None:
    doctor = Doctor(guess_loss=0.69, initial_loss=0.7)
    doctor.examine(_vitals(1, 0.6))
    [nan] = doctor.examine(_vitals(2, math.nan))
    assert (nan.kind, nan.layer) == ("diverging", None)
    assert nan.evidence == {"loss": "nan", "nonfinite": True}
    event = nan.to_event()
    json.dumps(event, allow_nan=False)  # the wire has no NaN
    assert "NaN" in event["explanation"]["en"] and "NaN" in event["explanation"]["zh"]
    assert doctor.examine(_vitals(3, math.inf)) == []  # already said
    doctor.restart()  # rewound to a good state: a new divergence is news
    [again] = doctor.examine(_vitals(4, 30.0))
    assert again.kind == "diverging" and again.evidence["times"] == round(30.0 / 0.7, 1)


def test_validation_noise_at_a_small_loss_is_not_overfitting() -> None:
    doctor = Doctor(guess_loss=0.69, initial_loss=0.7)
    for epoch, (loss, val) in enumerate([(0.03, 0.02), (0.02, 0.05), (0.02, 0.06), (0.015, 0.055), (0.01, 0.06)], 1):
        assert doctor.examine(_vitals(epoch, loss, val)) == []  # val 3× its best, but the gap is tiny


@pytest.mark.parametrize(
    ("loss", "targets", "expected"),
    [
        ("CrossEntropyLoss", torch.tensor([0, 1, 0, 1]), math.log(2)),
        ("CrossEntropyLoss", torch.tensor([0, 0, 0, 1]), -(0.75 * math.log(0.75) + 0.25 * math.log(0.25))),
        ("MSELoss", torch.tensor([[1.0], [3.0]]), 1.0),  # the mean 2 misses each by 1
        ("L1Loss", torch.tensor([[0.0], [1.0], [10.0]]), 10 / 3),  # the median 1 misses by 1, 0, 9
        ("BCEWithLogitsLoss", torch.tensor([[1.0], [0.0]]), math.log(2)),
    ],
)
def test_constant_guess_loss(loss: str, targets: torch.Tensor, expected: float) -> None:
    task = "classification" if loss == "CrossEntropyLoss" else "binary" if loss.startswith("BCE") else "regression"
    assert constant_guess_loss(Objective(task, loss), targets) == pytest.approx(expected, rel=1e-5)
