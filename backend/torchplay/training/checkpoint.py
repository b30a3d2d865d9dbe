"""Checkpoints: what a job needs to continue after its server died.

In the job's folder (`jobs/files.py`: `data_dir/jobs/<job id>/`, a server-made id):
- `weights-<epoch>.safetensors`: the model's tensors (safetensors: no pickle at all);
- `state-<epoch>.pt`: optimizer and scheduler state, RNG states and loop counters, read
  back with `torch.load(weights_only=True)` (tensors and plain containers only). It is
  written second: it is the commit point, so an epoch without it is no checkpoint.

Every file is written to a temporary name and moved into place with `os.replace`, so a
reader never sees half a file. The writer never deletes: the trainer runs ahead of the
server's stored history (events in flight, and a worker trains on briefly after its server
died), so the newest checkpoint may be past the last stored epoch. The server prunes (`prune`)
as epochs are stored, keeping the newest checkpoint the history reaches and any newer ones;
resume takes the newest one not past the stored history.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load_file, save_file
from torch import nn

# A due checkpoint is skipped if the last one is younger than this: a 5000-epoch tiny job
# would otherwise spend more time writing files than training. A restart loses ≤ ~1 s.
MIN_INTERVAL_S = 1.0


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
    _atomic(_weights(directory, epoch), lambda tmp: save_file(tensors, str(tmp), metadata={"epoch": str(epoch)}))
    payload = {
        "epoch": epoch,
        "optimizers": {name: optimizer.state_dict() for name, optimizer in run.optimizers.items()},
        "schedulers": {name: s.state_dict() if s is not None else None for name, s in run.schedulers.items()},
        "torch_rng": torch.get_rng_state(),
        **{name: generator.get_state() for name, generator in run.generators.items()},
        **counters,
    }
    _atomic(_state(directory, epoch), lambda tmp: torch.save(payload, tmp))


def prune(directory: Path, stored_epoch: int) -> None:
    """Drop checkpoints older than the newest one the stored history reaches."""
    keep = latest_epoch(directory, stored_epoch)
    for old in epochs(directory):
        if keep is not None and old < keep:
            _state(directory, old).unlink(missing_ok=True)  # the commit mark first: never half a checkpoint
            _weights(directory, old).unlink(missing_ok=True)


def load(directory: Path, epoch: int, run: RunState) -> Restored:
    """Put checkpoint `epoch`'s state into freshly built objects; return the loop's counters."""
    if epoch not in epochs(directory):
        raise FileNotFoundError(f"no complete checkpoint for epoch {epoch}")
    tensors = load_file(str(_weights(directory, epoch)))
    for name, model in run.models.items():
        prefix = f"{name}."
        own = {k[len(prefix) :]: v for k, v in tensors.items() if k.startswith(prefix)}
        model.load_state_dict(own)
    # weights_only: tensors and plain containers only, and only this file the server wrote.
    state = torch.load(_state(directory, epoch), map_location="cpu", weights_only=True)
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


def _atomic(path: Path, write: Any) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    write(tmp)
    with open(tmp, "rb") as handle:  # durable before it becomes visible under its name
        os.fsync(handle.fileno())
    os.replace(tmp, path)
