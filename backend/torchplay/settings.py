"""Server settings from the environment (`TORCHPLAY_*`), validated once at startup."""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from torchplay.spec.limits import Limits


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TORCHPLAY_", extra="ignore")

    host: str = Field("127.0.0.1", description="Bind address; anything but loopback needs a token.")
    port: int = Field(8000, ge=0, le=65535)
    data_dir: Path = Field(Path("torchplay-data"), description="SQLite file, checkpoints, datasets.")
    token: str | None = Field(None, description="Bearer token every request must carry, if set.")
    insecure_no_auth: bool = Field(False, description="Allow a public bind without a token (explicit opt-out).")
    executor: Literal["local", "ray"] = "local"
    ray_address: str = "auto"
    warm_workers: int = Field(1, ge=0, le=64, description="Worker processes kept ready with torch imported.")
    checkpoint_every: int = Field(10, ge=1, description="Epochs between checkpoints, unless a job says otherwise.")

    max_params: int = Limits.model_fields["max_params"].default
    max_layers: int = Limits.model_fields["max_layers"].default
    max_epochs: int = Limits.model_fields["max_epochs"].default
    max_samples: int = Limits.model_fields["max_samples"].default
    max_batch_size: int = Limits.model_fields["max_batch_size"].default
    max_body_bytes: int = Limits.model_fields["max_body_bytes"].default
    max_upload_bytes: int = Limits.model_fields["max_upload_bytes"].default
    max_queued_jobs: int = Limits.model_fields["max_queued_jobs"].default
    # Two cores here: two jobs at once keeps the page responsive without thrashing.
    max_running_jobs: int = Field(default_factory=lambda: max(1, min(4, (os.cpu_count() or 2))))
    max_ws_message_bytes: int = Limits.model_fields["max_ws_message_bytes"].default
    # permessage-deflate compresses every frame once per viewer: with hundreds of viewers it
    # was three quarters of the server's CPU, taken from training. Worth it on slow links only.
    ws_compression: bool = Field(False, description="Compress WebSocket frames (permessage-deflate).")

    @model_validator(mode="after")
    def _public_bind_needs_token(self) -> Settings:
        if not self.is_loopback and not self.token and not self.insecure_no_auth:
            raise ValueError(
                f"refusing to bind {self.host} without TORCHPLAY_TOKEN: anyone who can reach it could run code-heavy jobs. "
                "Set TORCHPLAY_TOKEN, bind 127.0.0.1, or pass --insecure-no-auth."
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
    def threads_per_job(self) -> int:
        """Torch threads per worker: the cores shared by the jobs that may run at once."""
        return max(1, (os.cpu_count() or 1) // self.max_running_jobs)

    @property
    def limits(self) -> Limits:
        return Limits(**{name: getattr(self, name) for name in Limits.model_fields})

    @property
    def db_path(self) -> Path:
        return self.data_dir / "torchplay.sqlite3"
