"""Server settings from the environment (`TORCHPLAY_*`), validated once at startup."""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from torchplay.spec.job import DEFAULT_CHECKPOINT_EVERY, DEFAULT_KEEP_CHECKPOINTS
from torchplay.spec.limits import FAIR_SHARE, Limits

# A token on a public bind is all that keeps strangers out: long enough not to be guessed.
MIN_PUBLIC_TOKEN_CHARS = 16
MAKE_A_TOKEN = 'python -c "import secrets; print(secrets.token_urlsafe(24))"'


def fair_share_of_ram_mb(jobs: int) -> int:
    """This machine's RAM, the jobs' share of it, over the jobs that may run at once."""
    total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") if hasattr(os, "sysconf") else 8 * 2**30
    return max(256, int(total * FAIR_SHARE) // 2**20 // max(1, jobs))


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TORCHPLAY_", extra="ignore")

    host: str = Field("127.0.0.1", description="Bind address; anything but loopback needs a token.")
    port: int = Field(8000, ge=0, le=65535)
    data_dir: Path = Field(Path("torchplay-data"), description="SQLite file, checkpoints, datasets.")
    token: str | None = Field(None, description="Bearer token every request must carry, if set.")
    insecure_no_auth: bool = Field(False, description="Allow a public bind without a token (explicit opt-out).")
    # Comma-separated in the environment. Loopback names and the bound host need no entry.
    allowed_hosts: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="More Host names to answer (a reverse proxy's), each `name` or `name:port`; `*` for any.",
    )
    allowed_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="More page origins (`scheme://host[:port]`) that may drive the server, e.g. behind a proxy.",
    )
    executor: Literal["local", "ray"] = "local"
    warm_workers: int | None = Field(
        None,
        ge=0,
        le=64,
        description="Worker processes started ahead of time, torch imported (default: one per job slot).",
    )
    worker_max_jobs: int = Field(100, ge=1, description="Jobs a worker process runs before a fresh one replaces it.")
    worker_max_growth_mb: float = Field(
        1024.0, gt=0, description="A worker whose memory grew this much since it started is replaced after its job."
    )
    checkpoint_every: int = Field(
        DEFAULT_CHECKPOINT_EVERY, ge=1, description="Epochs between checkpoints, unless a job says otherwise."
    )
    keep_checkpoints: int = Field(
        DEFAULT_KEEP_CHECKPOINTS, ge=1, le=1000, description="Checkpoints kept per job (newest first)."
    )

    # The Ray executor (TORCHPLAY_RAY_*): where the cluster is, and what each job's actor asks for.
    ray_address: str = Field("auto", description="auto, ray://host:10001, host:6379, or local (a private Ray).")
    ray_cpus_per_job: float = Field(1.0, gt=0, le=1024, description="num_cpus of a CPU job's actor.")
    ray_gpus_per_job: float = Field(
        1.0, gt=0, le=64, description="num_gpus of a CUDA job's actor (fractions share a GPU)."
    )
    ray_cpus_per_gpu_job: float = Field(
        1.0, ge=0, le=1024, description="num_cpus of a CUDA job's actor (feeds the GPU)."
    )
    ray_local_cpus: int = Field(2, ge=1, le=1024, description="CPUs of the private Ray started by address `local`.")
    ray_stop_grace_s: float = Field(0.5, gt=0, le=600, description="Cooperative stop window before ray.kill.")

    max_params: int = Limits.model_fields["max_params"].default
    max_layers: int = Limits.model_fields["max_layers"].default
    max_epochs: int = Limits.model_fields["max_epochs"].default
    max_samples: int = Limits.model_fields["max_samples"].default
    max_batch_size: int = Limits.model_fields["max_batch_size"].default
    max_inline_values: int = Limits.model_fields["max_inline_values"].default
    max_body_bytes: int = Limits.model_fields["max_body_bytes"].default
    max_upload_bytes: int = Limits.model_fields["max_upload_bytes"].default
    max_queued_jobs: int = Limits.model_fields["max_queued_jobs"].default
    max_sweep_members: int = Limits.model_fields["max_sweep_members"].default
    # Fair share on a server a class shares: unset, one person may fill the whole queue.
    max_queued_per_user: int | None = Field(None, ge=1, description="Jobs one user may have queued at once.")
    max_running_per_user: int | None = Field(None, ge=1, description="Jobs of one user that may train at once.")
    # Two cores here: two jobs at once keeps the page responsive without thrashing.
    max_running_jobs: int = Field(default_factory=lambda: max(1, min(4, (os.cpu_count() or 2))))
    max_ws_message_bytes: int = Limits.model_fields["max_ws_message_bytes"].default
    # A job refused at create costs nothing; one that outgrows the machine takes the others down.
    max_train_memory_mb: int = Field(
        default_factory=lambda data: fair_share_of_ram_mb(data["max_running_jobs"]),
        ge=1,
        description="Estimated training memory of one job; default: 80% of RAM over max_running_jobs.",
    )
    max_train_gpu_memory_mb: int | None = Field(
        None, ge=1, description="The same for a CUDA job; default: its share of the smallest local GPU."
    )
    train_memory_budget_mb: int | None = Field(
        None, ge=1, description="Memory at which a worker fails its job; default: the job's limit."
    )
    # Python's JSON parser gives up near 1000 levels; well below, the limit is the answer.
    max_json_depth: int = Field(Limits.model_fields["max_json_depth"].default, ge=1, le=500)
    max_csv_columns: int = Limits.model_fields["max_csv_columns"].default
    max_header_bytes: int = Limits.model_fields["max_header_bytes"].default
    max_connections: int = Limits.model_fields["max_connections"].default
    max_predict_rows: int = Field(Limits.model_fields["max_predict_rows"].default, ge=1)
    # Predict and internals run in a process of their own; one that takes longer is stopped.
    predict_timeout_s: float = Field(60.0, gt=0, description="Stop a predict or internals request after this long.")
    # Each viewer's frames wait in the kernel and then in the server; a viewer that stopped
    # reading blocks the next send, and is closed (1008) once blocked this long.
    ws_send_timeout_s: float = Field(10.0, gt=0, description="Drop a viewer whose frames wait this long.")
    # Pings find viewers that vanished, or stopped reading while no frames were due.
    ws_ping_interval_s: float = Field(20.0, gt=0, description="Seconds between WebSocket pings.")
    ws_ping_timeout_s: float = Field(20.0, gt=0, description="Drop a viewer that leaves a ping unanswered this long.")
    keep_alive_s: float = Field(5.0, gt=0, description="Close an idle HTTP keep-alive connection after this long.")
    # permessage-deflate compresses every frame once per viewer: with hundreds of viewers it
    # was three quarters of the server's CPU, taken from training. Worth it on slow links only.
    ws_compression: bool = Field(False, description="Compress WebSocket frames (permessage-deflate).")

    @field_validator("allowed_hosts", "allowed_origins", mode="before")
    @classmethod
    def _comma_separated(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [item.strip() for item in value.split(",") if item.strip()]
        return value

    @field_validator("token")
    @classmethod
    def _empty_token_is_none(cls, value: str | None) -> str | None:
        return value or None  # TORCHPLAY_TOKEN= (empty) means no token, not the empty one

    @model_validator(mode="after")
    def _public_bind_needs_token(self) -> Settings:
        if self.is_loopback:
            return self
        if not self.token and not self.insecure_no_auth:
            raise ValueError(
                f"refusing to bind {self.host} without TORCHPLAY_TOKEN: anyone who can reach it could run code-heavy jobs. "
                "Set TORCHPLAY_TOKEN, bind 127.0.0.1, or pass --insecure-no-auth."
            )
        if self.token and len(self.token.strip()) < MIN_PUBLIC_TOKEN_CHARS:
            raise ValueError(
                f"refusing to bind {self.host} with a {len(self.token.strip())}-character TORCHPLAY_TOKEN: "
                f"a public bind needs at least {MIN_PUBLIC_TOKEN_CHARS} characters. Make one with: {MAKE_A_TOKEN}"
            )
        return self

    @property
    def is_loopback(self) -> bool:
        if self.host == "localhost":
            return True
        try:
            return ipaddress.ip_address(self.host).is_loopback
        except ValueError:
            return False

    @property
    def binds_every_address(self) -> bool:
        """Bound to every address (0.0.0.0, ::), so reached by names the server cannot know."""
        return self.host.strip("[]") in ("", "0.0.0.0", "::")

    @property
    def inference_threads(self) -> int:
        """Torch threads of the inference process (predict, internals): one job slot's share
        of the cores, since it answers while jobs train."""
        return max(1, (os.cpu_count() or 1) // self.max_running_jobs)

    @property
    def limits(self) -> Limits:
        return Limits(**{name: getattr(self, name) for name in Limits.model_fields})

    @property
    def db_path(self) -> Path:
        return self.data_dir / "torchplay.sqlite3"
