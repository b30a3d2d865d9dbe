"""The doctor inside real jobs: findings and histogram sets as events, and the job's policy
(pause at a finding, fail or rewind on divergence), with networks built to be sick."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import torch

from tests.conftest import spiral_job
from tests.inprocess import planned, train
from torchplay.spec.events import FindingEvent, HistogramsEvent
from torchplay.training import Control
from torchplay.training.loop import EpochLoop
from torchplay.training.supervised import SupervisedLearner

RELU = {"layers": [{"type": "Linear", "out_features": 16}, {"type": "ReLU"}, {"type": "Linear", "out_features": 16},
                   {"type": "ReLU"}, {"type": "Linear", "out_features": 2}]}  # fmt: skip
SIGMOID_CHAIN = {
    "layers": [part for _ in range(10) for part in ({"type": "Linear", "out_features": 16}, {"type": "Sigmoid"})]
    + [{"type": "Linear", "out_features": 2}]
}


def _overflowing(**overrides: Any) -> dict[str, Any]:
    """A regression at lr 1e6: NaN within the first epoch."""
    model = {
        "layers": [{"type": "Linear", "out_features": 16}, {"type": "ReLU"}, {"type": "Linear", "out_features": 1}]
    }
    job = spiral_job(dataset={"name": "sine", "params": {"samples": 200}}, model=model, epochs=6)
    return job | {"optimizer": {"type": "SGD", "lr": 1e6}} | overrides


def _findings(events: list[dict[str, Any]]) -> list[tuple[str, int | None]]:
    return [(e["kind"], e["layer"]) for e in events if e["type"] == "finding"]


def test_a_healthy_spiral_mlp_gets_no_finding(tmp_path: Path) -> None:
    events = train(spiral_job(optimizer={"type": "Adam", "lr": 0.05}, epochs=30), tmp_path)
    assert events[-1]["status"] == "completed"
    assert [e for e in events if e["type"] == "epoch"][-1]["metrics"]["accuracy"] >= 0.9  # it did learn
    assert _findings(events) == []  # and the doctor did not cry wolf
    sets = [e for e in events if e["type"] == "histograms"]
    assert sets[0]["epoch"] == 1 and sets[-1]["epoch"] == 30  # the first and last epochs always get one
    first = HistogramsEvent.model_validate(sets[0])
    assert [layer.layer for layer in first.layers] == [0, 1, 2, 3, 4]
    assert first.layers[0].weight is not None and first.layers[1].weight is None  # a Tanh has no weights
    assert sum(first.layers[0].activation.counts) == 128 * 16  # the probe rows × the layer's 16 outputs
    assert len(first.layers[0].activation.counts) == 32


def test_dead_relus_are_found_beside_their_layer(tmp_path: Path) -> None:
    # Epochs of a few hundred steps: long enough that the budget lets the doctor look at each one.
    data = {"name": "spiral", "params": {"samples": 4000}, "test_fraction": 0.2}
    plan = planned(spiral_job(model=RELU, epochs=6, batch_size=8, dataset=data), tmp_path)
    learner = SupervisedLearner(plan, torch.device("cpu"), tmp_path)
    with torch.no_grad():
        learner.model[0].bias.fill_(-5.0)  # every first-layer neuron starts (and stays) below zero
    events: list[dict[str, Any]] = []
    EpochLoop(plan, learner, lambda e: events.append(json.loads(e.to_json())), Control(), torch.device("cpu")).run()
    assert ("dead_relu", 1) in _findings(events)
    dead = next(e for e in events if e["type"] == "finding" and e["kind"] == "dead_relu")
    finding = FindingEvent.model_validate(dead)
    assert finding.epoch <= 3 and finding.evidence["dead_fraction"] == 1.0
    assert (
        "100 %" in finding.explanation.en and "100%" in finding.explanation.zh and "LeakyReLU" in finding.suggestion.en
    )


def test_a_deep_sigmoid_chain_has_a_vanishing_gradient(tmp_path: Path) -> None:
    events = train(spiral_job(model=SIGMOID_CHAIN, optimizer={"type": "SGD", "lr": 0.1}, epochs=5), tmp_path)
    finding = next(e for e in events if e["type"] == "finding")
    assert (finding["kind"], finding["layer"]) == ("vanishing_gradient", 0) and finding["epoch"] <= 3


def test_lr_10_is_a_diverging_finding_and_by_default_the_job_trains_on(tmp_path: Path) -> None:
    events = train(spiral_job(optimizer={"type": "Adam", "lr": 10.0}, epochs=4), tmp_path)
    diverging = next(e for e in events if e["type"] == "finding" and e["kind"] == "diverging")
    assert diverging["epoch"] == 1 and diverging["evidence"]["times"] > 3
    assert events[-1] == {"type": "done", "status": "completed", "error": None}  # a finite blow-up does not fail it


def test_a_non_finite_loss_still_fails_the_job_and_says_why(tmp_path: Path) -> None:
    events = train(_overflowing(), tmp_path)
    assert events[-1]["status"] == "failed" and events[-1]["error"].startswith("diverged:")
    finding = next(e for e in events if e["type"] == "finding")
    assert finding["kind"] == "diverging" and finding["evidence"]["nonfinite"] is True
    assert "NaN" in finding["explanation"]["en"] or "∞" in finding["explanation"]["en"]


def test_with_the_rewind_policy_lr_10_completes_at_a_lower_lr(tmp_path: Path) -> None:
    job = spiral_job(optimizer={"type": "Adam", "lr": 10.0}, epochs=30, doctor={"on_divergence": "rewind"})
    events = train(job, tmp_path)
    assert events[-1] == {"type": "done", "status": "completed", "error": None}
    rewinds = [e for e in events if e["type"] == "status" and "rewound_to" in e]
    assert rewinds and rewinds[0]["rewound_to"] == 0 and "lr 10 → 1" in rewinds[0]["note"]
    assert "回到初始权重" in rewinds[0]["note_zh"] and "学习率 10 → 1" in rewinds[0]["note_zh"]
    changes = [e["values"]["lr"] for e in events if e["type"] == "changed"]
    epochs = [e for e in events if e["type"] == "epoch"]
    assert changes and epochs[-1]["lr"] == changes[-1] <= 1.0  # it finished at the lowered rate
    assert epochs[-1]["metrics"]["accuracy"] >= 0.9  # and learned there


def test_rewinds_are_bounded_then_a_non_finite_loss_fails(tmp_path: Path) -> None:
    job = _overflowing(optimizer={"type": "SGD", "lr": 1e9}, doctor={"on_divergence": "rewind", "max_rewinds": 1})
    events = train(job, tmp_path)
    assert sum(1 for e in events if e["type"] == "status" and "rewound_to" in e) == 1
    assert events[-1]["status"] == "failed"


def test_the_pause_policy_pauses_at_a_finding_until_resumed(tmp_path: Path) -> None:
    control = Control()
    paused = threading.Event()

    def on_event(event: dict[str, Any]) -> None:
        if event["type"] == "status" and event["status"] == "paused":
            paused.set()

    job = spiral_job(
        model=SIGMOID_CHAIN, optimizer={"type": "SGD", "lr": 0.1}, epochs=6, doctor={"on_finding": "pause"}
    )
    runner = threading.Thread(target=lambda: result.extend(train(job, tmp_path, control, on_event=on_event)))
    result: list[dict[str, Any]] = []
    runner.start()
    assert paused.wait(120)
    control.send({"op": "resume"})
    runner.join(120)
    pause = next(e for e in result if e["type"] == "status" and e["status"] == "paused")
    assert "vanishing_gradient (layer 0)" in pause["note"]
    assert pause["note_zh"].startswith("训练医生暂停了训练：") and "vanishing_gradient（第 0 层）" in pause["note_zh"]
    finding = next(i for i, e in enumerate(result) if e["type"] == "finding")
    assert finding < result.index(pause) and result[-1]["status"] == "completed"
