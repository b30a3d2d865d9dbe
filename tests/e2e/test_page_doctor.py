"""The training doctor on the page: a sick network's finding beside its layer, the layers'
distributions growing while it trains and marked at the scrubbed epoch, the rewind policy
chosen in the form, the learning-rate finder and overfitting one batch."""

from __future__ import annotations

import base64
import json
import re
from typing import Any

import pytest
from page_steps import TRAINING_TIMEOUT_MS, job_status, wait_until, wait_valid
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.e2e

# Ten sigmoids deep: the first layer's gradient is a vanishing fraction of its weights.
SIGMOID_CHAIN = {
    "name": "sigmoid chain",
    "dataset": {"name": "spiral", "params": {"samples": 400}, "test_fraction": 0.2},
    "model": {
        "layers": [part for _ in range(10) for part in ({"type": "Linear", "out_features": 16}, {"type": "Sigmoid"})]
        + [{"type": "Linear", "out_features": 2}]
    },
    "optimizer": {"type": "SGD", "lr": 0.1},
    "epochs": 200,
    "batch_size": 32,
    "device": "cpu",
}


def _with_design(request: dict[str, Any]) -> str:
    """The page's address with `request` as its design (a shared link)."""
    token = base64.urlsafe_b64encode(json.dumps(request).encode()).decode().rstrip("=")
    return f"/#design={token}"


def _histogram_epochs(page: Page) -> int:
    return int(page.locator("[data-testid=live-panel] [data-testid=histogram-chart]").get_attribute("data-epochs") or 0)


def test_a_sick_network_shows_its_finding_beside_the_layer_and_its_distributions(new_page, shot):
    # Stopped by the test: it must still be training when Stop is pressed.
    page = new_page(_with_design({**SIGMOID_CHAIN, "epochs": 20_000}))
    wait_valid(page)
    page.click("[data-testid=start]")
    expect(page.locator("[data-testid=job-name]")).to_have_text("sigmoid chain")

    layer0 = page.locator("[data-testid=live-panel] [data-testid=doctor-layer][data-layer='0']")
    expect(layer0.locator("[data-testid=finding-badge][data-kind=vanishing_gradient]")).to_be_visible(
        timeout=TRAINING_TIMEOUT_MS
    )
    expect(layer0).to_contain_text("Linear")
    expect(layer0).to_have_class(re.compile(r"\bhas-finding\b"))
    # The healthy-looking last layer carries no badge.
    expect(page.locator("[data-testid=doctor-layer][data-layer='20'] [data-testid=finding-badge]")).to_have_count(0)
    card = page.locator("[data-testid=finding][data-kind=vanishing_gradient][data-layer='0']")
    expect(card).to_contain_text("layer 0 · Linear")
    explanation_en = card.locator("[data-testid=finding-explanation]").inner_text()
    assert len(explanation_en) > 40 and re.search(r"[a-z]{4}", explanation_en)
    assert card.locator("[data-testid=finding-evidence] dt").count() >= 1
    expect(card.locator("[data-testid=finding-suggestion]")).to_contain_text("Try:")

    # The distributions draw one column per histogram set and grow while the job runs.
    chart = page.locator("[data-testid=live-panel] [data-testid=histogram-chart]")
    wait_until(
        page,
        "Number(document.querySelector('[data-testid=live-panel] [data-testid=histogram-chart]').dataset.epochs) >= 2",
        timeout=TRAINING_TIMEOUT_MS,
    )
    before = _histogram_epochs(page)
    wait_until(
        page,
        f"Number(document.querySelector('[data-testid=live-panel] [data-testid=histogram-chart]').dataset.epochs) > {before}",
        timeout=TRAINING_TIMEOUT_MS,
    )
    assert (
        page.evaluate("document.querySelector('[data-testid=live-panel] [data-testid=histogram-chart]').data[0].type")
        == "heatmap"
    )
    # First a layer with weights; its gradients, then a Sigmoid's activations.
    assert page.locator("[data-testid=live-panel] [data-testid=histogram-layer]").input_value() == "0"
    page.select_option("[data-testid=live-panel] [data-testid=histogram-kind]", "grad")
    z_grad = page.evaluate(
        "JSON.stringify(document.querySelector('[data-testid=live-panel] [data-testid=histogram-chart]').data[0].z)"
    )
    page.select_option("[data-testid=live-panel] [data-testid=histogram-layer]", "1")
    kinds = page.locator("[data-testid=live-panel] [data-testid=histogram-kind] option").evaluate_all(
        "(os) => os.map((o) => o.value)"
    )
    assert kinds == ["activation"]  # a Sigmoid has no weights
    z_act = page.evaluate(
        "JSON.stringify(document.querySelector('[data-testid=live-panel] [data-testid=histogram-chart]').data[0].z)"
    )
    assert z_act != z_grad
    expect(chart).to_have_attribute("data-marked", re.compile(r"^\d+$"))  # the newest epoch, while following
    shot(page, "live-en")

    # History: the scrubbed epoch is marked on the distributions.
    page.click("[data-testid=stop]")
    expect(page.locator("[data-testid=job-status]")).to_have_attribute(
        "data-status", "stopped", timeout=TRAINING_TIMEOUT_MS
    )
    page.click("[data-testid=tab-history]")
    slider = page.locator("[data-testid=scrubber-slider]")
    expect(slider).to_be_visible()
    history_chart = page.locator("[data-testid=tab-panel] [data-testid=histogram-chart]")
    wait_until(
        page,
        "Number(document.querySelector('[data-testid=tab-panel] [data-testid=histogram-chart]')?.dataset.epochs) >= 3",
    )
    slider.evaluate("(el) => { el.value = '0'; el.dispatchEvent(new Event('input')); }")
    scrubbed = page.locator("[data-testid=scrubber-chart]").get_attribute("data-epoch")
    expect(history_chart).to_have_attribute("data-marked", scrubbed)
    slider.evaluate("(el) => { el.value = el.max; el.dispatchEvent(new Event('input')); }")
    last = page.locator("[data-testid=scrubber-chart]").get_attribute("data-epoch")
    assert last != scrubbed
    expect(history_chart).to_have_attribute("data-marked", last)
    shot(page, "history-en")

    # 简体中文: the server's own Chinese words, the page's Chinese labels.
    page.click("[data-testid=tab-live]")
    page.click("[data-testid=lang-zh]")
    expect(card).to_contain_text("第 0 层 · Linear")
    explanation_zh = card.locator("[data-testid=finding-explanation]").inner_text()
    assert explanation_zh != explanation_en and re.search(r"[\u4e00-\u9fff]", explanation_zh)
    expect(layer0.locator("[data-testid=finding-badge]")).to_have_text("梯度消失")
    expect(card.locator("[data-testid=finding-suggestion]")).to_contain_text("建议：")
    shot(page, "live-zh")


def test_the_pause_policy_from_the_form_pauses_at_the_first_finding(new_page, page_server, shot):
    page = new_page(_with_design(SIGMOID_CHAIN))
    wait_valid(page)
    page.select_option("#train-doctor-on_finding", "pause")
    page.click("[data-testid=start]")
    expect(page.locator("[data-testid=job-status]")).to_have_attribute(
        "data-status", "paused", timeout=TRAINING_TIMEOUT_MS
    )
    expect(page.locator("[data-testid=run-note]")).to_contain_text("paused by the training doctor")
    page.click("[data-testid=lang-zh]")  # the server's note in the page's language
    expect(page.locator("[data-testid=run-note]")).to_contain_text("训练医生暂停了训练")
    page.click("[data-testid=lang-en]")
    found = page.locator("[data-testid=finding]")
    expect(found.first).to_be_visible()
    paused_at = int(page.locator("[data-testid=epoch-counter]").inner_text().split(" / ")[0])
    assert paused_at < SIGMOID_CHAIN["epochs"]
    expect(page.locator("[data-testid=resume]")).to_be_enabled()
    job_id = page.locator("[data-testid=job-name]").get_attribute("title")
    with page_server.api() as client:
        assert client.get(f"/api/jobs/{job_id}").json()["request"]["doctor"]["on_finding"] == "pause"

    # The range test of this job's network; its suggestion goes to the job as a live change.
    page.click("[data-testid=job-lr-finder]")
    result = page.locator("[data-testid=job-lr-finder-result]")
    expect(result.locator("[data-testid=lr-finder-chart]")).to_have_attribute(
        "data-points", re.compile(r"^[1-9]\d+$"), timeout=TRAINING_TIMEOUT_MS
    )
    lr = result.locator("[data-testid=lr-suggested]").get_attribute("data-lr")
    assert lr and float(lr) > 0
    shot(page, "job-lr-en")
    result.locator("[data-testid=lr-use]").click()
    page.click("[data-testid=resume]")
    wait_until(
        page,
        "(lr) => (document.querySelector('[data-testid=loss-chart]').layout.annotations ?? [])"
        ".some((a) => a.text === `lr ${lr}`)",
        arg=lr,
        timeout=TRAINING_TIMEOUT_MS,
    )
    page.click("[data-testid=stop]")
    expect(page.locator("[data-testid=job-status]")).to_have_attribute(
        "data-status", "stopped", timeout=TRAINING_TIMEOUT_MS
    )


def test_the_rewind_policy_from_the_form_completes_lr_10_and_marks_the_rewind(new_page, page_server, shot):
    page = new_page()
    wait_valid(page)  # the spiral MLP the page opens with
    page.fill("#train-optimizer-lr", "10")
    page.fill("#train-epochs", "30")
    doctor = page.locator("[data-testid=doctor]").first
    expect(doctor).to_be_visible()
    page.select_option("#train-doctor-on_divergence", "rewind")
    shot(page, "policy-en")
    page.click("[data-testid=start]")
    expect(page.locator("[data-testid=job-status]")).to_have_attribute(
        "data-status", "completed", timeout=TRAINING_TIMEOUT_MS
    )
    loss = page.locator("[data-testid=loss-chart]")
    wait_until(page, "Number(document.querySelector('[data-testid=loss-chart]').dataset.marks) >= 1")
    texts = page.evaluate("document.querySelector('[data-testid=loss-chart]').layout.annotations.map((a) => a.text)")
    assert any(text.startswith("↺ rewound to the start · lr") for text in texts), texts  # lr 10 blows up at once
    assert loss.get_attribute("data-marks")
    # The diverging finding is about the whole run.
    run_badges = page.locator(
        "[data-testid=doctor-layer][data-layer=run] [data-testid=finding-badge][data-kind=diverging]"
    )
    expect(run_badges).to_have_count(1)  # one badge however often it was found
    expect(run_badges).to_be_visible()
    times = int(run_badges.get_attribute("data-times") or 0)
    expect(page.locator("[data-testid=finding][data-kind=diverging]")).to_have_count(times)
    job_id = page.locator("[data-testid=job-name]").get_attribute("title")
    with page_server.api() as client:
        request = client.get(f"/api/jobs/{job_id}").json()["request"]
    assert request["doctor"]["on_divergence"] == "rewind" and request["optimizer"]["lr"] == 10
    assert job_status(page) == "completed"
    shot(page, "rewound-en")


def _checked(new_page, check: str) -> Page:
    """A fresh page (its spiral MLP) with one of the training panel's checks run on its design."""
    page = new_page()
    wait_valid(page)
    page.click(f"[data-testid=doctor-checks] [data-testid={check}]")
    return page


def test_the_lr_finder_draws_its_curve_and_its_lr_goes_into_the_form(new_page, shot):
    page = _checked(new_page, "lr-finder")
    checks = page.locator("[data-testid=doctor-checks]")
    chart = checks.locator("[data-testid=lr-finder-chart]")
    expect(chart).to_have_attribute("data-points", re.compile(r"^[1-9]\d+$"), timeout=TRAINING_TIMEOUT_MS)
    assert chart.evaluate("(el) => el.layout.xaxis.type") == "log"
    suggested = checks.locator("[data-testid=lr-suggested]")
    expect(suggested).to_contain_text("Suggested learning rate")
    lr = suggested.get_attribute("data-lr")
    assert lr and 1e-5 < float(lr) < 10
    assert page.input_value("#train-optimizer-lr") == "0.01"
    checks.locator("[data-testid=lr-use]").click()
    expect(page.locator("#train-optimizer-lr")).to_have_value(lr)
    shot(page, "lr-finder-en")
    page.click("[data-testid=lang-zh]")
    expect(checks.locator("[data-testid=lr-use]")).to_have_text("使用这个学习率")
    expect(suggested).to_contain_text("建议的学习率")
    shot(page, "lr-finder-zh")


def test_overfit_one_batch_passes_for_the_mlp_and_fails_for_a_linear_model(new_page, shot):
    page = _checked(new_page, "overfit-batch")
    verdict = page.locator("[data-testid=overfit-verdict]")
    expect(verdict).to_have_attribute("data-passed", "true", timeout=TRAINING_TIMEOUT_MS)
    expect(verdict).to_contain_text("Passed")
    expect(verdict).to_contain_text("32 rows")

    # One straight line cannot separate a batch of spiral points: it fails, and says why.
    page.click("[data-testid=clear-layers]")
    page.click("[data-testid=palette-Linear]")
    page.locator("[data-testid=layer-card]").first.locator("[name=out_features]").fill("2")
    wait_valid(page)
    expect(verdict).to_be_hidden()  # the old verdict belonged to the old network
    page.click("[data-testid=overfit-batch]")
    expect(verdict).to_have_attribute("data-passed", "false", timeout=TRAINING_TIMEOUT_MS)
    expect(verdict).to_contain_text("Failed")
    explanation = verdict.locator("[data-testid=overfit-explanation]")
    expect(explanation).not_to_be_empty()
    shot(page, "overfit-en")
    page.click("[data-testid=lang-zh]")
    expect(verdict).to_contain_text("未通过")
    assert re.search(r"[\u4e00-\u9fff]", explanation.inner_text())
    shot(page, "overfit-zh")
