"""A run resumed from a checkpoint is the run that never stopped: the same epochs, the same
losses to the last bit on CPU. Both loops (one net, and a GAN's two nets and two optimizers)
go through the same checkpoint files a restarted server reads."""

from __future__ import annotations

import subprocess
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
    (folder / "checkpoint-8.sha256").unlink()  # those checkpoints had no checksums

    resumed = _run(request, tmp_path, folder, resume_from={"epoch": 8})
    assert [e["train_loss"] for e in resumed] == [e["train_loss"] for e in whole[8:]]


def _flip_a_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF  # inside the tensors: the file still parses, its numbers are wrong
    path.write_bytes(bytes(data))


@pytest.fixture
def checkpointed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[dict[str, Any], Path, list]:
    """The MLP job run whole with a checkpoint every 2 epochs: 2, 4, 6, 8, 10."""
    monkeypatch.setattr(checkpoint, "MIN_INTERVAL_S", 0.0)
    request = {**JOBS["mlp"], "checkpoint_every": 2}
    folder = tmp_path / "job"
    whole = _run(request, tmp_path, folder)
    assert checkpoint.epochs(folder) == [2, 4, 6, 8, 10]
    return request, folder, whole


def test_each_checkpoint_has_checksums_sha256sum_accepts(checkpointed: tuple[dict[str, Any], Path, list]) -> None:
    _, folder, _ = checkpointed
    check = subprocess.run(["sha256sum", "-c", "checkpoint-10.sha256"], cwd=folder, capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    assert "weights-10.safetensors: OK" in check.stdout and "state-10.pt: OK" in check.stdout
    assert not [p for p in folder.iterdir() if p.name.endswith(".tmp")]


def test_a_damaged_newest_checkpoint_resumes_from_the_one_before_and_says_so(
    checkpointed: tuple[dict[str, Any], Path, list], tmp_path: Path
) -> None:
    request, folder, whole = checkpointed
    _flip_a_byte(folder / "weights-10.safetensors")
    assert checkpoint.verify(folder, 8) is None
    assert checkpoint.verify(folder, 10) == "weights-10.safetensors does not match its checksum"
    with pytest.raises(checkpoint.CheckpointError, match="epoch 10 is damaged") as refused:
        checkpoint.load(folder, 10, checkpoint.RunState({}, {}, {}, {}))  # refused before anything is loaded
    assert "weights_only" not in str(refused.value)

    point = checkpoint.newest_good(folder, at_most=12)
    assert point.epoch == 8 and list(point.skipped) == [10]
    events = train(
        request, tmp_path, resume_from={"epoch": point.epoch, **point.note().fields()}, checkpoint_dir=folder
    )
    status = next(e for e in events if e["type"] == "status")
    assert status["resumed_from"] == 8
    assert status["note"] == (
        "resumed from epoch 8: the checkpoint of epoch 10 is damaged (weights-10.safetensors does not match its checksum)"
    )
    assert (
        status["note_zh"]
        == "从第 8 轮继续：第 10 轮的检查点已损坏（weights-10.safetensors does not match its checksum）"
    )
    resumed = [e for e in events if e["type"] == "epoch"]
    assert [e["epoch"] for e in resumed] == [9, 10, 11, 12]
    assert [e["train_loss"] for e in resumed] == [e["train_loss"] for e in whole[8:]]


def test_an_unreadable_checkpoint_fails_the_job_in_plain_words(
    checkpointed: tuple[dict[str, Any], Path, list], tmp_path: Path
) -> None:
    """Written before checksums (none to check), and not a torch file: torch's own message,
    with its advice to load with weights_only=False, is never what a user reads."""
    request, folder, _ = checkpointed
    (folder / "checkpoint-8.sha256").unlink()
    (folder / "state-8.pt").write_bytes(b"not a checkpoint")
    events = train(request, tmp_path, resume_from={"epoch": 8}, checkpoint_dir=folder)
    assert events[-1]["status"] == "failed"
    assert events[-1]["error"] == "the checkpoint of epoch 8 could not be read (UnpicklingError)"


def test_pruning_keeps_the_newest_k_the_history_reaches_and_any_newer(
    checkpointed: tuple[dict[str, Any], Path, list],
) -> None:
    _, folder, _ = checkpointed
    checkpoint.prune(folder, stored_epoch=8, keep=3)
    assert checkpoint.epochs(folder) == [4, 6, 8, 10]
    assert {p.name for p in folder.glob("checkpoint-*.sha256")} == {f"checkpoint-{e}.sha256" for e in (4, 6, 8, 10)}
    checkpoint.prune(folder, stored_epoch=12, keep=1)
    assert checkpoint.epochs(folder) == [10]
