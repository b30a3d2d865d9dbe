"""Every loop emits the stream's typed events: each one a viewer gets validates against
`spec.events.Event`, supervised and adversarial runs alike."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pydantic import TypeAdapter

from tests.conftest import spiral_job
from tests.inprocess import train
from torchplay.spec.events import EpochEvent, Event, StatusEvent
from torchplay.spec.snapshots import SNAPSHOT_KINDS
from torchplay.training import snapshots

EVENT: TypeAdapter[Any] = TypeAdapter(Event)
GAN = {
    "dataset": {"name": "ring", "params": {"samples": 64}},
    "model": {
        "generator": {"layers": [{"type": "Linear", "out_features": 8}, {"type": "ReLU"}, {"type": "Linear", "out_features": 2}]},
        "discriminator": {"layers": [{"type": "Linear", "out_features": 8}, {"type": "ReLU"}, {"type": "Linear", "out_features": 1}]},
        "latent_dim": 4,
    },
    "epochs": 3,
    "amp": "bf16",
}  # fmt: skip


@pytest.mark.parametrize("request_", [spiral_job(epochs=3), GAN], ids=["supervised", "gan"])
def test_every_event_is_one_of_the_streams_kinds(request_: dict[str, Any], tmp_path: Path) -> None:
    events = train(request_, tmp_path)
    kinds = [type(EVENT.validate_json(json.dumps(event))).__name__ for event in events]
    assert kinds[0] == "StatusEvent" and kinds[-1] == "DoneEvent" and "EpochEvent" in kinds
    assert any(kind.endswith("Snapshot") for kind in kinds)
    for event in events:  # what a viewer gets back is what was sent
        assert json.loads(EVENT.validate_json(json.dumps(event)).to_json()) == event


def test_the_gan_loop_reports_what_the_supervised_one_does(tmp_path: Path) -> None:
    events = train(GAN, tmp_path)
    status = events[0]
    assert status["amp"] is None and "CUDA only" in status["note"]  # asked for, said why it is off
    epoch = next(e for e in events if e["type"] == "epoch")
    assert set(EpochEvent.model_fields) - {"seq", "job_id"} <= set(epoch)
    nets = {(norms["net"], norms["layer"]) for norms in epoch["layer_norms"]}
    assert nets == {("generator", 0), ("generator", 2), ("discriminator", 0), ("discriminator", 2)}


def test_optional_fields_stay_off_the_wire_and_nan_is_null() -> None:
    assert json.loads(StatusEvent(status="running", device="cpu").to_json()) == {
        "type": "status",
        "status": "running",
        "device": "cpu",
    }
    nan = EpochEvent(
        epoch=1,
        epochs=1,
        train_loss=1.0,
        val_loss=float("nan"),
        metrics={},
        lr=0.1,
        elapsed_s=0,
        time=0,
        layer_norms=[],
    )
    assert json.loads(nan.numbered(7, "ab").to_json())["val_loss"] is None


def test_every_snapshot_kind_has_a_maker() -> None:
    assert set(SNAPSHOT_KINDS) == set(snapshots._MAKERS)
