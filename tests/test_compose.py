"""docker-compose.yml validates with `docker-compose config`, in both profiles, and keeps Ray private.

There is no Docker engine here: `config` parses, interpolates and checks the file against
the compose schema, which is what can be tested without one.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
COMPOSE = shutil.which("docker-compose")
pytestmark = pytest.mark.skipif(COMPOSE is None, reason="the docker-compose binary is not installed")

ENV = {"TORCHPLAY_TOKEN": "test-token", "RAY_AUTH_TOKEN": "test-ray-token"}


def _config(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    assert COMPOSE is not None
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("TORCHPLAY_", "RAY_", "COMPOSE_"))}
    return subprocess.run(
        [COMPOSE, "--project-directory", str(ROOT), "-f", str(ROOT / "docker-compose.yml"), *args, "config"],
        env={**clean, **(env if env is not None else ENV)},
        capture_output=True,
        text=True,
        timeout=60,
    )


def _services(*args: str) -> dict[str, Any]:
    result = _config(*args)
    assert result.returncode == 0, result.stderr
    return yaml.safe_load(result.stdout)["services"]


def test_default_profile_is_the_app_on_loopback() -> None:
    services = _services()
    app = services["app"]
    assert app.get("profiles") is None  # starts with a plain `docker-compose up`
    assert app["ports"] == ["127.0.0.1:8000:8000/tcp"] or app["ports"] == ["127.0.0.1:8000:8000"]
    assert any(str(v).endswith(":/data:rw") or str(v).endswith(":/data") for v in app["volumes"])
    assert app["environment"]["TORCHPLAY_EXECUTOR"] == "local"
    assert app["build"]["args"]["TORCH_INDEX"].endswith("/cpu")  # CPU torch unless asked


def test_ray_profile_adds_head_and_gpu_worker_with_private_ports() -> None:
    services = _services("--profile", "ray")
    assert {"app", "ray-head", "ray-worker"} <= set(services)
    for name in ("ray-head", "ray-worker"):
        service = services[name]
        assert service["profiles"] == ["ray"]
        assert not service.get("ports"), f"{name} publishes a Ray port"
        assert set(service["networks"]) == {"private"}
        assert service["environment"]["RAY_AUTH_MODE"] == "token"
        assert service["environment"]["RAY_AUTH_TOKEN"] == "test-ray-token"
    assert "--include-dashboard=false" in services["ray-head"]["command"]
    devices = services["ray-worker"]["deploy"]["resources"]["reservations"]["devices"]
    assert devices[0]["capabilities"] == ["gpu"]
    app = services["app"]
    assert set(app["networks"]) == {"private"}
    assert app["environment"]["RAY_HEAD_ADDRESS"] == "ray-head:6379"
    assert app["environment"]["RAY_AUTH_MODE"] == "token"


def test_the_app_token_is_required() -> None:
    result = _config(env={})
    assert result.returncode != 0
    assert "TORCHPLAY_TOKEN" in result.stderr
