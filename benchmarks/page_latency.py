"""Click → first chart point, as a person sees it: `python -m benchmarks.page_latency`.

A real `torchplay serve` with a warm pool and Debian's Chromium (headless, through
Playwright) showing the page. Each run clicks "Start training" on the default design
(the spiral MLP) and times, inside the page with `performance.now()`, the click and the
first animation frame in which the loss chart holds a point and the snapshot chart has
drawn. Between runs the job is stopped and the server left to go quiet, so every run
starts from a warm worker, as a user's next click would.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

from tests.e2e.browser import CHROMIUM, CHROMIUM_ARGS

from benchmarks import harness

# Clicks Start, then resolves with ms from the click to: the page showing the new job,
# its first loss point, and its first snapshot drawn.
WATCH = """() => new Promise((resolve) => {
  const jobId = () => document.querySelector('[data-testid=job-name]')?.title ?? null;
  const before = jobId();
  const clicked = performance.now();
  const seen = {};
  const tick = () => {
    const now = performance.now() - clicked;
    if (seen.job === undefined && jobId() && jobId() !== before) seen.job = now; // the page follows the new job
    if (seen.job !== undefined) {
      const loss = document.querySelector('[data-testid=loss-chart]');
      const snap = document.querySelector('[data-testid=snapshot-chart]');
      if (seen.loss === undefined && (loss?.data?.[0]?.x?.length ?? 0) > 0) seen.loss = now;
      if (seen.snapshot === undefined && seen.loss !== undefined && (snap?.data?.length ?? 0) > 0) seen.snapshot = now;
    }
    if (seen.snapshot !== undefined) resolve(seen);
    else requestAnimationFrame(tick);
  };
  document.querySelector('[data-testid=start]').click();
  requestAnimationFrame(tick);
})"""


def main() -> None:
    from playwright.sync_api import sync_playwright

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    server = harness.start_server(Path(tempfile.mkdtemp(prefix="torchplay-page-")))
    results: list[dict[str, float]] = []
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1500, "height": 1000})
            page.goto(f"http://127.0.0.1:{server.port}/")
            page.wait_for_selector("body.ready")
            page.wait_for_selector("[data-testid=start]:enabled")
            for _ in range(args.runs):
                server.wait_quiet()
                seen = page.evaluate(WATCH)
                results.append(seen)
                print(
                    f"click → job shown {seen['job']:.0f} ms, → first loss point {seen['loss']:.0f} ms, "
                    f"→ first snapshot {seen['snapshot']:.0f} ms",
                    flush=True,
                )
                page.click("[data-testid=stop]")
                page.wait_for_selector("[data-testid=start]:enabled")
                time.sleep(0.5)
            browser.close()
    finally:
        server.stop()
    job = [r["job"] for r in results]
    loss = [r["loss"] for r in results]
    snapshot = [r["snapshot"] for r in results]
    summary = {
        "runs": len(results),
        "job_shown_ms": {"median": statistics.median(job), "max": max(job)},
        "first_loss_point_ms": {"median": statistics.median(loss), "max": max(loss)},
        "first_snapshot_ms": {"median": statistics.median(snapshot), "max": max(snapshot)},
    }
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
