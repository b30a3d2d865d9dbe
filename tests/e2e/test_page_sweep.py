"""The Sweep view in the browser: a 2×2 sweep of a tiny xor design made from the form,
its small multiples drawing live, the results table sorted by a click, and "fork the best"
opening the best member's settings in the designer."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from page_steps import TRAINING_TIMEOUT_MS, card, choose_dataset, set_training, wait_until
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.e2e

EPOCHS = 300


def _column(page: Page, column: str) -> list[str]:
    return page.locator(f"[data-testid=sweep-row] td[data-column='{column}']").all_inner_texts()


def _points(page: Page, number: int) -> int:
    loss = page.locator(f"[data-testid=sweep-card][data-number='{number}'] [data-testid=sweep-card-loss]")
    return int(loss.get_attribute("data-points") or 0)


def test_a_sweep_trains_live_sorts_and_forks_the_best(
    new_page: Callable[..., Page], page_server: Any, shot: Callable
) -> None:
    page = new_page()
    choose_dataset(page, "xor", samples=200)
    set_training(page, epochs=EPOCHS, batch_size=8)
    page.click("[data-testid=view-sweep]")
    expect(page.locator("[data-testid=sweep-view]")).to_be_visible()
    expect(page.locator("#app")).to_be_hidden()

    # A value that cannot be set is refused before anything starts, shown at its axis.
    page.fill("[data-testid=sweep-name]", "xor <b>grid</b>")
    page.fill("[data-testid=sweep-axis-path-0]", "optimizer.lr")
    page.fill("[data-testid=sweep-axis-values-0]", "0.001, 0.1")
    page.click("[data-testid=sweep-add-axis]")
    page.fill("[data-testid=sweep-axis-path-1]", "model.layers.9.out_features")
    page.fill("[data-testid=sweep-axis-values-1]", "2, 8")
    page.click("[data-testid=sweep-create]")
    expect(page.locator("[data-testid=sweep-axis-error-1]")).to_contain_text("no position 9")
    expect(page.locator("[data-testid=sweep-card]")).to_have_count(0)

    page.fill("[data-testid=sweep-axis-path-1]", "model.layers.0.out_features")
    page.click("[data-testid=sweep-create]")
    cards = page.locator("[data-testid=sweep-card]")
    expect(cards).to_have_count(4)
    expect(page.locator("[data-testid=sweep-result] h2")).to_have_text("xor <b>grid</b>")  # text, not markup
    assert "id=" in page.url and "view=sweep" in page.url

    # Live: a member's curve gains points while it trains, and its snapshot is drawn.
    wait_until(
        page,
        f"[...document.querySelectorAll('[data-testid=sweep-card-loss]')].some((el) => +el.dataset.points > 0 && +el.dataset.points < {EPOCHS})",
        timeout=TRAINING_TIMEOUT_MS,
    )
    growing = next(n for n in range(1, 5) if 0 < _points(page, n) < EPOCHS)
    before = _points(page, growing)
    wait_until(
        page,
        f"+document.querySelector(\"[data-testid=sweep-card][data-number='{growing}'] [data-testid=sweep-card-loss]\").dataset.points > {before}",
        timeout=TRAINING_TIMEOUT_MS,
    )
    wait_until(
        page,
        "[...document.querySelectorAll('[data-testid=sweep-card-snapshot]')].some((el) => el.data?.some((t) => t.type === 'heatmap'))",
        timeout=TRAINING_TIMEOUT_MS,
    )
    shot(page, "live")

    expect(page.locator("[data-testid=sweep-status]")).to_have_text("done", timeout=4 * TRAINING_TIMEOUT_MS)
    for number in range(1, 5):
        assert _points(page, number) == EPOCHS
    rows = page.locator("[data-testid=sweep-row]")
    expect(rows).to_have_count(4)
    val = [float(v) for v in _column(page, "val_loss")]
    assert val == sorted(val)  # best first, the default
    page.click("[data-testid=sweep-sort-val_loss]")
    expect(page.locator("[data-testid=sweep-sort-val_loss]")).to_have_attribute("aria-sort", "descending")
    assert [float(v) for v in _column(page, "val_loss")] == sorted(val, reverse=True)
    page.click("[data-testid=sweep-sort-accuracy]")  # accuracy: the highest first
    expect(page.locator("[data-testid=sweep-sort-accuracy]")).to_have_attribute("aria-sort", "descending")
    accuracy = [float(v) for v in _column(page, "accuracy")]
    assert accuracy == sorted(accuracy, reverse=True)
    page.click("[data-testid='sweep-sort-axis:optimizer.lr']")
    assert [float(v) for v in _column(page, "axis:optimizer.lr")] == [0.001, 0.001, 0.1, 0.1]
    expect(page.locator("[data-testid=sweep-scatter]")).to_have_attribute("data-points", "4")
    shot(page, "done")

    # Fork the best (lowest final validation loss): its settings in the designer.
    sweep_id = page.url.split("id=")[1].split("&")[0].split("#")[0]
    with page_server.api() as client:
        members = client.get(f"/api/sweeps/{sweep_id}").json()["members"]
    best = min(members, key=lambda m: m["val_loss"])
    page.click("[data-testid=sweep-fork-best]")
    expect(page.locator("#app")).to_be_visible()
    expect(page.locator("[data-testid=sweep-view]")).to_be_hidden()
    expect(page.locator("#train-optimizer-lr")).to_have_value(str(best["values"]["optimizer.lr"]))
    width = str(best["values"]["model.layers.0.out_features"])
    expect(card(page, 0).locator("[name=out_features]")).to_have_value(width)
    expect(page.locator("#train-epochs")).to_have_value(str(EPOCHS))
    with page_server.api() as client:
        assert client.delete(f"/api/sweeps/{sweep_id}").status_code == 204
