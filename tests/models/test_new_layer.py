"""A new layer is one entry: one class added to `spec/layers.py`, and nothing else edited.

The test copies the package, adds a layer torchplay does not have (`nn.PReLU`, whose
constructor takes its arguments positionally, with a name stem of its own), starts a
server on the copy, and finds the layer everywhere a layer shows: the `/api/layers`
catalogue, validation, a trained job (the builder), the exported script (its constructor
call and attribute name), the script's first loss, the weights' keys and the layer names.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from safetensors.torch import load as load_safetensors

from tests.conftest import spiral_job, start_server
from torchplay.spec import LAYERS

PACKAGE = Path(__file__).resolve().parents[2] / "backend" / "torchplay"
ENTRY = """
class PReLU(LayerBase):
    type: Literal["PReLU"] = "PReLU"
    category: ClassVar[str] = "activation"
    description: ClassVar[str] = "max(0, x) + a·min(0, x), the slope a learned."
    positional: ClassVar[tuple[str, ...]] = ("num_parameters", "init")
    name_prefix: ClassVar[str] = "act"
    num_parameters: int = Field(1, ge=1, le=1_000_000, description="Slopes learned: 1, or one per channel.")
    init: float = Field(0.25, ge=0.0, le=1.0, description="The slope it starts from.")


"""
LAYERS_WITH_PRELU = [
    {"type": "Linear", "out_features": 8},
    {"type": "PReLU", "init": 0.1},
    {"type": "Linear", "out_features": 2},
]


def _package_with_the_new_layer(root: Path) -> Path:
    copy = root / "backend" / "torchplay"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    layers = copy / "spec" / "layers.py"
    text = layers.read_text()
    union = text.index("# --- the union")
    layers.write_text(text[:union] + ENTRY.lstrip("\n") + text[union:])  # the one edit
    return copy.parent


def test_one_class_in_spec_layers_adds_a_layer_everywhere(tmp_path: Path) -> None:
    assert "PReLU" not in LAYERS  # the edit below is what adds it
    backend = _package_with_the_new_layer(tmp_path)
    env = {"PYTHONPATH": os.pathsep.join(p for p in (str(backend), os.environ.get("PYTHONPATH", "")) if p)}
    server = start_server(tmp_path / "data", env=env)
    try:
        with server.client() as client:
            layers = {layer["type"]: layer for layer in client.get("/api/layers").json()}
            assert layers["PReLU"]["category"] == "activation"
            assert [p["name"] for p in layers["PReLU"]["params"]] == ["num_parameters", "init"]

            checked = client.post(
                "/api/models/validate", json={"model": {"layers": LAYERS_WITH_PRELU}, "dataset": {"name": "spiral"}}
            )
            assert checked.status_code == 200, checked.text
            assert [layer["params"] for layer in checked.json()["layers"]] == [24, 1, 18]

            created = client.post("/api/jobs", json=spiral_job(epochs=2, model={"layers": LAYERS_WITH_PRELU}))
            assert created.status_code == 201, created.text
            job_id = created.json()["id"]
            events = server.stream(job_id)
            assert events[-1]["status"] == "completed", events[-1]
            first_loss = next(e["train_loss"] for e in events if e["type"] == "epoch")

            script = client.get(f"/api/jobs/{job_id}/export").text
            assert "self.act1 = nn.PReLU(1, 0.1)" in script and "x = self.act1(x)" in script
            weights = client.get(f"/api/jobs/{job_id}/export", params={"format": "state_dict"}).content
            assert "act1.weight" in load_safetensors(weights)
            names = [layer["name"] for layer in client.get(f"/api/jobs/{job_id}/internals").json()["layers"]["model"]]
            assert names == ["fc1", "act1", "fc2"]
    finally:
        server.stop()

    # The script runs without torchplay and reproduces the job's first epoch.
    path = tmp_path / "exported.py"
    path.write_text(script)
    run = subprocess.run([sys.executable, str(path)], capture_output=True, text=True, timeout=120, check=False)
    assert run.returncode == 0, run.stderr[-2000:]
    match = re.search(r"^Epoch \[1/\d+\], Loss: ([^,\s]+)", run.stdout, re.MULTILINE)
    assert match and abs(float(match.group(1)) - first_loss) <= 1e-4, (run.stdout[-500:], first_loss)
