"""What the tests do on the page, by name, so the tests read as steps."""

from __future__ import annotations

import json
import time
from typing import Any

from playwright.sync_api import Page, expect

# Training under a loaded CI machine: a cold worker process imports torch first.
TRAINING_TIMEOUT_MS = 75_000


def wait_until(page: Page, expression: str, arg: Any = None, timeout: float = 20_000) -> Any:
    """`page.wait_for_function`, polled from here: that one evaluates its expression with
    `eval` inside the page, which the page's Content-Security-Policy forbids."""
    deadline = time.monotonic() + timeout / 1000
    while not (value := page.evaluate(expression, arg)):
        if time.monotonic() > deadline:
            raise AssertionError(f"not true after {timeout / 1000:.0f} s: {expression}")
        page.wait_for_timeout(100)
    return value


def cards(page: Page):
    return page.locator("[data-testid=layer-card]")


def card(page: Page, index: int):
    return cards(page).nth(index)


def wait_valid(page: Page) -> None:
    expect(page.locator("[data-testid=validation-status]")).to_have_attribute("data-state", "ok")


def choose_dataset(page: Page, name: str, **params: Any) -> None:
    page.select_option("[data-testid=dataset-select]", name)
    for key, value in params.items():
        page.fill(f"#ds-{key}", str(value))


def build(page: Page, layers: list[tuple[str, dict[str, Any]]]) -> None:
    page.click("[data-testid=clear-layers]")
    expect(cards(page)).to_have_count(0)
    for i, (layer_type, params) in enumerate(layers):
        page.click(f"[data-testid=palette-{layer_type}]")
        expect(cards(page)).to_have_count(i + 1)
        for name, value in params.items():
            card(page, i).locator(f"[name={name}]").fill(str(value))


def set_training(page: Page, **values: Any) -> None:
    """Fill training fields by name; `lr` is the optimizer's (the form nests it there)."""
    for name, value in values.items():
        page.fill(f"#train-optimizer-{name}" if name == "lr" else f"#train-{name}", str(value))


def start(page: Page) -> None:
    button = page.locator("[data-testid=start]")
    expect(button).to_be_enabled()
    button.click()
    expect(page.locator("[data-testid=job-name]")).to_be_visible()


def loss_points(page: Page) -> int:
    return page.evaluate("document.querySelector('[data-testid=loss-chart]').data?.[0]?.x?.length ?? 0")


def wait_loss_points(page: Page, n: int) -> None:
    wait_until(
        page,
        f"(document.querySelector('[data-testid=loss-chart]').data?.[0]?.x?.length ?? 0) >= {n}",
        timeout=TRAINING_TIMEOUT_MS,
    )


def heatmap(page: Page) -> str | None:
    """The decision-boundary probabilities currently drawn, as JSON (None before the first)."""
    z = page.evaluate(
        "(() => { const el = document.querySelector('[data-testid=snapshot-chart]');"
        " const trace = el.data?.find((t) => t.type === 'heatmap'); return trace ? trace.z : null; })()"
    )
    return None if z is None else json.dumps(z)


def job_status(page: Page) -> str | None:
    return page.locator("[data-testid=job-status]").get_attribute("data-status")
