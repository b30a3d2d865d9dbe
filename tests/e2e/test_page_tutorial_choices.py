"""A tutorial's unusual-but-valid choices on the page: the new settings are in the training
panel (from the server's schema), the plan's warnings show beside their fields, and the
Code tab offers the notebook."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from page_steps import TRAINING_TIMEOUT_MS, start, wait_until, wait_valid
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


def test_the_inline_sigmoid_preset_shows_its_warning_beside_the_loss(new_page, shot):
    page = new_page()
    page.select_option("[data-testid=preset-select]", "sigmoid-10-5-1")
    wait_valid(page)
    warning = page.locator("[data-testid=warning-loss]")
    expect(warning).to_be_visible()
    expect(warning).to_contain_text("MSELoss on 0/1 targets")
    expect(page.locator("#train-shuffle")).to_have_count(1)  # the schema's field, in the main section
    page.click("[data-testid=advanced] summary")
    expect(page.locator("[data-field=loss_report]")).to_have_count(1)
    expect(page.locator("[data-field=loss_params]")).to_have_count(1)
    shot(page, "tutorial-warning")
    # Accepted, and the job's record carries the warning too.
    start(page)
    expect(page.locator("[data-testid=job-warnings]")).to_contain_text("loss: MSELoss on 0/1 targets")
    # The tutorial's plot: actual against predicted by sample index, beside the confusion matrix.
    expect(page.locator("[data-testid=job-status]")).to_have_attribute(
        "data-status", "completed", timeout=TRAINING_TIMEOUT_MS
    )
    wait_until(
        page,
        "(() => { const d = document.querySelector('[data-testid=snapshot-chart]')?.data ?? [];"
        " return d.length === 3 && d[1].y.join() === '1,0,0,1,1,1,0,0,1,1' && d[2].y.length === 10"
        " && d[2].y.every((p) => p > 0 && p < 1); })()",
    )
    shot(page, "by-index")


def test_a_print_only_example_says_so(new_page):
    page = new_page()
    page.select_option("[data-testid=preset-select]", "regression-2-2-1")
    expect(page.locator("[data-testid=preset-design-only]")).to_contain_text("print(model)")
    wait_valid(page)
    expect(page.locator("[data-testid=total-params]")).to_have_text("9 parameters")


def test_unshuffled_batches_warn_beside_the_switch(new_page, shot):
    page = new_page()
    page.select_option("[data-testid=preset-select]", "step-1-2-1")
    wait_valid(page)
    expect(page.locator("[data-testid=warning-shuffle]")).to_contain_text("data's own order")
    # The warning runs under the row: the fields beside the switch keep their inputs level.
    tops = page.evaluate(
        "['#train-epochs', '#train-batch_size', '#train-seed'].map((s) => document.querySelector(s).getBoundingClientRect().top)"
    )
    assert max(tops) - min(tops) < 2, tops
    shot(page, "shuffle-warning")


def test_the_code_tab_downloads_the_job_as_a_notebook(new_page):
    page = new_page()
    page.select_option("[data-testid=preset-select]", "simple-linear-model")
    wait_valid(page)
    start(page)
    expect(page.locator("[data-testid=job-status]")).to_have_attribute(
        "data-status", "completed", timeout=TRAINING_TIMEOUT_MS
    )
    page.click("[data-testid=tab-code]")
    button = page.locator("[data-testid=code-notebook]")
    expect(button).to_have_text("Jupyter notebook (.ipynb)")
    with page.expect_download() as downloading:
        button.click()
    download = downloading.value
    assert download.suggested_filename.endswith(".ipynb"), download.suggested_filename
    notebook = json.loads(Path(download.path()).read_text())
    assert notebook["nbformat"] == 4
    code = "".join("".join(cell["source"]) for cell in notebook["cells"] if cell["cell_type"] == "code")
    assert "torch.randn(10, 2)" in code
    # It runs top to bottom, as Jupyter would run its cells, and prints the tutorial's lines.
    script = Path(download.path()).with_suffix(".py")
    script.write_text("\n\n".join("".join(c["source"]) for c in notebook["cells"] if c["cell_type"] == "code"))
    ran = subprocess.run(
        [sys.executable, str(script)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=script.parent,
        env={**os.environ, "MPLBACKEND": "Agg"},
    )
    assert ran.returncode == 0, ran.stderr[-2000:]
    assert "Epoch [100/100], Loss:" in ran.stdout, ran.stdout[-2000:]
