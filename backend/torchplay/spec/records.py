"""A job as the API shows it: a row of the job list, and the whole record."""

from __future__ import annotations

from pydantic import BaseModel, Field

from torchplay.spec.errors import SpecWarning
from torchplay.spec.job import JobCreate
from torchplay.spec.lifecycle import JobStatus


class ForkedFrom(BaseModel):
    job: str
    epoch: int


class JobSummary(BaseModel):
    """A row of `GET /api/jobs`."""

    id: str
    name: str
    status: JobStatus
    created_at: str
    started_at: str | None
    finished_at: str | None
    epoch: int = Field(description="Epochs done so far.")
    epochs: int
    train_loss: float | None
    val_loss: float | None
    metrics: dict[str, float | None]
    device: str | None = Field(description="Where it trains (once it does).")
    threads: int | None = Field(description="Torch threads its latest epoch trained with (they follow the load).")
    error: str | None = Field(description="Why it failed or was interrupted.")
    worker_pid: int | None = Field(description="The process training it, while it is active.")
    queue_reason: str | None = Field(description="Why a queued job waits.")
    owner: str = Field(description="The user whose job it is (`admin`: TORCHPLAY_TOKEN's holder).")
    forked_from: ForkedFrom | None = Field(description="The job and epoch it continues from, if it is a fork.")


class JobPublic(JobSummary):
    """`GET /api/jobs/{id}`: the row, the normalised request and what planning found out."""

    request: JobCreate
    input_shape: list[int] = Field(description="One sample of the dataset, batch excluded (GAN: the data's).")
    output_shape: list[int] | None = Field(description="The model's output per sample; null for a GAN.")
    classes: list[str] | None
    snapshot_kind: str | None
    total_params: int
    warnings: list[SpecWarning]
    memory_mb: float | None = Field(description="Estimated training memory, when known.")
