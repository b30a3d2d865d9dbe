"""A job as one readable, standalone PyTorch script (`GET /api/jobs/{id}/export?format=python`).

The script is what a tutorial would write: imports, the dataset code, an `nn.Module` with
named layers and a written-out `forward`, the loss, optimizer and scheduler, a training
loop printing every epoch, and an evaluation under `model.eval()` / `torch.no_grad()`.

It mirrors the trainer (`training/supervised.py`, `training/adversarial.py` in the epoch
loop of `training/loop.py`) step for step so that, with the
job's seed, it reproduces the job's first-epoch train loss on the CPU: the dataset is drawn
by torchplay's own generator source and split as `data.load_dataset` does; the weights are
seeded right before the model is built, in the `nn.Sequential`'s layer order; batches are
shuffled by a separate generator seeded the same; losses are averaged weighted by batch size.

The sections are `data_code`, `model_code` and `loop_code`; every value from the request
or a stored upload is written through `export.literals`.
"""

from __future__ import annotations

import ast
import builtins
import keyword
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from torchplay.export.data_code import DataCode
from torchplay.export.literals import comment_text, literal, number
from torchplay.export.loop_code import LoopCode, Step
from torchplay.export.model_code import BLOCKS, ModelCode
from torchplay.export.parts import ScriptParts, Section
from torchplay.planning import PlannedJob


def python_script(plan: PlannedJob, data_dir: Path, job_id: str | None = None) -> str:
    """The job's standalone script (UTF-8 text)."""
    return _Script(plan, data_dir, job_id).render()


def script_filename(request: dict[str, Any], job_id: str) -> str:
    stem = re.sub(r"[^a-z0-9]+", "_", (request.get("name") or "torchplay").lower()).strip("_") or "torchplay"
    return f"{stem}_{job_id[:8]}.py"


@dataclass
class ScriptPieces:
    """The script's parts, in order: what the Python file joins and a notebook's cells hold."""

    imports: str
    settings: str
    data: str
    models: list[str]
    steps: list[Step]
    model_class: str


def script_pieces(plan: PlannedJob, data_dir: Path) -> ScriptPieces:
    return _Script(plan, data_dir, None).pieces()


class _Script(Section):
    """The file: its docstring, settings and sections, in order."""

    def __init__(self, plan: PlannedJob, data_dir: Path, job_id: str | None) -> None:
        super().__init__(ScriptParts(plan, data_dir))
        self.job_id = job_id

    def pieces(self) -> ScriptPieces:
        data_code = DataCode(self.parts).render()
        settings = self._settings()
        # Imports added by the model and training code (`math`) are lowercase: no class name.
        taken = _bound_names(*self.imports, settings, data_code) | set(BLOCKS)
        self.parts.model_class = _class_name(self.job.name or "Net", taken)
        models = ModelCode(self.parts).classes()
        steps = LoopCode(self.parts).steps()
        imports = "\n".join(sorted(self.imports, key=lambda line: (line.startswith("from"), line)))
        return ScriptPieces(imports, settings, data_code, models, steps, self.model_class)

    def render(self) -> str:
        pieces = self.pieces()
        sections = [
            self._docstring(),
            pieces.imports,
            pieces.settings,
            _banner("data") + pieces.data,
            _banner("model") + "\n\n\n".join(pieces.models),
            _banner("training") + LoopCode.main(pieces.steps),
            'if __name__ == "__main__":\n    main()',
        ]
        return "\n\n\n".join(sections) + "\n"

    def _docstring(self) -> str:
        job = self.job
        job_id = comment_text(self.job_id or "")
        source = f"torchplay job {job_id}" if job_id else "a torchplay job"
        weights = (
            f"\nThe trained weights (GET /api/jobs/{job_id}/export?format=state_dict) load into the "
            "model(s) below\nwith `model.load_state_dict(safetensors.torch.load_file(path))`"
            + (" (keys `generator.` / `discriminator.`)." if self.is_gan else ".")
            if self.job_id
            else ""
        )
        return (
            f'"""{comment_text(job.name or "")}: exported from {source}.\n\n'
            f"Dataset '{comment_text(job.dataset.name)}', task '{comment_text(self.task)}', loss "
            f"{comment_text(self.plan.loss)}, optimizer {comment_text(job.optimizer.type)}"
            f", {job.epochs} epochs.\n"
            "Run it as it is: `python this_file.py` (needs torch and numpy). On the CPU and with the same\n"
            "seeds it reproduces the job: epoch 1 prints the job's first train loss."
            f"{weights}\n"
            '"""'
        )

    def _settings(self) -> str:
        job = self.job
        lines = [
            f"SEED = {number(job.seed)}  # the initial weights and the order of the batches",
            f"DATA_SEED = {number(self.plan.data_seed)}  # the dataset's random draw and its train/test split",
            f"TEST_FRACTION = {number(job.dataset.test_fraction)}  # share of the rows held out for validation",
            f"EPOCHS = {number(job.epochs)}",
            f"PRINT_EVERY = {number(job.print_every)}  # epochs between progress lines",
            f"BATCH_SIZE = {literal(job.batch_size)}  # None: the whole training set in one batch",
            'DEVICE = "cpu"  # or "cuda": faster, but the numbers then differ slightly from the CPU run',
        ]
        if job.amp is not None:
            lines.append(
                f"# The job asked for {comment_text(job.amp)} mixed precision (CUDA only); this script trains in float32."
            )
        if self.is_gan:
            latent = self.plan.models["generator"].input_shape[0]
            lines.append(f"LATENT_DIM = {number(latent)}  # size of the generator's noise input")
        return "\n".join(lines)


def _banner(title: str) -> str:
    return f"# --- {title} {'-' * (84 - len(title))}\n\n"


def _class_name(name: str, taken: set[str]) -> str:
    """The job's name in CamelCase (ASCII letters and digits only), suffixed with `Net` where
    it would be a keyword (`None`), a builtin or a name the script already binds (`SEED`)."""
    words = re.findall(r"[A-Za-z0-9]+", name)
    text = "".join(word[:1].upper() + word[1:] for word in words) or "Net"
    text = text if text[0].isalpha() else f"Net{text}"
    while keyword.iskeyword(text) or hasattr(builtins, text) or text in taken:
        text += "Net"
    return text


def _bound_names(*sources: str) -> set[str]:
    """The names module-level code binds: imports, assignments, functions and classes."""
    names: set[str] = set()
    for node in ast.parse("\n".join(sources)).body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names |= {(alias.asname or alias.name).split(".")[0] for alias in node.names}
        elif isinstance(node, ast.Assign):
            names |= {n.id for target in node.targets for n in ast.walk(target) if isinstance(n, ast.Name)}
    return names
