"""The designer without training: shape errors in place, the URL hash, languages."""

from __future__ import annotations

import re

import pytest
from page_steps import build, card, cards, choose_dataset, set_training, start, wait_until, wait_valid
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


def test_shape_error_shows_in_the_right_layer_and_disables_start(new_page, shot):
    page = new_page()
    wait_valid(page)
    # The default design is the spiral MLP: Linear 16 · Tanh · Linear 16 · Tanh · Linear 2.
    card(page, 2).locator("[name=in_features]").fill("8")

    bad = card(page, 2)
    expect(bad).to_have_class(re.compile(r"\binvalid\b"))
    expect(bad.locator("[data-testid=layer-error]")).to_contain_text("expected 16")
    expect(bad.locator("[data-field=in_features]")).to_have_class(re.compile(r"server-invalid"))
    for index in (0, 1, 3, 4):
        expect(card(page, index)).not_to_have_class(re.compile(r"\binvalid\b"))
    expect(page.locator("[data-testid=validation-status]")).to_have_attribute("data-state", "invalid")
    expect(page.locator("[data-testid=start]")).to_be_disabled()
    expect(page.locator("[data-testid=start-reason]")).to_be_visible()
    expect(page.locator("[data-testid=diagram] .box.invalid")).to_have_count(1)
    shot(page, "error")

    card(page, 2).locator("[name=in_features]").fill("")
    wait_valid(page)
    expect(bad).not_to_have_class(re.compile(r"\binvalid\b"))
    expect(page.locator("[data-testid=start]")).to_be_enabled()
    # Each count beside the server's formula for it: in × out + out for Linear.
    expect(card(page, 0).locator("[data-testid=layer-params]")).to_have_text("2 × 16 + 16 = 48 params")
    expect(card(page, 1).locator("[data-testid=layer-params]")).to_have_text("0 params")
    expect(page.locator("[data-testid=module-text]")).to_contain_text(
        "(0): Linear(in_features=2, out_features=16, bias=True)"
    )
    shot(page, "formulas")


def test_reloading_with_the_url_hash_restores_the_design(new_page, shot):
    page = new_page()
    choose_dataset(page, "moons", noise=0.2)
    build(page, [("Linear", {"out_features": 8}), ("ReLU", {}), ("Dropout", {}), ("Linear", {"out_features": 2})])
    card(page, 2).locator("[name=p]").fill("0.25")
    page.select_option("[data-testid=optimizer]", "SGD")
    set_training(page, lr=0.05, epochs=50, batch_size=16)
    wait_valid(page)
    wait_until(page, "location.hash.includes('design=')")
    # The hash is written shortly after the last edit.
    page.wait_for_timeout(500)
    link = page.url

    again = new_page(link[link.index("/", len("http://")) :])
    wait_valid(again)
    expect(again.locator("[data-testid=dataset-select]")).to_have_value("moons")
    expect(again.locator("#ds-noise")).to_have_value("0.2")
    expect(cards(again)).to_have_count(4)
    assert [cards(again).nth(i).get_attribute("data-type") for i in range(4)] == ["Linear", "ReLU", "Dropout", "Linear"]
    expect(card(again, 0).locator("[name=out_features]")).to_have_value("8")
    expect(card(again, 2).locator("[name=p]")).to_have_value("0.25")
    expect(card(again, 3).locator("[name=out_features]")).to_have_value("2")
    expect(again.locator("[data-testid=optimizer]")).to_have_value("SGD")
    expect(again.locator("#train-optimizer-lr")).to_have_value("0.05")
    expect(again.locator("#train-epochs")).to_have_value("50")
    expect(again.locator("#train-batch_size")).to_have_value("16")
    expect(again.locator("[data-testid=total-params]")).to_have_text("42 parameters")
    expect(again.locator("[data-testid=memory-estimate]")).to_have_text(re.compile(r"^≈ \d+ MB to train$"))
    shot(again, "restored")


def test_switching_to_chinese_changes_the_labels(new_page, shot):
    page = new_page()
    expect(page.locator("[data-testid=start]")).to_have_text("▶ Start training")
    # A server preset's note is shown in the page's language, and stays open across a switch.
    page.select_option("[data-testid=preset-select]", "spiral-mlp")
    note = page.locator("[data-testid=preset-note]")
    expect(note).to_be_visible()
    english = note.inner_text()
    page.click("[data-testid=lang-zh]")
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(note).to_be_visible()
    assert note.inner_text() != english
    expect(page.locator("[data-testid=start]")).to_have_text("▶ 开始训练")
    expect(page.locator("#dataset-panel .panel-title")).to_have_text("数据")
    # The catalogue's descriptions too: the dataset's and its parameters' help.
    expect(page.locator("#dataset-panel .dataset-description")).to_contain_text("两条交错的螺旋臂")
    expect(page.locator("#dataset-panel .help[data-tip='点数。']")).to_have_count(1)
    expect(page.locator("[data-testid=palette-Linear]")).to_have_attribute("title", re.compile("^全连接层"))
    expect(page.locator("#designer-panel .help[data-tip='输出特征数（神经元个数）。']")).to_have_count(3)
    expect(page.locator("#designer-panel .panel-title")).to_have_text("网络结构")
    expect(page.locator("#jobs-panel .panel-title")).to_have_text("任务列表")
    expect(page.locator("[data-testid=job-empty]")).to_contain_text("还没有正在训练的任务")
    wait_valid(page)
    expect(page.locator("[data-testid=total-params]")).to_have_text("共 354 个参数")
    expect(page.locator("[data-testid=memory-estimate]")).to_have_text(re.compile(r"^训练约需 \d+ MB$"))
    shot(page, "zh")

    # The choice is remembered.
    page.reload()
    page.wait_for_selector("body.ready")
    expect(page.locator("[data-testid=start]")).to_have_text("▶ 开始训练")
    page.click("[data-testid=lang-en]")
    expect(page.locator("[data-testid=start]")).to_have_text("▶ Start training")


def test_layers_are_added_and_reordered_by_drag_keyboard_and_buttons(new_page):
    page = new_page()
    wait_valid(page)

    def types():
        return page.eval_on_selector_all("[data-testid=layer-card]", "cards => cards.map((c) => c.dataset.type)")

    assert types() == ["Linear", "Tanh", "Linear", "Tanh", "Linear"]
    # From the palette onto the top half of the second card: inserted before it.
    page.locator("[data-testid=palette-ReLU]").drag_to(card(page, 1), target_position={"x": 60, "y": 4})
    assert types() == ["Linear", "ReLU", "Tanh", "Linear", "Tanh", "Linear"]
    # A card by its handle onto the bottom half of the third: moved after it.
    bottom = card(page, 2).bounding_box()["height"] - 4
    card(page, 0).locator(".drag-handle").drag_to(card(page, 2), target_position={"x": 60, "y": bottom})
    assert types() == ["ReLU", "Tanh", "Linear", "Linear", "Tanh", "Linear"]
    # Keyboard: the handle moves its card and keeps the focus.
    card(page, 0).locator(".drag-handle").focus()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    assert types() == ["Tanh", "Linear", "ReLU", "Linear", "Tanh", "Linear"]
    # Buttons: duplicate, then remove.
    card(page, 1).locator("[data-testid=duplicate-layer]").click()
    assert types() == ["Tanh", "Linear", "Linear", "ReLU", "Linear", "Tanh", "Linear"]
    card(page, 0).locator("[data-testid=remove-layer]").click()
    assert types() == ["Linear", "Linear", "ReLU", "Linear", "Tanh", "Linear"]
    wait_valid(page)
    expect(page.locator("[data-testid=total-params]")).to_have_text("626 parameters")


TUNED = {
    "name": "tuned",
    "dataset": {"name": "spiral", "params": {"samples": 100}, "test_fraction": 0.25, "seed": 11},
    "model": {
        "layers": [{"type": "Linear", "out_features": 8}, {"type": "Tanh"}, {"type": "Linear", "out_features": 2}]
    },
    "optimizer": {"type": "SGD", "lr": 0.05, "momentum": 0.9},
    "scheduler": {"type": "StepLR", "step_size": 5},
    "epochs": 3,
    "batch_size": None,
    "grad_clip": 0.5,
    "early_stopping": 7,
    "amp": "bf16",  # on a CPU the run notes that it is ignored
    "checkpoint_every": 10,
    "doctor": {"on_finding": "pause", "on_divergence": "rewind", "max_rewinds": 2},
}
# The settings a job request has beyond the dataset and the model, as the form shows them.
TUNED_FORM = {
    "#train-grad_clip": "0.5",
    "#train-early_stopping": "7",
    "#train-amp": "bf16",
    "#train-checkpoint_every": "10",
    "#train-scheduler-type": "StepLR",
    "#train-scheduler-step_size": "5",
    "#train-optimizer-type": "SGD",
    "#train-optimizer-momentum": "0.9",
    "#ds-seed": "11",
    "#ds-test_fraction": "0.25",
    "#train-doctor-on_finding": "pause",
    "#train-doctor-on_divergence": "rewind",
    "#train-doctor-max_rewinds": "2",
}


def test_every_setting_survives_load_design_and_the_link(new_page, page_server, shot):
    """Load design puts all of a job's settings in the form (the advanced ones too), the
    link carries them, and a job started from the link asks for the same."""
    with page_server.api() as client:
        job = client.post("/api/jobs", json=TUNED)
        assert job.status_code == 201, job.text
        first = job.json()["request"]
    page = new_page()
    page.locator(f"[data-testid=job-row][data-id='{job.json()['id']}'] [data-testid=row-load-design]").click()
    for selector, value in TUNED_FORM.items():
        expect(page.locator(selector)).to_have_value(value)
    expect(page.locator("[data-testid=advanced]")).to_have_attribute("open", "")
    expect(page.locator("[data-testid=preview-seed]")).to_have_text("seed 11")
    wait_valid(page)
    shot(page, "loaded")

    page.wait_for_timeout(500)  # the hash is written shortly after the last edit
    link = page.url
    assert "design=" in link
    again = new_page(link[link.index("/", len("http://")) :])
    for selector, value in TUNED_FORM.items():
        expect(again.locator(selector)).to_have_value(value)
    wait_valid(again)
    start(again)
    wait_until(again, "location.hash.includes('job=')")
    started = again.evaluate("location.hash.split('job=')[1].split('&')[0]")
    with page_server.api() as client:
        second = client.get(f"/api/jobs/{started}").json()["request"]
    settings = (
        "grad_clip",
        "early_stopping",
        "amp",
        "checkpoint_every",
        "scheduler",
        "optimizer",
        "epochs",
        "batch_size",
        "doctor",
    )
    for key in settings:
        assert second[key] == first[key], key
    assert second["dataset"] == first["dataset"]
