"""The exported notebook is valid nbformat 4, runs top to bottom and reproduces the job's first loss."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.export.test_python_export import HOSTILE_NAMES, TINY_REGRESSION, first_epoch_loss
from tests.inprocess import planned
from torchplay.export import notebook
from torchplay.presets import PRESETS


def run_cells(source: str, folder: Path) -> str:
    """The code cells concatenated and run as a script, printing the first epoch's loss."""
    cells = json.loads(source)["cells"]
    code = "\n\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
    (folder / "notebook.py").write_text(code + "\nprint('FIRST', repr(history[0]))\n")
    env = {**os.environ, "MPLBACKEND": "Agg"}
    result = subprocess.run(
        [sys.executable, "notebook.py"], cwd=folder, capture_output=True, text=True, timeout=120, env=env, check=False
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


@pytest.mark.parametrize("name", [HOSTILE_NAMES["double-quotes-LF"], "<img src=x onerror=alert(1)> *$x$* [a](b)"])
def test_notebook_validates_runs_and_matches_the_first_loss(name: str, tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    nbformat = pytest.importorskip("nbformat")
    request = {**TINY_REGRESSION, "name": name}
    data_dir = tmp_path / "data"
    source = notebook(planned(request, data_dir), data_dir, "0123abcd")
    nbformat.validate(nbformat.reads(source, as_version=4))
    cells = json.loads(source)["cells"]
    intro = "".join(cells[0]["source"])
    assert "<img" not in intro and "$x$" not in intro and "[a](b)" not in intro
    folder = tmp_path / "run"
    folder.mkdir()
    out = run_cells(source, folder)
    first = float(out.split("FIRST ")[1].split()[0])
    assert abs(first - first_epoch_loss(request, data_dir)) <= 5e-7
    assert "print(model)" in source and not (folder / "owned").exists()


@pytest.mark.parametrize("preset_id", ["sigmoid-10-5-1", "step-1-2-1"])
def test_the_tutorials_choices_reach_the_notebook(preset_id: str, tmp_path: Path) -> None:
    """Typed targets and a torch draw; the epoch's summed cost in the data's order."""
    pytest.importorskip("matplotlib")
    request = {**PRESETS[preset_id].request, "epochs": 2}
    data_dir = tmp_path / "data"
    source = notebook(planned(request, data_dir), data_dir, "0123abcd")
    folder = tmp_path / "run"
    folder.mkdir()
    first = float(run_cells(source, folder).split("FIRST ")[1].split()[0])
    assert abs(first - first_epoch_loss(request, data_dir)) <= 5e-6 * max(1.0, abs(first))
