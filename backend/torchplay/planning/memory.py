"""The memory a job needs to train, estimated from its plan before anything is allocated.

The estimate adds up what a training worker holds at its peak:

- the weights, their gradients and the optimizer's per-parameter buffers;
- the activations one batch keeps for backward: every tensor autograd saves, counted by
  running the model once on torch's `meta` device (no memory) at the job's batch size, so
  an LSTM's gates at every step and attention's (heads, seq, seq) scores count, not only
  the layers' outputs (a GAN: the generator once, the discriminator twice, for its real and
  fake halves);
- or, if larger, evaluation's peak: no gradients, `eval_rows` rows at once (as many as
  keep it under `EVAL_CHUNK_BYTES`, at most `EVAL_CHUNK`), each op's results followed on
  the meta device until they are freed;
- the dataset, resident with a shuffled copy made every epoch;
- the torch runtime itself (a worker with torch imported and warmed up).

Everything is float32. Activations are multiplied by `ACTIVATION_SAFETY`: backward holds a
gradient next to each saved tensor for a moment, and the allocator rounds sizes up.
"""

from __future__ import annotations

import weakref
from collections.abc import Mapping, Sequence
from typing import Any

import torch
from pydantic import BaseModel, Field
from torch import nn
from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils._pytree import tree_leaves

from torchplay.models.builder import build_model
from torchplay.planning.devices import DeviceKind, gpu_memory_mb
from torchplay.planning.model import META_FORWARDS
from torchplay.spec import SpecError
from torchplay.spec.errors import Loc
from torchplay.spec.job import OptimizerSpec
from torchplay.spec.limits import FAIR_SHARE, Limits

MB = 2**20
ELEMENT_BYTES = 4  # float32 weights, data and activations (bf16 autocast only saves less)
# Backward adds each saved tensor's gradient for a moment; measured peaks (benchmarks/
# memory_estimate.py) sit within 1-1.5× of the saved tensors alone.
ACTIVATION_SAFETY = 1.5
EVAL_CHUNK = 8192  # rows per forward pass when evaluating (bounded memory on big splits)
# ...and fewer when rows are big: a 1024-channel image is 3 MB a layer, 8192 of them 26 GB.
EVAL_CHUNK_BYTES = 256 * MB
DATASET_COPIES = 2  # resident tensors, and the shuffled copy gathered each epoch
# A worker process with torch imported and one tiny job run, before the job's own memory
# (measured on Linux, CPU torch; CUDA adds its context, which `torch.cuda` does not count).
RUNTIME_MB = 330.0


class MemoryEstimate(BaseModel):
    """A training worker's peak, part by part, in MiB."""

    weights_mb: float
    gradients_mb: float
    optimizer_mb: float = Field(description="The optimizer's per-parameter buffers (Adam: two).")
    activations_mb: float = Field(description="One batch's saved tensors, or evaluation's peak if larger.")
    dataset_mb: float
    runtime_mb: float = Field(description="The torch runtime of a worker process.")
    batch_rows: int = Field(description="Rows in one training batch (the batch size, or all rows).")
    eval_rows: int = Field(description="Rows per forward pass without gradients (evaluation, snapshots).")

    @property
    def device_mb(self) -> float:
        """What lives on the training device (a GPU's share: the runtime stays on the host)."""
        parts = (self.weights_mb, self.gradients_mb, self.optimizer_mb, self.activations_mb, self.dataset_mb)
        return round(sum(parts), 1)

    @property
    def total_mb(self) -> float:
        return round(self.device_mb + self.runtime_mb, 1)


def optimizer_buffers(optimizer: OptimizerSpec) -> int:
    """Tensors the size of the parameters that the optimizer keeps for each one."""
    momentum = getattr(optimizer, "momentum", 0.0) > 0
    return {"SGD": int(momentum), "Adam": 2, "AdamW": 2, "RMSprop": 1 + int(momentum), "Adagrad": 1}[optimizer.type]


def estimate_memory(
    nets: Mapping[str, Any],
    *,
    optimizer: OptimizerSpec,
    batch_size: int | None,
    rows: int,
    test_fraction: float,
    sample_values: int,
) -> MemoryEstimate:
    """The estimate for `nets` (planned: "model", or a GAN's "generator" and
    "discriminator"), trained on `rows` samples of `sample_values` numbers each (0 rows: the
    data is not known, e.g. a bare input shape)."""
    test_rows = round(rows * test_fraction)
    train_rows = rows - test_rows
    batch = max(1, min(batch_size or train_rows, train_rows) if train_rows else batch_size or 1)
    params = sum(plan.total_params for plan in nets.values())
    saved, per_row = 0, 1
    with META_FORWARDS:
        for net, plan in nets.items():
            model = build_model(plan.spec, "meta")
            saved += saved_bytes(model, plan.input_shape, batch) * (2 if net == "discriminator" else 1)
            per_row = max(per_row, evaluation_peak_bytes(model, plan.input_shape, 1))
    eval_rows = max(1, min(EVAL_CHUNK, EVAL_CHUNK_BYTES // per_row))
    evaluation = per_row * min(eval_rows, test_rows or rows)  # a forward's tensors grow with its rows
    weights = params * ELEMENT_BYTES
    return MemoryEstimate(
        weights_mb=_mb(weights),
        gradients_mb=_mb(weights),
        optimizer_mb=_mb(weights * optimizer_buffers(optimizer)),
        activations_mb=_mb(max(saved * ACTIVATION_SAFETY, evaluation)),
        dataset_mb=_mb(rows * (sample_values + 1) * ELEMENT_BYTES * DATASET_COPIES),
        runtime_mb=RUNTIME_MB,
        batch_rows=batch,
        eval_rows=eval_rows,
    )


def saved_bytes(model: nn.Module, input_shape: Sequence[int], batch: int) -> int:
    """Bytes autograd saves for backward in one training batch: the model (on the meta
    device) runs once with a hook that sees every saved tensor. Parameters are left out
    (counted as weights), and a tensor saved twice (one layer's output is the next one's
    input) counts once."""
    model.train()
    own = {_storage_key(p) for p in model.parameters()}
    seen: dict[int, int] = {}

    def pack(tensor: torch.Tensor) -> torch.Tensor:
        key = _storage_key(tensor)
        if key not in own:
            seen[key] = tensor.untyped_storage().nbytes()
        return tensor

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda tensor: tensor):
        model(torch.empty((batch, *input_shape), device="meta"))
    return sum(seen.values())


def evaluation_peak_bytes(model: nn.Module, input_shape: Sequence[int], rows: int) -> int:
    """The most bytes alive at once in a forward pass without gradients over `rows` rows
    (evaluation, snapshots): each op's results counted from when they are made until the
    last reference goes."""
    model.eval()
    x = torch.empty((rows, *input_shape), device="meta")
    # The weights and the input exist already: views of them (a transposed weight) are free.
    with torch.no_grad(), _LiveBytes({_storage_key(t) for t in (x, *model.parameters(), *model.buffers())}) as live:
        model(x)
    return live.peak


class _LiveBytes(TorchDispatchMode):
    """Follows the storage each op makes (meta tensors: sizes, no memory) until it is freed."""

    def __init__(self, existing: set[int]) -> None:
        super().__init__()
        self.live = self.peak = 0
        self._existing = existing
        self._alive: set[int] = set()

    def __torch_dispatch__(self, func: Any, types: Any, args: Any = (), kwargs: Any = None) -> Any:
        out = func(*args, **(kwargs or {}))
        for tensor in tree_leaves(out):
            if not isinstance(tensor, torch.Tensor):
                continue
            key = _storage_key(tensor)
            if key not in self._alive and key not in self._existing:
                size = tensor.untyped_storage().nbytes()
                self._alive.add(key)
                self.live += size
                self.peak = max(self.peak, self.live)
                weakref.finalize(tensor, self._freed, key, size)
        return out

    def _freed(self, key: int, size: int) -> None:
        self.live -= size
        self._alive.discard(key)


def planned_memory(
    nets: Mapping[str, Any],
    limits: Limits,
    kind: DeviceKind,
    *,
    optimizer: OptimizerSpec,
    batch_size: int | None,
    rows: int = 0,
    test_fraction: float = 0.0,
    sample_values: int = 0,
) -> MemoryEstimate:
    """The estimate, refused (`SpecError`, pointing at what to lower) when over the limit of
    the device kind the job trains on: RAM for cpu and mps, the GPU's own for cuda."""
    estimate = estimate_memory(
        nets,
        optimizer=optimizer,
        batch_size=batch_size,
        rows=rows,
        test_fraction=test_fraction,
        sample_values=sample_values,
    )
    limit, setting = memory_limit(limits, kind)
    needed = estimate.device_mb if kind == "cuda" else estimate.total_mb
    if needed <= limit:
        return estimate
    parts = {
        "activations": estimate.activations_mb,
        "weights, gradients and optimizer state": estimate.weights_mb + estimate.gradients_mb + estimate.optimizer_mb,
        "dataset": estimate.dataset_mb,
    }
    biggest = max(parts, key=lambda name: parts[name])
    loc, advice = _LOWER[biggest]
    raise SpecError(
        loc,
        f"training would need about {needed:,.0f} MB of memory ({biggest}: {parts[biggest]:,.0f} MB, "
        f"batch of {estimate.batch_rows:,} rows), over the limit {setting}={limit:,} MB; {advice}",
        "limit_exceeded",
    )


def memory_limit(limits: Limits, kind: DeviceKind) -> tuple[int, str]:
    """The memory a job on `kind` may claim, and the setting that says so. A CUDA job's
    default is its share of the smallest local GPU (where there is none, as for a Ray
    cluster's, the RAM limit stands in)."""
    if kind == "cuda":
        gpu = gpu_memory_mb()
        if limits.max_train_gpu_memory_mb is None and gpu is not None:
            return max(1, int(gpu * FAIR_SHARE) // limits.max_running_jobs), "max_train_gpu_memory_mb"
        if limits.max_train_gpu_memory_mb is not None:
            return limits.max_train_gpu_memory_mb, "max_train_gpu_memory_mb"
    return limits.max_train_memory_mb, "max_train_memory_mb"


def memory_budget(limits: Limits, kind: DeviceKind) -> int:
    """What a worker may reach before its job is failed: the limit, unless set lower."""
    return limits.train_memory_budget_mb or memory_limit(limits, kind)[0]


_LOWER: dict[str, tuple[Loc, str]] = {
    "activations": (("batch_size",), "lower batch_size, or the layers' channels, sizes or sequence length"),
    "weights, gradients and optimizer state": (("model",), "use fewer or narrower layers (fewer parameters)"),
    "dataset": (("dataset", "params", "samples"), "use fewer samples"),
}


def _storage_key(tensor: torch.Tensor) -> int:
    return int(tensor.untyped_storage()._cdata)


def _mb(count: float) -> float:
    return round(count / MB, 1)
