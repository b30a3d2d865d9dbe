"""The probe: exact dead and saturated fractions on layers set up by hand, and no side effects."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from torchplay.training.probe import PROBE_ROWS, Probe, pick_rows


def test_probe_rows_are_evenly_spaced_and_bounded() -> None:
    assert pick_rows(torch.zeros(1000, 2)).tolist() == torch.linspace(0, 999, PROBE_ROWS).round().long().tolist()
    assert len(pick_rows(torch.zeros(5, 2))) == 5
    assert len(pick_rows(torch.zeros(1000, 3, 224, 224))) < PROBE_ROWS  # big inputs: fewer rows


def test_dead_fraction_counts_neurons_zero_for_every_row() -> None:
    linear = nn.Linear(1, 4)
    with torch.no_grad():
        linear.weight.copy_(torch.tensor([[1.0], [1.0], [0.0], [0.0]]))
        linear.bias.copy_(torch.tensor([0.0, -100.0, -1.0, 1.0]))  # neurons 1 and 2 never fire
    model = nn.Sequential(linear, nn.ReLU())
    reading = Probe(model, torch.linspace(-1, 1, 50).reshape(-1, 1)).look()
    assert reading.layers[1].dead == 0.5 and reading.layers[1].saturated is None
    assert reading.layers[0].dead is None  # only ReLU-like layers have dead neurons


def test_a_feature_map_channel_is_dead_only_if_zero_everywhere() -> None:
    images = torch.zeros(4, 1, 6, 6)
    images[:, :, 2:4, 2:4] = 1.0  # a dark border: the conv's edge pixels see only zeros
    conv = nn.Conv2d(1, 2, 1)
    with torch.no_grad():
        conv.weight.fill_(1.0)
        conv.bias.copy_(torch.tensor([-0.5, -2.0]))  # channel 0 fires in the centre, channel 1 never
    reading = Probe(nn.Sequential(conv, nn.ReLU()), images).look()
    assert reading.layers[1].dead == 0.5


def test_saturated_fraction_counts_the_flat_tails() -> None:
    x = torch.tensor([[-10.0], [-0.1], [0.0], [0.1], [10.0]])
    assert Probe(nn.Sequential(nn.Identity(), nn.Tanh()), x).look().layers[1].saturated == pytest.approx(0.4)
    assert Probe(nn.Sequential(nn.Identity(), nn.Sigmoid()), x).look().layers[1].saturated == pytest.approx(0.4)


def test_looking_changes_nothing_in_the_model() -> None:
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 8), nn.BatchNorm1d(8), nn.Dropout(0.5), nn.ReLU(), nn.Linear(8, 2))
    model.train()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    probe = Probe(model, torch.randn(64, 3), torch.randint(0, 2, (64,)))
    probe.look(with_histograms=True)
    assert probe.loss(nn.CrossEntropyLoss()) is not None
    assert model.training  # back in training mode
    after = model.state_dict()
    assert all(torch.equal(before[k], after[k]) for k in before)  # batch-norm statistics untouched


def test_histograms_of_activations_weights_and_gradients() -> None:
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 8), nn.ReLU(), nn.Linear(8, 2))
    x = torch.randn(40, 3)
    probe = Probe(model, x)
    assert [h.grad for h in probe.look(with_histograms=True).histograms] == [None, None, None]  # no step yet
    model(x).sum().backward()
    reading = probe.look(with_histograms=True)
    by_layer = {h.layer: h for h in reading.histograms}
    assert sorted(by_layer) == [0, 1, 2]
    assert sum(by_layer[0].activation.counts) == 40 * 8
    assert sum(by_layer[0].weight.counts) == 3 * 8 + 8  # weights and biases
    assert sum(by_layer[2].grad.counts) == 8 * 2 + 2
    assert by_layer[1].weight is None and by_layer[1].activation.lo == 0.0  # ReLU: nothing below zero
    assert probe.look().histograms == []  # only when asked
