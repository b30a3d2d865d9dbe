"""The stream's events (`WS /api/jobs/{id}/stream`, the CLI's JSON lines), one model each.

Every training loop emits these and nothing else; the server stores and forwards their
JSON (`EventBase.to_json`). A new kind of event is one class here, added to `Event`.
"""

from __future__ import annotations

from typing import Annotated, Literal, Union

from pydantic import BaseModel, ConfigDict, Field

from torchplay.spec.snapshots import SnapshotEvent
from torchplay.spec.wire import EventBase


class StatusEvent(EventBase):
    """The job runs (or pauses) on a device; notes say how it trains."""

    type: Literal["status"] = "status"
    status: Literal["running", "paused"]
    device: str = Field(description="The torch device it trains on: cpu, cuda:0, mps.")
    data_on_device: bool | None = Field(
        None,
        description="CUDA: the dataset is resident on the device (true), or streamed to it in batches from "
        "pinned host memory because it does not fit (false); null where the host is the device.",
    )
    amp: Literal["bf16"] | None = Field(None, description="Mixed precision in use; null when asked for but off.")
    note: str | None = Field(None, description="How it trains, when that differs from what was asked.")
    note_zh: str | None = Field(None, description="The note in 简体中文.")
    compiled: bool | None = Field(None, description="Whether torch.compile took the training step.")
    compile_s: float | None = Field(None, description="Seconds compiling took.")
    resumed_from: int | None = Field(
        None, description="A resumed run's first status: the epoch of the checkpoint it continued from."
    )
    rewound_to: int | None = Field(
        None, description="The doctor's rewind: the epoch whose weights training went back to (0: the start)."
    )


class LayerNorms(BaseModel):
    model_config = ConfigDict(extra="forbid", ser_json_inf_nan="null")

    layer: int = Field(description="Index of a top-level layer with parameters.")
    weight: float | None = Field(description="L2 norm of its weights.")
    grad: float | None = Field(description="L2 norm of the last batch's gradients (0 before any).")
    net: str | None = Field(None, description="GAN jobs: generator or discriminator.")


class EpochEvent(EventBase):
    type: Literal["epoch"] = "epoch"
    epoch: int
    epochs: int
    train_loss: float | None = Field(description="Mean loss over the epoch's batches (GAN: the generator's).")
    val_loss: float | None = Field(description="Loss on the held-out split; null without one.")
    metrics: dict[str, float | None] = Field(
        description="accuracy, train_accuracy; GAN: d_loss, g_loss, d_real, d_fake."
    )
    lr: float = Field(description="Learning rate during the epoch.")
    elapsed_s: float = Field(description="Training time so far, across resumes.")
    time: float = Field(description="Wall clock (Unix seconds) when it was emitted: delivery delay = now - time.")
    layer_norms: list[LayerNorms]
    threads: int | None = Field(None, description="Torch intra-op threads the epoch trained with.")


class ChangedEvent(EventBase):
    """Live hyperparameter changes the trainer applied (PATCH /api/jobs/{id})."""

    type: Literal["changed"] = "changed"
    values: dict[str, float]


FindingKind = Literal[
    "dead_relu",
    "saturation",
    "vanishing_gradient",
    "exploding_gradient",
    "stalled",
    "overfitting",
    "diverging",
    "cannot_overfit",
]


class Words(BaseModel):
    model_config = ConfigDict(extra="forbid")

    en: str
    zh: str


class FindingEvent(EventBase):
    """Something the training doctor found, with its evidence, why it matters and what to change."""

    type: Literal["finding"] = "finding"
    kind: FindingKind
    layer: int | None = Field(description="Index of the top-level layer it concerns; null for the whole run.")
    epoch: int = Field(description="The epoch it was found at (0: a check outside training).")
    evidence: dict[str, bool | int | float | str | None] = Field(
        description="The measured values; non-finite ones as the strings nan, inf, -inf."
    )
    explanation: Words = Field(description="One paragraph on what it means, in English and Chinese.")
    suggestion: Words = Field(description="The change to try, in English and Chinese.")


class Histogram(BaseModel):
    model_config = ConfigDict(extra="forbid")

    lo: float = Field(description="The smallest finite value: the first bin's left edge.")
    hi: float = Field(description="The largest finite value: the last bin's right edge.")
    counts: list[int] = Field(description="Counts in equal-width bins between lo and hi.")
    nonfinite: int = Field(description="NaN and ±inf values, in no bin.")


class LayerHistograms(BaseModel):
    model_config = ConfigDict(extra="forbid")

    layer: int
    activation: Histogram
    weight: Histogram | None = None
    grad: Histogram | None = Field(None, description="The last step's gradients.")


class HistogramsEvent(EventBase):
    """Per-layer histograms of activations, weights and gradients at the end of an epoch
    (about 100 sets per job at most, whatever its length)."""

    type: Literal["histograms"] = "histograms"
    epoch: int
    layers: list[LayerHistograms]


class DoneEvent(EventBase):
    type: Literal["done"] = "done"
    status: Literal["completed", "stopped", "failed", "interrupted"]
    error: str | None = Field(description="Why it failed or was interrupted; null otherwise.")


Event = Annotated[
    Union[StatusEvent, EpochEvent, SnapshotEvent, ChangedEvent, FindingEvent, HistogramsEvent, DoneEvent],  # noqa: UP007
    Field(discriminator="type"),
]
