"""The job's tools on the page: the CNN snapshot, Code, Predict, History, Inside, Compare.

The jobs are posted once for the module (small: a CNN on 200 `shapes` images, two MLPs
on 200 spiral points, the 32-feature MLP preset for two epochs) and trained before the first test; each test opens a fresh page.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from page_steps import wait_until
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.e2e

# The first predict starts the inference process, which imports torch: as slow as a cold worker.
PREDICT_TIMEOUT_MS = 75_000

CNN = {
    "name": "cnn-shapes",
    "dataset": {"name": "shapes", "params": {"samples": 200}, "test_fraction": 0.2},
    "model": {
        "layers": [
            {"type": "Conv2d", "out_channels": 4, "kernel_size": 3},
            {"type": "ReLU"},
            {"type": "MaxPool2d", "kernel_size": 2},
            {"type": "Flatten"},
            {"type": "Linear", "out_features": 5},
        ]
    },
    "task": "classification",
    "loss": "CrossEntropyLoss",
    "optimizer": {"type": "Adam", "lr": 0.01},
    "epochs": 3,
    "batch_size": 64,
    "seed": 0,
}


def spiral(name: str, lr: float) -> dict:
    return {
        "name": name,
        "dataset": {"name": "spiral", "params": {"samples": 200}, "test_fraction": 0.2},
        "model": {
            "layers": [
                {"type": "Linear", "out_features": 8},
                {"type": "Tanh"},
                {"type": "Linear", "out_features": 2},
            ]
        },
        "task": "classification",
        "loss": "CrossEntropyLoss",
        "optimizer": {"type": "Adam", "lr": lr},
        "epochs": 60,
        "batch_size": None,
        "seed": 0,
        "snapshot_every": 1,  # the trainer still keeps them ≥ 0.1 s apart
    }


@pytest.fixture(scope="module")
def jobs(page_server: Any) -> Iterator[dict[str, str]]:
    """name → id of four trained jobs; deleted after the module."""
    page_server.delete_all_jobs()
    with page_server.api() as client:
        # The 32-feature MLP preset: its dataset's catalogue default has 2 features.
        mlp = {**client.get("/api/presets/mlp-32-64-32-1").json()["request"], "epochs": 2}
        ids = {}
        for request in (CNN, spiral("spiral-a", 0.05), spiral("spiral-b", 0.005), mlp):
            response = client.post("/api/jobs", json=request)
            assert response.status_code == 201, response.text
            ids[request["name"]] = response.json()["id"]
        deadline = time.monotonic() + 120
        for job_id in ids.values():
            while (status := client.get(f"/api/jobs/{job_id}").json()["status"]) not in ("completed", "failed"):
                assert time.monotonic() < deadline, f"job {job_id} still {status}"
                time.sleep(0.2)
            assert status == "completed", client.get(f"/api/jobs/{job_id}").json()["error"]
    yield ids
    page_server.delete_all_jobs()


@pytest.fixture
def open_page(page_factory: Callable[..., Page], jobs: dict[str, str]) -> Callable[[str], Page]:
    """open_page(job name): a fresh page watching that job (the module's jobs stay)."""

    def make(name: str) -> Page:
        page = page_factory()
        page.click(f"[data-testid=job-row][data-id='{jobs[name]}']")
        expect(page.locator("[data-testid=job-status]")).to_have_attribute("data-status", "completed")
        return page

    return make


def open_tab(page: Page, tab: str) -> None:
    page.click(f"[data-testid=tab-{tab}]")
    expect(page.locator(f"[data-testid=tab-{tab}]")).to_have_attribute("aria-selected", "true")


def test_cnn_snapshot_shows_test_images_and_confusion(open_page, shot):
    page = open_page("cnn-shapes")
    chart = page.locator("[data-testid=snapshot-chart]")
    expect(chart).to_have_attribute("data-kind", "images")
    expect(chart.locator("[data-testid=snapshot-images] canvas")).to_have_count(16)
    # Every tile is labelled "predicted · true <class>".
    expect(chart.locator(".snap-cell figcaption").first).to_contain_text("true")
    wait_until(page, "document.querySelector('[data-testid=snapshot-confusion]')?.data?.[0]?.z?.length === 5")
    page.locator("[data-testid=snapshot-chart]").scroll_into_view_if_needed()
    shot(page, "snapshot")


def test_code_tab_shows_the_script(open_page, shot):
    page = open_page("cnn-shapes")
    open_tab(page, "code")
    source = page.locator("[data-testid=code-source]")
    expect(source).to_contain_text("class ")
    expect(source).to_contain_text("def forward")
    expect(source.locator(".tok-keyword").first).to_be_visible()
    # Weights are offered for a finished job, as links with the format in the query.
    expect(page.locator(".code-tab-weights a")).to_have_count(3)
    shot(page, "code")

    # The tabs and the open tab follow the language.
    page.click("[data-testid=lang-zh]")
    expect(page.locator("[data-testid=tab-code]")).to_have_text("代码")
    expect(page.locator("[data-testid=code-copy]")).to_have_text("复制")
    expect(page.locator("[data-testid=code-source]")).to_contain_text("def forward")


def test_draw_on_the_canvas_gives_probabilities(open_page, shot):
    page = open_page("cnn-shapes")
    open_tab(page, "predict")
    canvas = page.locator("[data-testid=predict-canvas]")
    canvas.scroll_into_view_if_needed()  # the mouse draws at viewport coordinates
    box = canvas.bounding_box()
    cx, cy, r = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2, box["width"] / 4
    page.mouse.move(cx - r, cy - r)
    page.mouse.down()
    for x, y in ((cx + r, cy - r), (cx + r, cy + r), (cx - r, cy + r), (cx - r, cy - r)):  # a square
        page.mouse.move(x, y, steps=6)
    page.mouse.up()
    wait_until(
        page,
        "document.querySelector('[data-testid=predict-probabilities]')?.data?.[0]?.y?.length === 5",
        timeout=PREDICT_TIMEOUT_MS,
    )
    bars = page.evaluate("document.querySelector('[data-testid=predict-probabilities]').data[0]")
    assert bars["x"] == ["circle", "square", "triangle", "cross", "ring"]
    assert abs(sum(bars["y"]) - 1) < 1e-3
    expect(page.locator(".predict-status")).to_contain_text("predicted")
    shot(page, "predict")


def test_predict_takes_the_input_shape_the_job_was_planned_with(open_page, shot):
    """The 32-feature preset gets a 32-feature input (not the 2-D plane its dataset's
    default parameters would give), and predicting with it works."""
    page = open_page("mlp-32-64-32-1")
    open_tab(page, "predict")
    expect(page.locator("[data-testid=predict]")).to_have_attribute("data-kind", "json")
    expect(page.locator("[data-testid=predict-plane]")).to_have_count(0)
    expect(page.locator("[data-testid=predict-shape]")).to_contain_text("n×32")
    assert json.loads(page.locator("[data-testid=predict-json]").input_value()) == [[0] * 32]
    page.click("[data-testid=predict-run]")
    wait_until(
        page,
        "document.querySelector('[data-testid=predict-probabilities]')?.data?.[0]?.y?.length === 1",
        timeout=PREDICT_TIMEOUT_MS,
    )
    expect(page.locator(".predict-status")).to_have_text("")  # no error
    shot(page, "predict-32")


def test_scrubbing_history_changes_the_snapshot(open_page, shot):
    page = open_page("spiral-a")
    open_tab(page, "history")
    slider = page.locator("[data-testid=scrubber-slider]")
    chart = page.locator("[data-testid=scrubber-chart]")
    expect(chart).to_have_attribute("data-epoch", "60")  # starts at the last snapshot
    last = _heatmap(page)
    assert int(slider.get_attribute("max")) >= 1  # the first and the last epoch at least

    slider.focus()
    page.keyboard.press("Home")
    expect(chart).to_have_attribute("data-epoch", "1")
    expect(page.locator(".scrubber-epoch")).to_have_text("epoch 1")
    assert _heatmap(page) != last
    shot(page, "history")
    page.keyboard.press("End")
    expect(chart).to_have_attribute("data-epoch", "60")


def test_history_follows_a_running_job(page_factory, page_server, jobs, shot):
    """Opened mid-run, History grows with the stream and shows the newest snapshot; moved
    back by the reader, it stays where they put it while new ones keep arriving."""
    with page_server.api() as client:
        job_id = client.post("/api/jobs", json={**spiral("running", 0.01), "epochs": 100_000}).json()["id"]
    try:
        page = page_factory()
        page.click(f"[data-testid=job-row][data-id='{job_id}']")
        expect(page.locator("[data-testid=job-status]")).to_have_attribute("data-status", "running")
        open_tab(page, "history")
        chart = page.locator("[data-testid=scrubber-chart]")
        slider = page.locator("[data-testid=scrubber-slider]")
        expect(chart).to_have_attribute("data-epoch", re.compile(r"\d+"))
        first = int(chart.get_attribute("data-epoch"))
        wait_until(page, f"Number(document.querySelector('[data-testid=scrubber-chart]').dataset.epoch) > {first}")
        grown = int(slider.get_attribute("max"))
        assert grown >= 1
        shot(page, "history-live")

        slider.focus()
        page.keyboard.press("Home")
        held = chart.get_attribute("data-epoch")
        wait_until(page, f"Number(document.querySelector('[data-testid=scrubber-slider]').max) > {grown + 2}")
        assert chart.get_attribute("data-epoch") == held
        assert slider.input_value() == "0"
    finally:
        with page_server.api() as client:
            client.delete(f"/api/jobs/{job_id}")


def test_plane_click_and_inside_for_a_2d_model(open_page, shot):
    page = open_page("spiral-a")
    open_tab(page, "predict")
    page.locator("[data-testid=predict-plane]").click(position={"x": 60, "y": 60})
    wait_until(
        page,
        "document.querySelector('[data-testid=predict-probabilities]')?.data?.[0]?.y?.length === 2",
        timeout=PREDICT_TIMEOUT_MS,
    )

    open_tab(page, "inside")
    # One thumbnail per hidden neuron of each layer, and the per-layer norms chart.
    expect(page.locator(".internals-pictures canvas").first).to_be_visible()
    wait_until(page, "(document.querySelector('[data-testid=internals-norms]')?.data?.length ?? 0) >= 2")
    shot(page, "inside")


def test_compare_two_jobs_overlays_their_curves(open_page, jobs, shot):
    page = open_page("spiral-a")
    for name in ("spiral-a", "spiral-b"):
        page.locator(f"[data-testid=job-row][data-id='{jobs[name]}'] [data-testid=compare-pick]").check()
    expect(page.locator("[data-testid=compare-open]")).to_have_text("Compare (2)")
    page.click("[data-testid=compare-open]")
    expect(page.locator("[data-testid=compare-panel]")).to_be_visible()
    wait_until(page, "(document.querySelector('[data-testid=compare-loss-chart]')?.data?.length ?? 0) >= 2")
    traces = page.evaluate(
        "document.querySelector('[data-testid=compare-loss-chart]').data.map((t) => [t.meta, t.line.dash ?? null])"
    )
    train = {job for job, dash in traces if dash is None}
    assert train == {jobs["spiral-a"], jobs["spiral-b"]}
    # The learning rate differs, the dataset does not.
    expect(page.locator("[data-testid=compare-table] tr[data-row=optimizer]")).to_have_class("differs")
    expect(page.locator("[data-testid=compare-table] tr[data-row=dataset]")).not_to_have_class("differs")
    page.locator("[data-testid=compare-panel]").scroll_into_view_if_needed()
    shot(page, "compare", full_page=True)

    page.click("[data-testid=compare-close]")
    expect(page.locator("[data-testid=compare-panel]")).to_be_hidden()


def _heatmap(page: Page) -> str:
    return page.evaluate(
        "JSON.stringify(document.querySelector('[data-testid=scrubber-chart]').data.find((t) => t.type === 'heatmap').z)"
    )
