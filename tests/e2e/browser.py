"""Where Debian's Chromium is and how to launch it headless here (tests and benchmarks),
and what a page must never report.

Without the networking flags it keeps dialling out and fails on a machine with no internet.
"""

from __future__ import annotations

import os
from pathlib import Path

from playwright.sync_api import ConsoleMessage, Page

CHROMIUM = Path(os.environ.get("TORCHPLAY_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


def report_errors(page: Page, errors: list[str]) -> None:
    """Uncaught exceptions and Content-Security-Policy violations (Chromium logs those as
    console errors) go to `errors`: the server's policy must let the whole page run."""

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error" and "Content Security Policy" in message.text:
            errors.append(message.text)

    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", on_console)
