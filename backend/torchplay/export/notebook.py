"""A job as a Jupyter notebook (`GET /api/jobs/{id}/export?format=ipynb`, nbformat 4).

The tutorial's steps as cells: an introduction, the settings, the data, the model class,
`print(model)`, the loss, the optimizer, the training loop, the evaluation, then a loss
curve and a prediction plot with matplotlib. The code cells are the exported script's own
parts (`export.python.script_pieces`), at the notebook's top level instead of inside
`main()`, so run top to bottom they print the same first loss as the script and the job.

Every value from the request reaches the notebook through `export.literals`: code cells as
the script writes them, markdown cells through `markdown_text`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from torchplay.export.literals import literal, markdown_text, number
from torchplay.export.loop_code import Step
from torchplay.export.python import ScriptPieces, script_filename, script_pieces
from torchplay.planning import PlannedJob
from torchplay.spec.tasks import threshold

MEDIA_TYPE = "application/x-ipynb+json"
NBFORMAT, NBFORMAT_MINOR = 4, 5  # 4.5: cells carry an `id`
PLOTTED_ROWS = 100  # samples the prediction plot draws

_HEADINGS = {
    "data": "## 1. The data\n\nThe dataset drawn and split exactly as the job's, targets in the loss's format.",
    "model": "## 3. `print(model)`\n\nThe model built after `torch.manual_seed(SEED)`: the job's initial weights.",
    "loss": "## 4. The loss",
    "optimizer": "## 5. The optimizer",
    "training": "## 6. The training loop\n\nEach step: `zero_grad()`, forward, loss, `backward()`, `step()`.",
    "evaluation": "## 7. Evaluation\n\n`model.eval()` and `torch.no_grad()`: dropout off, batch norm frozen, no graph.",
}


def notebook(plan: PlannedJob, data_dir: Path, job_id: str | None = None) -> str:
    """The job's notebook (nbformat 4 JSON)."""
    pieces = script_pieces(plan, data_dir)
    cells: list[dict[str, Any]] = [_markdown(_introduction(plan, job_id))]
    cells.append(_code(pieces.imports + "\n\n" + pieces.settings))
    for step in pieces.steps:
        if step.name == "model":  # the class before the step that builds and prints it
            cells += [_markdown("## 2. The model class"), _code("\n\n\n".join(pieces.models))]
        cells.append(_markdown(_HEADINGS[step.name]))
        cells.append(_code(_step_code(step, pieces if step.name == "data" else None)))
    cells += [_markdown("## 8. The loss curve"), _code(_loss_curve())]
    cells += [_markdown("## 9. Predictions"), _code(_prediction_plot(plan))]
    for i, cell in enumerate(cells):
        cell["id"] = f"cell-{i}"
    document = {
        "cells": cells,
        "metadata": {
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "language_info": {"name": "python"},
        },
        "nbformat": NBFORMAT,
        "nbformat_minor": NBFORMAT_MINOR,
    }
    return json.dumps(document, indent=1, ensure_ascii=False) + "\n"


def notebook_filename(request: dict[str, Any], job_id: str) -> str:
    return script_filename(request, job_id).removesuffix(".py") + ".ipynb"


def _introduction(plan: PlannedJob, job_id: str | None) -> str:
    job = plan.request
    source = f"torchplay job `{markdown_text(job_id)}`" if job_id else "a torchplay job"
    return "\n".join(
        [
            f"# {markdown_text(job.name or 'torchplay')}",
            "",
            f"Exported from {source}: dataset **{markdown_text(job.dataset.name)}**, task "
            f"**{markdown_text(plan.task)}**, loss **{markdown_text(plan.loss)}**, optimizer "
            f"**{markdown_text(job.optimizer.type)}**, {job.epochs} epochs.",
            "",
            "Run the cells top to bottom (needs torch, numpy and matplotlib). On the CPU and with the same",
            "seeds the first epoch prints the job's first train loss.",
        ]
    )


def _step_code(step: Step, pieces: ScriptPieces | None) -> str:
    """A step's helpers and statements at the notebook's top level (out of `main()`)."""
    lines = [line[4:] if line.startswith("    ") else line for line in step.lines]
    parts = [*([pieces.data] if pieces is not None else []), *step.helpers, "\n".join(lines)]
    return "\n\n\n".join(parts)


def _loss_curve() -> str:
    return "\n".join(
        [
            "import matplotlib.pyplot as plt",
            "",
            "plt.figure(figsize=(6, 4))",
            "plt.plot(range(1, len(history) + 1), history)",
            'plt.xlabel("epoch")',
            'plt.ylabel("train loss")',
            'plt.title("Loss curve")',
            "plt.show()",
        ]
    )


def _prediction_plot(plan: PlannedJob) -> str:
    """What the model predicts: a 1-D fit drawn over its inputs, otherwise actual against
    predicted by sample index (a class for classifiers); a GAN's samples over the data."""
    if plan.task == "gan":
        return _gan_plot(plan)
    head = [
        "model.eval()",
        "with torch.no_grad():",
        f"    xs, actual = x_train[:{PLOTTED_ROWS}], y_train[:{PLOTTED_ROWS}]",
        "    out = model(xs)",
    ]
    if plan.task == "classification":
        predicted = ["predicted = out.argmax(dim=1)", 'ylabel = "class"']
    elif plan.task == "binary":
        squash = "torch.sigmoid(out)" if threshold(plan.loss) == 0.0 else "out"  # logits → probabilities
        predicted = [f"predicted = {squash}.reshape(-1)", "actual = actual.reshape(-1)", 'ylabel = "target"']
    elif plan.task == "reconstruction":
        predicted = [
            "actual, predicted = xs[0].flatten(), out[0].flatten()  # the first sample, value by value",
            'ylabel = "value"',
        ]
    else:
        predicted = ["predicted, actual = out.reshape(len(out), -1)[:, 0], actual.reshape(len(actual), -1)[:, 0]"]
        predicted.append('ylabel = "target"')
    if plan.task == "regression" and plan.input_shape == [1]:
        return "\n".join(
            [
                *head,
                *predicted,
                "order = xs[:, 0].argsort()",
                "plt.figure(figsize=(6, 4))",
                'plt.scatter(xs[:, 0].cpu(), actual.cpu(), label="data")',
                'plt.plot(xs[order, 0].cpu(), predicted[order].cpu(), color="C1", label="model")',
                'plt.xlabel("x")',
                "plt.ylabel(ylabel)",
                "plt.legend()",
                "plt.show()",
            ]
        )
    xlabel = literal("value index" if plan.task == "reconstruction" else "sample")
    return "\n".join(
        [
            *head,
            *predicted,
            "plt.figure(figsize=(6, 4))",
            'plt.plot(actual.cpu(), "o", label="actual")',
            'plt.plot(predicted.cpu(), "x", label="predicted")',
            f"plt.xlabel({xlabel})",
            "plt.ylabel(ylabel)",
            "plt.legend()",
            "plt.show()",
        ]
    )


def _gan_plot(plan: PlannedJob) -> str:
    shown = number(PLOTTED_ROWS * 5)
    draw = (
        [
            'plt.scatter(x_train[:, 0].cpu(), x_train[:, 1].cpu(), s=5, label="data")',
            'plt.scatter(fake[:, 0].cpu(), fake[:, 1].cpu(), s=5, label="generated")',
        ]
        if plan.input_shape == [2]
        else [
            'plt.hist(x_train.flatten().cpu(), bins=50, alpha=0.5, label="data")',
            'plt.hist(fake.flatten().cpu(), bins=50, alpha=0.5, label="generated")',
        ]
    )
    return "\n".join(
        [
            "generator.eval()",
            "with torch.no_grad():",
            f"    fake = generator(torch.randn({shown}, LATENT_DIM, device=DEVICE))",
            "plt.figure(figsize=(5, 5))",
            *draw,
            "plt.legend()",
            "plt.show()",
        ]
    )


def _lines(text: str) -> list[str]:
    return text.splitlines(keepends=True)


def _code(source: str) -> dict[str, Any]:
    return {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [], "source": _lines(source)}


def _markdown(source: str) -> dict[str, Any]:
    return {"cell_type": "markdown", "metadata": {}, "source": _lines(source)}
