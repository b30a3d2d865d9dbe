"""The page against a server with TORCHPLAY_TOKEN: the token dialog, then pause,
step, a live learning-rate change and resume of a training job.

One token-protected server for the module (the interrupted job gets two of its own:
one killed mid-training, one restarted on the same data); the jobs are small spirals."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from browser import report_errors
from page_steps import (
    TRAINING_TIMEOUT_MS,
    loss_points,
    set_training,
    start,
    wait_loss_points,
    wait_until,
    wait_valid,
)
from playwright.sync_api import Browser, Page, expect

from tests.conftest import Server, spiral_job, start_server

pytestmark = pytest.mark.e2e

TOKEN = "s3cret"
VIEWPORT = {"width": 1280, "height": 800}


@pytest.fixture(scope="module")
def token_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    server = start_server(tmp_path_factory.mktemp("e2e-token"), env={"TORCHPLAY_TOKEN": TOKEN})
    try:
        yield server
    finally:
        with server.client() as client:
            for job in client.get("/api/jobs").json():
                client.delete(f"/api/jobs/{job['id']}")
        server.stop()


@pytest.fixture
def open_page(browser: Browser, token_server: Server) -> Iterator[Callable[..., Page]]:
    contexts = []
    errors: list[str] = []

    def make(path: str = "/", server: Server | None = None, before: Callable[[Page], None] | None = None) -> Page:
        """before(page) runs ahead of the first navigation (to watch requests from the start)."""
        context = browser.new_context(viewport=VIEWPORT, locale="en-US")
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(20_000)
        report_errors(page, errors)
        if before is not None:
            before(page)
        page.goto((server or token_server).url + path)
        return page

    yield make
    for context in contexts:
        context.close()
    assert not errors, f"uncaught errors in the page: {errors}"


def epoch(page: Page) -> int:
    text = page.locator("[data-testid=epoch-counter]").inner_text()
    match = re.match(r"\d+", text.replace(",", ""))
    assert match, text
    return int(match.group())


def _descendants(pid: int) -> list[int]:
    """Child processes, recursively (Linux /proc), so a SIGKILLed server's workers can be ended."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):
            for child in (task / "children").read_text().split():
                found += [int(child), *_descendants(int(child))]
    return found


def expect_status(page: Page, status: str) -> None:
    expect(page.locator("[data-testid=job-status]")).to_have_attribute(
        "data-status", status, timeout=TRAINING_TIMEOUT_MS
    )


def test_token_dialog_asks_until_the_token_is_right(open_page, shot):
    page = open_page("/")
    dialog = page.locator("[data-testid=token-dialog]")
    expect(dialog).to_be_visible()
    expect(dialog).to_have_attribute("data-reason", "required")
    expect(page.locator("[data-testid=token-error]")).to_be_hidden()
    shot(page, "asked", full_page=False)

    page.fill("[data-testid=token-input]", "nope")
    page.click("[data-testid=token-submit]")
    expect(dialog).to_have_attribute("data-reason", "wrong")
    expect(dialog).to_be_visible()
    expect(page.locator("[data-testid=token-error]")).to_contain_text("refused")
    assert stored_tokens(page) == [None, None]  # a refused token is never kept
    shot(page, "wrong", full_page=False)

    page.fill("[data-testid=token-input]", TOKEN)
    page.keyboard.press("Enter")
    page.wait_for_selector("body.ready")
    expect(dialog).to_be_hidden()
    assert stored_tokens(page) == [TOKEN, None]  # this tab only, not for good
    expect(page.locator("[data-testid=palette] >> text=Linear").first).to_be_visible()

    # Remembered by the tab: a reload asks nothing.
    page.reload()
    page.wait_for_selector("body.ready")
    expect(dialog).to_be_hidden()


def stored_tokens(page: Page) -> list[str | None]:
    """The token as this tab's sessionStorage and the browser's localStorage hold it."""
    return page.evaluate("[sessionStorage.getItem('torchplay.token'), localStorage.getItem('torchplay.token')]")


def test_a_wrong_token_in_the_url_is_not_kept(open_page, shot):
    page = open_page("/?token=wrong-token&lang=en#x=1")
    dialog = page.locator("[data-testid=token-dialog]")
    expect(dialog).to_have_attribute("data-reason", "wrong")
    assert page.evaluate("location.href").endswith("/?lang=en#x=1")
    assert stored_tokens(page) == [None, None]
    page.reload()  # gone from the address bar and the tab: asked again, from scratch
    expect(dialog).to_have_attribute("data-reason", "required")
    assert stored_tokens(page) == [None, None]


def test_the_token_never_appears_in_a_url(open_page, token_server, shot):
    """Taken from the address bar once; then only in headers: every request, the stream,
    the links on the page and a download carry none, and no Referer goes out."""
    asked: list[tuple[str, str | None]] = []  # (url, referer) of everything the page loads

    def watch(page: Page) -> None:
        # An older page kept the token in localStorage for good: that copy is cleared.
        page.context.add_init_script(
            f"if (location.protocol === 'http:') localStorage.setItem('torchplay.token', '{TOKEN}')"
        )
        page.on("request", lambda request: asked.append((request.url, request.headers.get("referer"))))
        page.on("websocket", lambda ws: asked.append((ws.url, None)))

    page = open_page(f"/?token={TOKEN}&from=mail", before=watch)
    page.wait_for_selector("body.ready")
    expect(page.locator("[data-testid=token-dialog]")).to_be_hidden()
    assert page.evaluate("location.href").split("#")[0] == f"{token_server.url}/?from=mail"
    assert stored_tokens(page) == [TOKEN, None]

    wait_valid(page)
    set_training(page, epochs=30, batch_size="")
    start(page)
    expect_status(page, "completed")  # the jobs list may say so before the stream has drawn
    wait_loss_points(page, 30)
    assert loss_points(page) == 30  # the stream delivered every epoch, once
    assert any("/stream" in url for url, _ in asked)

    page.click("[data-testid=tab-code]")
    links = page.locator(".code-tab-weights a")
    expect(links).to_have_count(3)
    with page.expect_download() as downloading:
        links.filter(has_text="safetensors").click()
    download = downloading.value
    assert download.suggested_filename.endswith(".safetensors"), download.suggested_filename
    content = Path(download.path()).read_bytes()
    header = int.from_bytes(content[:8], "little")  # safetensors: a JSON header, then tensors
    assert content[8 : 8 + header].startswith(b"{") and len(content) > 8 + header
    shot(page, "downloaded", full_page=False)

    hrefs = page.evaluate("[...document.querySelectorAll('a[href]')].map((a) => a.href)")
    assert any("/export?format=" in href for href in hrefs)
    typed, *built = asked  # the address the person opened; then what the page asked for itself
    assert TOKEN in typed[0]
    for url in [page.evaluate("location.href"), *hrefs, *(url for url, _ in built)]:
        assert TOKEN not in url and "token=" not in url, url
    assert [url for url, referer in asked if referer] == []
    page.go_back()  # the address was replaced, not pushed: no history entry holds the token
    assert TOKEN not in page.url, page.url
    with token_server.client() as client:
        for job in client.get("/api/jobs").json():
            client.delete(f"/api/jobs/{job['id']}")


def test_pause_step_change_resume(open_page, token_server, shot):
    page = open_page(f"/?token={TOKEN}")  # the page URL's token is accepted too
    page.wait_for_selector("body.ready")
    expect(page.locator("[data-testid=token-dialog]")).to_be_hidden()
    wait_valid(page)
    set_training(page, epochs=100000, batch_size="")
    for name in ("pause", "resume", "step"):
        expect(page.locator(f"[data-testid={name}]")).to_be_disabled()
    start(page)

    expect_status(page, "running")
    wait_until(page, "parseInt(document.querySelector('[data-testid=epoch-counter]').textContent) >= 2")
    expect(page.locator("[data-testid=resume]")).to_be_disabled()
    expect(page.locator("[data-testid=step]")).to_be_enabled()  # the lifecycle: finish this epoch, then pause
    page.click("[data-testid=pause]")
    expect_status(page, "paused")
    expect(page.locator("[data-testid=pause]")).to_be_disabled()
    expect(page.locator("[data-testid=resume]")).to_be_enabled()
    expect(page.locator("[data-testid=step]")).to_be_enabled()
    expect(page.locator("[data-testid=stop]")).to_be_enabled()

    # Paused: the counter holds (the server agrees) while time passes.
    paused_at = epoch(page)
    page.wait_for_timeout(1000)
    assert epoch(page) == paused_at
    with token_server.client() as client:
        job_id = client.get("/api/jobs").json()[0]["id"]
        assert client.get(f"/api/jobs/{job_id}").json()["epoch"] == paused_at

    # A learning-rate change waits for the next epoch; step runs exactly one.
    page.fill("[data-testid=live-lr]", "0.005")
    page.click("[data-testid=live-lr-apply]")
    page.click("[data-testid=step]")
    expect(page.locator("[data-testid=epoch-counter]")).to_have_text(
        re.compile(rf"^{paused_at + 1}\b"), timeout=TRAINING_TIMEOUT_MS
    )
    expect_status(page, "paused")
    expect(page.locator("[data-testid=loss-chart]")).to_have_attribute("data-marks", "1", timeout=TRAINING_TIMEOUT_MS)
    page.wait_for_timeout(500)
    assert epoch(page) == paused_at + 1
    shot(page, "stepped")

    page.click("[data-testid=resume]")
    expect_status(page, "running")
    wait_until(
        page,
        f"parseInt(document.querySelector('[data-testid=epoch-counter]').textContent) > {paused_at + 2}",
        timeout=TRAINING_TIMEOUT_MS,
    )
    page.click("[data-testid=stop]")
    expect_status(page, "stopped")
    for name in ("pause", "resume", "step", "stop"):
        expect(page.locator(f"[data-testid={name}]")).to_be_disabled()


def test_interrupted_job_resumes_from_its_checkpoint(open_page, tmp_path, shot):
    total_epochs = 300  # long enough that the kill at epoch ≥ 8 lands mid-run on a fast machine
    env = {"TORCHPLAY_TOKEN": TOKEN}
    first = start_server(tmp_path / "data", env=env)
    workers: list[int] = []
    try:
        with first.client() as client:
            job = client.post(
                "/api/jobs", json=spiral_job(epochs=total_epochs, batch_size=320, checkpoint_every=4, snapshot_every=30)
            ).json()
            deadline = time.monotonic() + 60
            while client.get(f"/api/jobs/{job['id']}").json()["epoch"] < 8:
                assert time.monotonic() < deadline, "no 8 epochs in 60 s"
                time.sleep(0.1)
        workers = _descendants(first.proc.pid)
        first.proc.send_signal(signal.SIGKILL)
        first.proc.wait(10)
    finally:
        first.stop()
        # A killed server leaves its worker processes behind; don't leak them.
        for pid in workers:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)

    second = start_server(tmp_path / "data", env=env)
    try:
        with second.client() as client:
            assert client.get(f"/api/jobs/{job['id']}").json()["status"] == "interrupted", "the kill came too late"
        page = open_page(f"/?token={TOKEN}#job={job['id']}", server=second)
        page.wait_for_selector("body.ready")
        expect_status(page, "interrupted")
        for name in ("pause", "step", "stop"):
            expect(page.locator(f"[data-testid={name}]")).to_be_disabled()
        row = page.locator(f"[data-testid=job-row][data-id='{job['id']}']")
        expect(row.locator("[data-testid=row-resume]")).to_be_visible()
        page.click("[data-testid=resume]")

        # The viewer starts over from seq 0: one continuous run, no repeated epochs.
        expect_status(page, "completed")
        xs = page.evaluate("document.querySelector('[data-testid=loss-chart]').data[0].x")
        assert xs == list(range(1, total_epochs + 1)), xs
        expect(page.locator("[data-testid=epoch-counter]")).to_have_text(re.compile(rf"^{total_epochs}\b"))
        expect(row.locator("[data-testid=row-resume]")).to_have_count(0)
        shot(page, "resumed", full_page=False)
        with second.client() as client:
            client.delete(f"/api/jobs/{job['id']}")
    finally:
        second.stop()
