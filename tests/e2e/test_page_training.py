"""Train from the page: live loss and decision boundary, stop, and a dropped stream."""

from __future__ import annotations

import pytest
from page_steps import (
    TRAINING_TIMEOUT_MS,
    build,
    card,
    cards,
    choose_dataset,
    heatmap,
    job_status,
    loss_points,
    set_training,
    start,
    wait_loss_points,
    wait_until,
    wait_valid,
)
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

SPIRAL_MLP = [
    ("Linear", {"out_features": 16}),
    ("Tanh", {}),
    ("Linear", {"out_features": 16}),
    ("Tanh", {}),
    ("Linear", {"out_features": 2}),
]


def test_spiral_mlp_trains_live(new_page, shot, docs_shot):
    page = new_page()
    choose_dataset(page, "spiral", samples=200)
    build(page, SPIRAL_MLP)
    wait_valid(page)

    shapes = [card(page, i).locator("[data-testid=layer-shape]").inner_text() for i in range(5)]
    assert shapes == ["16", "16", "16", "16", "2"]
    # 2·16+16 + 16·16+16 + 16·2+2
    expect(page.locator("[data-testid=total-params]")).to_have_text("354 parameters")
    expect(page.locator("[data-testid=output-shape]")).to_have_text("2")
    expect(page.locator("[data-testid=diagram]")).to_have_attribute("data-mode", "neurons")
    shot(page, "designer")
    docs_shot(page, "designer")

    # Full batch keeps epochs cheap on a busy CI machine.
    set_training(page, epochs=5000, lr=0.03, batch_size="")
    start(page)
    wait_loss_points(page, 10)
    wait_until(
        page,
        "document.querySelector('[data-testid=snapshot-chart]').data?.some((t) => t.type === 'heatmap')",
        timeout=TRAINING_TIMEOUT_MS,
    )
    first = heatmap(page)
    wait_until(
        page,
        "(z) => { const el = document.querySelector('[data-testid=snapshot-chart]');"
        " const t = el.data.find((t) => t.type === 'heatmap'); return JSON.stringify(t.z) !== z; }",
        arg=first,
        timeout=TRAINING_TIMEOUT_MS,
    )
    assert job_status(page) == "running"
    assert loss_points(page) >= 10
    # One point per epoch, in order: nothing was drawn twice.
    epochs = page.evaluate("document.querySelector('[data-testid=loss-chart]').data[0].x")
    assert epochs == list(range(1, len(epochs) + 1))
    expect(page.locator("[data-testid=job-row]")).to_have_count(1)
    shot(page, "training")
    docs_shot(page, "training", clip=_training_clip(page))


def test_stop_from_the_page(new_page, shot):
    page = new_page()
    choose_dataset(page, "moons", samples=100)
    build(page, [("Linear", {"out_features": 8}), ("ReLU", {}), ("Linear", {"out_features": 2})])
    wait_valid(page)
    set_training(page, epochs=100000, batch_size="")
    start(page)
    wait_loss_points(page, 2)
    assert job_status(page) == "running"

    page.click("[data-testid=stop]")
    expect(page.locator("[data-testid=job-status]")).to_have_attribute("data-status", "stopped", timeout=30_000)
    expect(page.locator("[data-testid=job-row]").first).to_have_attribute("data-status", "stopped", timeout=10_000)
    expect(page.locator("[data-testid=stop]")).to_be_disabled()
    expect(page.locator("[data-testid=start]")).to_be_enabled()
    shot(page, "stopped")


def test_dropped_stream_reconnects_without_duplicates(new_page, shot):
    """The page's WebSocket is cut after its first frames; it reconnects with ?since=<last seq>.

    The job is long enough that the cut lands mid-training even on a slow machine.
    """
    page = new_page(wait_ready=False)
    urls: list[str] = []
    relayed = {"frames": 0}

    def relay(ws):
        urls.append(ws.url)
        server = ws.connect_to_server()
        first_connection = len(urls) == 1

        def forward(message):
            ws.send(message)
            relayed["frames"] += 1
            if first_connection and relayed["frames"] >= 2:
                ws.close(code=1011, reason="test drops the connection")

        server.on_message(forward)

    page.route_web_socket("**/api/jobs/*/stream*", relay)
    page.reload()
    page.wait_for_selector("body.ready")
    choose_dataset(page, "moons", samples=100)
    build(page, [("Linear", {"out_features": 8}), ("Tanh", {}), ("Linear", {"out_features": 2})])
    wait_valid(page)
    set_training(page, epochs=400, batch_size="")
    start(page)

    expect(page.locator("[data-testid=job-status]")).to_have_attribute(
        "data-status", "completed", timeout=TRAINING_TIMEOUT_MS
    )
    assert len(urls) >= 2, urls
    assert urls[0].endswith("since=0")
    assert not urls[1].endswith("since=0"), urls
    epochs = page.evaluate("document.querySelector('[data-testid=loss-chart]').data[0].x")
    assert epochs == list(range(1, 401))
    shot(page, "reconnected")


def _training_clip(page):
    """The network and the live charts side by side."""
    designer = page.locator("#designer-panel").bounding_box()
    job = page.locator("#job-view").bounding_box()
    top = job["y"] - 12
    return {
        "x": designer["x"] - 12,
        "y": top,
        "width": job["x"] + job["width"] + 12 - (designer["x"] - 12),
        "height": job["height"] + 24,
    }


def test_compile_switch_reaches_the_job_and_its_result_shows(new_page, shot):
    """Advanced → "Compile the step: on" sends `compile: true`; the page shows what the worker did."""
    page = new_page()
    choose_dataset(page, "moons", samples=100)
    build(page, [("Linear", {"out_features": 8}), ("Tanh", {}), ("Linear", {"out_features": 2})])
    page.select_option("[data-testid=optimizer]", "SGD")
    set_training(page, epochs=30, batch_size=8)
    page.click(".advanced summary")
    page.select_option("[data-testid=compile]", "on")
    wait_valid(page)
    start(page)
    note = page.locator("[data-testid=run-note]")
    expect(note).to_contain_text("torch.compile", timeout=TRAINING_TIMEOUT_MS)
    expect(page.locator("[data-testid=job-status]")).to_have_attribute(
        "data-status", "completed", timeout=TRAINING_TIMEOUT_MS
    )
    record = page.evaluate(
        "async () => (await (await fetch('/api/jobs/' + location.hash.split('job=')[1].split('&')[0])).json()).request"
    )
    assert record["compile"] is True and record["optimizer"]["type"] == "SGD"
    shot(page, "compiled")


def test_the_gan_preset_loads_both_nets_and_trains(new_page, page_server, shot):
    page = new_page()
    page.select_option("[data-testid=preset-select]", "gan-ring")
    tabs = page.locator("[data-testid=net-tabs]")
    expect(tabs).to_be_visible()
    expect(page.locator("[data-testid=net-generator]")).to_have_attribute("aria-selected", "true")
    expect(cards(page)).to_have_count(5)
    expect(page.locator("[data-testid=input-shape]")).to_have_text("8")  # the latent vector
    wait_valid(page)
    # Generator 8→32→32→2 and discriminator 2→32→32→1.
    expect(page.locator("[data-testid=total-params]")).to_have_text("2595 parameters")
    expect(page.locator("[data-testid=output-shape]")).to_have_text("2")

    page.click("[data-testid=net-discriminator]")
    expect(page.locator("[data-testid=net-discriminator]")).to_have_attribute("aria-selected", "true")
    expect(card(page, 1)).to_have_attribute("data-type", "LeakyReLU")
    expect(page.locator("[data-testid=input-shape]")).to_have_text("2")
    expect(page.locator("[data-testid=output-shape]")).to_have_text("1")
    # The GAN's own setting: a smaller latent vector shrinks the generator's first layer.
    page.fill("#gan-latent_dim", "4")
    expect(page.locator("[data-testid=total-params]")).to_have_text("2467 parameters")
    shot(page, "designer")

    set_training(page, epochs=100000)
    start(page)
    wait_loss_points(page, 3)
    chart = page.locator("[data-testid=snapshot-chart]")
    expect(chart).to_have_attribute("data-kind", "samples", timeout=TRAINING_TIMEOUT_MS)
    first = int(chart.get_attribute("data-epoch"))
    wait_until(
        page,
        f"Number(document.querySelector('[data-testid=snapshot-chart]').dataset.epoch) > {first}",
        timeout=TRAINING_TIMEOUT_MS,
    )
    points = loss_points(page)
    wait_loss_points(page, points + 3)
    assert job_status(page) == "running"
    shot(page, "training")
    with page_server.api() as client:
        job_id = page.evaluate("location.hash.split('job=')[1].split('&')[0]")
        model = client.get(f"/api/jobs/{job_id}").json()["request"]["model"]
    assert [len(model[net]["layers"]) for net in ("generator", "discriminator")] == [5, 5]
    assert model["latent_dim"] == 4
