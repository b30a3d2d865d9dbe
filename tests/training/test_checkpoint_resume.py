"""A run resumed from a checkpoint is the run that never stopped: the same epochs, the same
losses to the last bit on CPU. Both loops (one net, and a GAN's two nets and two optimizers)
go through the same checkpoint files a restarted server reads."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import torch

from tests.conftest import spiral_job
from tests.inprocess import train
from torchplay.training import checkpoint


def _mlp(hidden: int, out: int) -> dict[str, Any]:
    return {
        "layers": [
            {"type": "Linear", "out_features": hidden},
            {"type": "LeakyReLU", "negative_slope": 0.2},
            {"type": "Linear", "out_features": out},
        ]
    }


JOBS = {
    # Shuffled mini-batches, dropout (the global RNG), Adam's moments, a scheduler, early-stop counters.
    "mlp": spiral_job(
        epochs=12,
        model={
            "layers": [
                {"type": "Linear", "out_features": 16},
                {"type": "Tanh"},
                {"type": "Dropout", "p": 0.2},
                {"type": "Linear", "out_features": 2},
            ]
        },
        scheduler={"type": "StepLR", "step_size": 3, "gamma": 0.5},
        early_stopping=50,
    ),
    # Two nets, two optimizers, two schedulers, the noise generator.
    "gan": {
        "dataset": {"name": "ring", "params": {"samples": 256}, "test_fraction": 0},
        "model": {"generator": _mlp(32, 2), "discriminator": _mlp(32, 1), "latent_dim": 4},
        "optimizer": {"type": "Adam", "lr": 0.002, "betas": [0.5, 0.999]},
        "scheduler": {"type": "ExponentialLR", "gamma": 0.9},
        "epochs": 12,
        "batch_size": 64,
    },
}


def _run(request: dict[str, Any], tmp_path: Path, folder: Path, resume_from: dict[str, Any] | None = None) -> list:
    events = train(request, tmp_path, resume_from=resume_from, checkpoint_dir=folder)
    assert events[-1]["status"] == "completed", events[-1]
    return [e for e in events if e["type"] == "epoch"]


@pytest.mark.parametrize("kind", sorted(JOBS))
def test_a_resumed_run_continues_exactly_where_its_checkpoint_left(
    kind: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(checkpoint, "MIN_INTERVAL_S", 0.0)  # every due checkpoint, however fast the epochs
    request = {**JOBS[kind], "checkpoint_every": 4}
    folder = tmp_path / "job"
    whole = _run(request, tmp_path, folder)
    assert checkpoint.epochs(folder) == [4, 8]  # not the last epoch: the final model is saved apart

    resumed = _run(request, tmp_path, folder, resume_from={"epoch": 8})
    assert [e["epoch"] for e in resumed] == [9, 10, 11, 12]
    for before, after in zip(whole[8:], resumed, strict=True):
        assert after["train_loss"] == before["train_loss"], (kind, before["epoch"])
        assert after["val_loss"] == before["val_loss"] and after["metrics"] == before["metrics"]
        assert after["lr"] == before["lr"]
        assert after["elapsed_s"] > whole[7]["elapsed_s"]  # the clock goes on from the checkpoint, not from 0


def test_a_checkpoint_written_before_gan_support_still_loads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Checkpoints from before the format keyed optimizers by net (one `optimizer`, one
    `scheduler`) are what an upgraded server finds after a restart: they must resume."""
    monkeypatch.setattr(checkpoint, "MIN_INTERVAL_S", 0.0)
    request = {**JOBS["mlp"], "checkpoint_every": 4}
    folder = tmp_path / "job"
    whole = _run(request, tmp_path, folder)
    state_file = folder / "state-8.pt"
    state = torch.load(state_file, weights_only=True)
    state["optimizer"], state["scheduler"] = state.pop("optimizers")["model"], state.pop("schedulers")["model"]
    torch.save(state, state_file)

    resumed = _run(request, tmp_path, folder, resume_from={"epoch": 8})
    assert [e["train_loss"] for e in resumed] == [e["train_loss"] for e in whole[8:]]
