"""Checkpoints: what a job needs to continue after its server died.

In the job's folder (`jobs/files.py`: `data_dir/jobs/<job id>/`, a server-made id):
- `weights-<epoch>.safetensors`: the model's tensors (safetensors: no pickle at all);
- `state-<epoch>.pt`: optimizer and scheduler state, RNG states and loop counters, read
  back with `torch.load(weights_only=True)` (tensors and plain containers only). It is
  written second: it is the commit point, so an epoch without it is no checkpoint;
- `checkpoint-<epoch>.sha256`: both files' SHA-256 (`sha256sum -c` reads it), written
  last. A checkpoint whose files do not match it is damaged and never loaded; one without
  it (cut off just before, or written before checksums) is loaded as it is.

Every file is written to a temporary name, fsynced and moved into place with `os.replace`,
so a reader never sees half a file. The writer never deletes: the trainer runs ahead of the
server's stored history (events in flight, and a worker trains on briefly after its server
died), so the newest checkpoint may be past the last stored epoch. The server prunes (`prune`)
as epochs are stored, keeping the newest `keep` checkpoints the history reaches and any
newer ones; resume takes the newest good one not past the stored history (`newest_good`).
"""

from __future__ import annotations

import functools
import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load_file, save_file
from torch import nn

from torchplay.spec.job import DEFAULT_KEEP_CHECKPOINTS
from torchplay.training.notes import Note

# A due checkpoint is skipped if the last one is younger than this: a 5000-epoch tiny job
# would otherwise spend more time writing files than training. A restart loses ≤ ~1 s.
MIN_INTERVAL_S = 1.0
DEFAULT_KEEP = DEFAULT_KEEP_CHECKPOINTS
_HASH_CHUNK = 2**20


class CheckpointError(Exception):
    """A checkpoint that cannot be used: damaged, or not readable. The message is for users."""


def epochs(directory: Path) -> list[int]:
    """Epochs with a complete checkpoint in `directory`, oldest first."""
    try:
        names = [p.name for p in directory.iterdir()]
    except OSError:
        return []
    found = []
    for name in names:
        number = name.removeprefix("state-").removesuffix(".pt")
        if name.startswith("state-") and number.isdigit() and _weights(directory, int(number)).is_file():
            found.append(int(number))
    return sorted(found)


def latest_epoch(directory: Path, at_most: int | None = None) -> int | None:
    """The newest complete checkpoint's epoch (not past `at_most`), or None."""
    usable = [e for e in epochs(directory) if at_most is None or e <= at_most]
    return usable[-1] if usable else None


@dataclass
class ResumePoint:
    epoch: int | None  # None: no good checkpoint, start from scratch
    skipped: dict[int, str] = field(default_factory=dict)  # newer checkpoints passed over → why

    def note(self) -> Note | None:
        """What a person reading the job's history should know about the choice."""
        if not self.skipped:
            return None
        passed = "; ".join(f"the checkpoint of epoch {epoch} is damaged ({why})" for epoch, why in self.skipped.items())
        passed_zh = "；".join(f"第 {epoch} 轮的检查点已损坏（{why}）" for epoch, why in self.skipped.items())
        if self.epoch is None:
            return Note(f"started again from epoch 1: {passed}", f"从第 1 轮重新开始：{passed_zh}")
        return Note(f"resumed from epoch {self.epoch}: {passed}", f"从第 {self.epoch} 轮继续：{passed_zh}")


def newest_good(directory: Path, at_most: int) -> ResumePoint:
    """The newest complete checkpoint not past `at_most` whose files match their checksums."""
    skipped: dict[int, str] = {}
    for epoch in reversed([e for e in epochs(directory) if e <= at_most]):
        damage = verify(directory, epoch)
        if damage is None:
            return ResumePoint(epoch, skipped)
        skipped[epoch] = damage
    return ResumePoint(None, skipped)


def verify(directory: Path, epoch: int) -> str | None:
    """Why checkpoint `epoch` is damaged, or None if its files match their checksums (or it
    has none to match)."""
    try:
        lines = _sums(directory, epoch).read_text().splitlines()
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError):
        return f"{_sums(directory, epoch).name} is unreadable"
    expected = {name: digest for digest, name in (line.split("  ", 1) for line in lines if "  " in line)}
    for path in (_weights(directory, epoch), _state(directory, epoch)):
        if path.name not in expected:
            return f"{_sums(directory, epoch).name} does not list {path.name}"
        try:
            actual = _sha256(path)
        except OSError:
            return f"{path.name} is unreadable"
        if actual != expected[path.name]:
            return f"{path.name} does not match its checksum"
    return None


@dataclass
class RunState:
    """Everything a checkpoint holds, named: nets, and what steps and shuffles them."""

    models: dict[str, nn.Module]
    optimizers: dict[str, torch.optim.Optimizer]
    schedulers: dict[str, Any]
    generators: dict[str, torch.Generator]  # the loop's own RNGs (shuffling, noise)


@dataclass
class Restored:
    epoch: int
    state: dict[str, Any]  # what the loop saved beside them: generator states, counters


def model_tensors(models: dict[str, nn.Module]) -> dict[str, torch.Tensor]:
    """Every net's tensors on the CPU, keyed `<net>.<state_dict key>` (`model.0.weight`)."""
    return {
        f"{name}.{key}": value.detach().to("cpu").contiguous().clone()
        for name, model in models.items()
        for key, value in model.state_dict().items()
    }


def save(directory: Path, epoch: int, run: RunState, counters: dict[str, Any]) -> None:
    """Write a complete checkpoint for `epoch`: weights, then state (the commit mark).
    Optimizers and schedulers are keyed like the models they drive (a GAN has two)."""
    directory.mkdir(parents=True, exist_ok=True)
    tensors = model_tensors(run.models)
    weights = _atomic(
        _weights(directory, epoch), lambda tmp: save_file(tensors, str(tmp), metadata={"epoch": str(epoch)})
    )
    payload = {
        "epoch": epoch,
        "optimizers": {name: optimizer.state_dict() for name, optimizer in run.optimizers.items()},
        "schedulers": {name: s.state_dict() if s is not None else None for name, s in run.schedulers.items()},
        "torch_rng": torch.get_rng_state(),
        **{name: generator.get_state() for name, generator in run.generators.items()},
        **counters,
    }
    state = _atomic(_state(directory, epoch), lambda tmp: torch.save(payload, tmp))
    sums = f"{weights}  {_weights(directory, epoch).name}\n{state}  {_state(directory, epoch).name}\n"
    _atomic(_sums(directory, epoch), lambda tmp: tmp.write_text(sums))
    _fsync_dir(directory)  # the names too survive a power cut


def prune(directory: Path, stored_epoch: int, keep: int = DEFAULT_KEEP) -> None:
    """Keep the newest `keep` checkpoints the stored history reaches (and any newer ones)."""
    reached = [e for e in epochs(directory) if e <= stored_epoch]
    for old in reached[: max(0, len(reached) - keep)]:
        _state(directory, old).unlink(missing_ok=True)  # the commit mark first: never half a checkpoint
        _weights(directory, old).unlink(missing_ok=True)
        _sums(directory, old).unlink(missing_ok=True)


def copy(source: Path, target: Path, epoch: int) -> None:
    """Checkpoint `epoch` of one folder into another (a fork starts from it); the commit
    mark (state) goes after the weights, as `save` writes them."""
    if epoch not in epochs(source):
        raise CheckpointError(f"there is no complete checkpoint of epoch {epoch}")
    target.mkdir(parents=True, exist_ok=True)
    for path in (_weights(source, epoch), _state(source, epoch), _sums(source, epoch)):
        if path.is_file():
            _atomic(target / path.name, functools.partial(_write_bytes, data=path.read_bytes()))
    _fsync_dir(target)


def load(directory: Path, epoch: int, run: RunState) -> Restored:
    """Put checkpoint `epoch`'s state into freshly built objects; return the loop's counters."""
    if epoch not in epochs(directory):
        raise CheckpointError(f"there is no complete checkpoint of epoch {epoch}")
    damage = verify(directory, epoch)
    if damage is not None:
        raise CheckpointError(f"the checkpoint of epoch {epoch} is damaged ({damage})")
    try:
        tensors = load_file(str(_weights(directory, epoch)))
        # weights_only: tensors and plain containers only, and only this file the server wrote.
        state = torch.load(_state(directory, epoch), map_location="cpu", weights_only=True)
    except Exception as exc:  # torch's own text suggests weights_only=False: never shown, never done
        raise CheckpointError(f"the checkpoint of epoch {epoch} could not be read ({type(exc).__name__})") from None
    for name, model in run.models.items():
        prefix = f"{name}."
        own = {k[len(prefix) :]: v for k, v in tensors.items() if k.startswith(prefix)}
        model.load_state_dict(own)
    if "optimizers" not in state:  # written before GAN checkpoints: one model, one optimizer
        state["optimizers"], state["schedulers"] = {"model": state.pop("optimizer")}, {"model": state.pop("scheduler")}
    optimizer_states, scheduler_states = state.pop("optimizers"), state.pop("schedulers")
    for name, optimizer in run.optimizers.items():
        optimizer.load_state_dict(optimizer_states[name])
    for name, scheduler in run.schedulers.items():
        if scheduler is not None and scheduler_states.get(name) is not None:
            scheduler.load_state_dict(scheduler_states[name])
    torch.set_rng_state(state.pop("torch_rng"))
    for name, generator in run.generators.items():
        generator.set_state(state.pop(name))
    return Restored(epoch, state)


def all_finite(models: dict[str, nn.Module]) -> bool:
    """A diverged state must never become the checkpoint a resume starts from."""
    return all(bool(torch.isfinite(p).all()) for model in models.values() for p in model.parameters())


def _weights(directory: Path, epoch: int) -> Path:
    return directory / f"weights-{epoch}.safetensors"


def _state(directory: Path, epoch: int) -> Path:
    return directory / f"state-{epoch}.pt"


def _sums(directory: Path, epoch: int) -> Path:
    return directory / f"checkpoint-{epoch}.sha256"


def _atomic(path: Path, write: Any) -> str:
    """Write `path` through a temporary file, durable before it appears; its SHA-256."""
    tmp = path.with_name(f".{path.name}.tmp")
    write(tmp)
    with open(tmp, "rb") as handle:
        os.fsync(handle.fileno())
    digest = _sha256(tmp)  # read back from the page cache, as it will be read at resume
    os.replace(tmp, path)
    return digest


def _write_bytes(path: Path, data: bytes) -> None:
    path.write_bytes(data)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(_HASH_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _fsync_dir(directory: Path) -> None:
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
