"""User text in the charts stays text: a job and a CSV class named like markup show
literally in Plotly's legends, ticks and hovers, and make no link inside a plot."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from page_steps import wait_until
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.e2e

MARKUP = '<a href="javascript:alert(1)">x</a><b>bold</b> %{x}'


def _csv() -> bytes:
    rows = ["x0,x1,label"]
    for i in range(60):  # two blobs, one class each
        side = i % 2
        rows.append(f"{side * 2 + (i % 7) * 0.05},{side * 2 - (i % 5) * 0.05},{MARKUP if side else 'plain'}")
    return ("\n".join(rows) + "\n").encode()


@pytest.fixture(scope="module")
def jobs(page_server: Any) -> Iterator[dict[str, str]]:
    """A job named like markup on a CSV whose class is named like markup, and a plain one."""
    page_server.delete_all_jobs()
    with page_server.api() as client:
        uploaded = client.post(
            "/api/datasets", files={"file": ("markup.csv", _csv(), "text/csv")}, data={"target": "label"}
        )
        assert uploaded.status_code == 201, uploaded.text
        ids = {}
        for name in (MARKUP, "plain-job"):
            request = {
                "name": name,
                "dataset": {"name": uploaded.json()["name"]},
                "model": {
                    "layers": [
                        {"type": "Linear", "out_features": 8},
                        {"type": "Tanh"},
                        {"type": "Linear", "out_features": 2},
                    ]
                },
                "epochs": 15,
                "seed": 0,
            }
            created = client.post("/api/jobs", json=request)
            assert created.status_code == 201, created.text
            ids[name] = created.json()["id"]
        deadline = time.monotonic() + 120
        for job_id in ids.values():
            while (status := client.get(f"/api/jobs/{job_id}").json()["status"]) != "completed":
                assert status in ("queued", "running") and time.monotonic() < deadline, status
                time.sleep(0.2)
    yield ids
    page_server.delete_all_jobs()


def _shows_literally(page: Page, chart: str, where: str) -> None:
    """The chart's `where` texts include MARKUP as typed, and the plot holds no link or bold."""
    wait_until(page, f"document.querySelector('{chart}')?.querySelector('{where}') !== null")
    texts = page.evaluate(
        f"[...document.querySelector('{chart}').querySelectorAll('{where}')].map((e) => e.textContent)"
    )
    assert any(MARKUP in text for text in texts), texts
    assert page.locator(f"{chart} a").count() == 0
    assert page.locator(f"{chart} [style*='bold']").count() == 0


def test_markup_names_show_as_text_in_legend_and_hover(
    page_factory: Callable[..., Page], jobs: dict[str, str], shot: Callable[..., Any]
) -> None:
    page = page_factory()
    page.click(f"[data-testid=job-row][data-id='{jobs[MARKUP]}']")
    expect(page.locator("[data-testid=job-status]")).to_have_attribute("data-status", "completed")
    snapshot = "[data-testid=snapshot-chart]"
    expect(page.locator(snapshot)).to_have_attribute("data-kind", "decision_boundary")
    _shows_literally(page, snapshot, ".legendtext")
    # Hover a training point of the markup class: the label reads as typed too.
    index = page.evaluate(
        f"document.querySelector('{snapshot}').data.findIndex((t) => t.mode === 'markers' && t.name.includes('javascript'))"
    )
    assert index > 0
    page.evaluate(f"Plotly.Fx.hover(document.querySelector('{snapshot}'), [{{curveNumber: {index}, pointNumber: 0}}])")
    _shows_literally(page, snapshot, ".hoverlayer .hovertext")
    shot(page, "snapshot")

    for job_id in jobs.values():
        page.locator(f"[data-testid=job-row][data-id='{job_id}'] [data-testid=compare-pick]").check()
    page.click("[data-testid=compare-open]")
    _shows_literally(page, "[data-testid=compare-loss-chart]", ".legendtext")
    page.locator("[data-testid=compare-panel]").scroll_into_view_if_needed()
    shot(page, "compare", full_page=True)
