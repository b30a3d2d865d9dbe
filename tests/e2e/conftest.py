"""Browser tests: a real `torchplay serve` subprocess and Debian's headless Chromium.

Never runs `playwright install`: the browser is /usr/bin/chromium. Every test gets a
fresh browser context (clean storage) at 1280×800; screenshots go to
tests/e2e/artifacts/ (git-ignored).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

# The tests import their shared steps as `page_steps`, whether or not tests/ is a package.
sys.path.insert(0, str(Path(__file__).parent))

from browser import CHROMIUM, CHROMIUM_ARGS, report_errors

ARTIFACTS = Path(__file__).parent / "artifacts"
DOCS = Path(__file__).resolve().parents[2] / "docs"
VIEWPORT = {"width": 1280, "height": 800}

# CI machines are small and shared; assertions poll instead of sleeping, so a
# generous ceiling costs nothing when things are fast.
expect.set_options(timeout=15_000)


@dataclass
class PageServer:
    proc: subprocess.Popen[bytes]
    url: str

    def api(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=30)

    def delete_all_jobs(self) -> None:
        with self.api() as client:
            for job in client.get("/api/jobs").json():
                client.delete(f"/api/jobs/{job['id']}")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def page_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PageServer]:
    data_dir = tmp_path_factory.mktemp("e2e-data")
    port = _free_port()
    env = {**os.environ, "TORCHPLAY_DATA_DIR": str(data_dir), "PYTHONUNBUFFERED": "1"}
    log = (data_dir / "server.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "torchplay", "serve", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    server = PageServer(proc, f"http://127.0.0.1:{port}")
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"server exited:\n{(data_dir / 'server.log').read_text()}")
            try:
                if httpx.get(f"{server.url}/api/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("server did not start in 60 s")
            time.sleep(0.1)
        yield server
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.skip(f"no Chromium at {CHROMIUM} (set TORCHPLAY_CHROMIUM)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def open_in_new_context(
    browser: Browser, url: str, errors: list[str], contexts: list[BrowserContext], wait_ready: bool = True
) -> Page:
    """A page at `url` in a fresh context (added to `contexts`); its errors go to `errors`."""
    context = browser.new_context(viewport=VIEWPORT, locale="en-US")
    contexts.append(context)
    page = context.new_page()
    page.set_default_timeout(20_000)
    report_errors(page, errors)
    page.goto(url)
    if wait_ready:
        page.wait_for_selector("body.ready")
    return page


@pytest.fixture
def page_factory(browser: Browser, page_server: PageServer) -> Iterator[Callable[..., Page]]:
    """A factory for pages in fresh contexts; uncaught page errors and CSP violations fail the test."""
    contexts = []
    errors: list[str] = []

    def make(path: str = "/", wait_ready: bool = True) -> Page:
        return open_in_new_context(browser, page_server.url + path, errors, contexts, wait_ready)

    yield make
    for context in contexts:
        context.close()
    assert not errors, f"uncaught errors in the page: {errors}"


@pytest.fixture
def new_page(page_factory: Callable[..., Page], page_server: PageServer) -> Iterator[Callable[..., Page]]:
    """page_factory, and every job deleted afterwards (each test starts from an empty list)."""
    yield page_factory
    page_server.delete_all_jobs()


@pytest.fixture
def shot(request: pytest.FixtureRequest) -> Callable[..., Path]:
    """shot(page, "step") saves artifacts/<test>-<step>.png (full page)."""
    ARTIFACTS.mkdir(exist_ok=True)
    test = request.node.name.removeprefix("test_")

    def save(page: Page, step: str, full_page: bool = True) -> Path:
        path = ARTIFACTS / f"{test}-{step}.png"
        if full_page:
            # A scrolled page would draw the sticky top bar in the middle of the picture.
            page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=str(path), full_page=full_page)
        return path

    return save


@pytest.fixture
def docs_shot() -> Callable[..., None]:
    """docs_shot(page, "name", clip) refreshes docs/<name>.png for the README, only when
    TORCHPLAY_UPDATE_DOCS=1 (so ordinary runs never touch tracked files)."""

    def save(page: Page, name: str, clip: dict[str, float] | None = None) -> None:
        if os.environ.get("TORCHPLAY_UPDATE_DOCS") != "1":
            return
        DOCS.mkdir(exist_ok=True)
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=str(DOCS / f"{name}.png"), clip=clip, full_page=clip is not None)

    return save
