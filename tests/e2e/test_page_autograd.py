"""The Autograd view in the browser: the tutorial's example, stepped through backward,
a mistake shown at its line, and the same page in 简体中文."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.e2e


def open_autograd(page: Page) -> None:
    page.click("[data-testid=view-autograd]")
    expect(page.locator("[data-testid=autograd-view]")).to_be_visible()
    expect(page.locator("#app")).to_be_hidden()
    expect(page.locator("[data-testid=autograd-graph]")).to_be_visible()


def test_the_tutorial_example_and_backward_step_by_step(new_page: Callable[..., Page], shot: Callable) -> None:
    page = new_page()
    open_autograd(page)
    expect(page.locator("[data-testid=autograd-example]")).to_have_value("tutorial-mean")
    expect(page.locator("[data-testid=autograd-note]")).to_contain_text("[4, 8, 12]")
    expect(page.locator("[data-testid=autograd-grad-x]")).to_have_text("x.grad = [6, 8, 10]")
    nodes = page.locator("[data-testid^=autograd-node-]")
    expect(nodes).to_have_count(7)
    expect(page.locator("[data-testid=autograd-graph]")).to_contain_text("MulBackward0")
    expect(page.locator("[data-testid=autograd-step-count]")).to_have_text("backward step 0 of 5")
    expect(page.locator("[data-testid=autograd-edge-grad]")).to_have_count(0)  # no gradient before backward
    shot(page, "forward")

    step = page.locator("[data-testid=autograd-step-next]")
    step.click()  # out: backward() seeds d out/d out = 1
    current = page.locator(".ag-node.current")
    expect(current).to_have_attribute("data-name", "out")
    expect(page.locator("[data-testid=autograd-step-text]")).to_contain_text("∂out/∂out = 1")
    for _ in range(3):
        step.click()
    expect(current).to_have_attribute("data-name", "y")  # y: the two halves of y * y add up
    text = page.locator("[data-testid=autograd-step-text]")
    expect(text).to_contain_text("g · y")
    expect(page.locator("[data-testid=autograd-step-grad]")).to_have_text("[6, 8, 10]")
    shot(page, "step-y")
    step.click()
    expect(current).to_have_attribute("data-name", "x")
    expect(text).to_contain_text("x.grad = [6, 8, 10]")
    expect(step).to_be_disabled()
    page.click("[data-testid=autograd-step-back]")
    expect(current).to_have_attribute("data-name", "y")
    page.click("[data-testid=autograd-step-first]")
    expect(page.locator(".ag-node.current")).to_have_count(0)

    page.click("[data-testid=view-playground]")  # and back: the designer is still there
    expect(page.locator("#app")).to_be_visible()
    expect(page.locator("[data-testid=autograd-view]")).to_be_hidden()


def test_an_edited_program_runs_and_a_mistake_is_shown_at_its_line(
    new_page: Callable[..., Page], shot: Callable
) -> None:
    page = new_page("/?view=autograd")
    expect(page.locator("[data-testid=autograd-graph]")).to_be_visible()
    page.fill("[data-testid=autograd-line-1]", "z = y ** 3")
    page.fill("[data-testid=autograd-line-2]", "out = z.sum()")
    page.click("[data-testid=autograd-run]")
    # d/dx Σ (x + 2)³ = 3 (x + 2)²
    expect(page.locator("[data-testid=autograd-grad-x]")).to_have_text("x.grad = [27, 48, 75]")

    page.fill("[data-testid=autograd-line-1]", "z = y.__class__")
    page.click("[data-testid=autograd-run]")
    expect(page.locator("[data-testid=autograd-error-code-1]")).to_contain_text("may not start with '_'")
    page.fill("[data-testid=autograd-line-1]", "z = y * 2")
    page.fill("[data-testid=autograd-line-2]", "out = z")
    page.click("[data-testid=autograd-run]")
    expect(page.locator("[data-testid=autograd-error-backward]")).to_contain_text("backward() needs a single number")
    expect(page.locator("[data-testid=autograd-error-code-1]")).to_be_empty()
    page.fill("[data-testid=autograd-input-value-0]", "[1, 2")
    page.click("[data-testid=autograd-run]")
    expect(page.locator("[data-testid=autograd-error-input-0]")).to_contain_text("not a number or a list")
    shot(page, "errors")


def test_the_view_in_chinese(new_page: Callable[..., Page], shot: Callable) -> None:
    page = new_page()
    page.click("[data-testid=lang-zh]")
    expect(page.locator("[data-testid=view-autograd]")).to_have_text("自动求导")
    open_autograd(page)
    expect(page.locator("[data-testid=autograd-note]")).to_contain_text("笔误")
    page.select_option("[data-testid=autograd-example]", "neuron")
    expect(page.locator("[data-testid=autograd-grad-w]")).to_contain_text("-0.1872")
    page.click("[data-testid=autograd-step-last]")
    expect(page.locator("[data-testid=autograd-step-text]")).to_contain_text("叶子节点")
    expect(page.locator("[data-testid=autograd-step-count]")).to_have_text("反向传播第 7 步，共 7 步")
    shot(page, "zh")
