"""Where Debian's Chromium is and how to launch it headless here (tests and benchmarks).

Without the networking flags it keeps dialling out and fails on a machine with no internet.
"""

from __future__ import annotations

import os
from pathlib import Path

CHROMIUM = Path(os.environ.get("TORCHPLAY_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
