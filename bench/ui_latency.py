"""Latency of the web UI, as a learner feels it, in a real browser (Debian's chromium).

- Train -> first point drawn: from the click on Train to the chart's first draw of a point
  (POST the job, open its stream, receive the first metric, draw it).
- Slider moved -> first point with the new value: from moving a live learning-rate slider to
  the chart's draw of the first step computed with it (the UI gathers slider moves for 50 ms,
  sends the PATCH, the worker applies it at its next step and reports it; the job runs at
  100 steps/s, so up to 10 ms of that is waiting for the next step).

Starts its own server (embedded mode) and needs the built UI (`make frontend`).

    .venv/bin/python bench/ui_latency.py [--runs 20]
"""

import argparse
import json
import platform
import statistics
import sys
import tempfile
from pathlib import Path
from urllib.parse import quote

from playwright.sync_api import Page, sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, VIEWPORT
from tests.support import ROOT, start_server, stop_server

DEMO = "gradient-descent"
SHORT_RUN = {"function": "quadratic", "steps": 5, "speed": 0, "optimizers": [{"name": "gd"}]}
LONG_RUN = {"function": "quadratic", "steps": 100_000, "speed": 100, "optimizers": [{"name": "gd"}]}
SLIDER = '[data-path="optimizers.0.lr"] input[type=range]'

# Clicks Train and resolves with the ms until the run's chart has drawn a point.
TRAIN_TO_FIRST_POINT = """() => new Promise((resolve) => {
  const drawn = () => Number(document.querySelector('.run-panel .chart-host')
    ?.dataset.drawnPoints ?? 0) > 0;
  const started = performance.now();
  const observer = new MutationObserver(() => {
    if (drawn()) { observer.disconnect(); resolve(performance.now() - started); }
  });
  observer.observe(document.body, { subtree: true, childList: true, attributes: true });
  document.querySelector('button[type=submit]').click();
})"""

# Moves the slider to `position` and resolves with the ms until the chart has drawn the step
# at which the change took effect (the step of the new chart mark).
SLIDER_TO_NEW_POINT = """([selector, position]) => new Promise((resolve) => {
  const marks = () => document.querySelectorAll('.run-panel .param-change');
  const before = marks().length;
  const applied = () => {
    if (marks().length <= before) return false;
    const step = Number([...marks()].at(-1).dataset.step);
    const host = document.querySelector('.run-panel .chart-host');
    return Number(host.dataset.lastStep) >= step;
  };
  const started = performance.now();
  const observer = new MutationObserver(() => {
    if (applied()) { observer.disconnect(); resolve(performance.now() - started); }
  });
  observer.observe(document.body, { subtree: true, childList: true, attributes: true });
  const slider = document.querySelector(selector);
  slider.value = String(position);
  slider.dispatchEvent(new Event('input', { bubbles: true }));
})"""


def demo_url(base: str, params: dict) -> str:
    return f"{base}/demos/{DEMO}?params={quote(json.dumps(params))}"


def train_to_first_point(page: Page, base: str, runs: int) -> list[float]:
    timings = []
    for _ in range(runs + 1):  # the first run warms the worker up and is not counted
        page.goto(demo_url(base, SHORT_RUN))
        page.get_by_role("button", name="Train").wait_for()
        timings.append(page.evaluate(TRAIN_TO_FIRST_POINT))
        page.get_by_text("Finished at step").wait_for()
    return timings[1:]


def slider_to_new_point(page: Page, base: str, runs: int) -> list[float]:
    page.goto(demo_url(base, LONG_RUN))
    page.get_by_role("button", name="Train").click()
    page.wait_for_function(
        "() => document.querySelector('.run-panel .chart-host')?.dataset.drawnPoints > 0"
    )
    timings = []
    for i in range(runs):
        timings.append(page.evaluate(SLIDER_TO_NEW_POINT, [SLIDER, 600 + 50 * (i % 2)]))
        page.wait_for_timeout(200)  # separate changes, not one gathered change
    page.get_by_role("button", name="Stop").click()
    return timings


def percentiles(timings: list[float]) -> str:
    cuts = statistics.quantiles(timings, n=100, method="inclusive")
    return f"p50 {cuts[49]:7.1f} ms   p95 {cuts[94]:7.1f} ms   (n={len(timings)})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    if not (ROOT / "frontend" / "dist" / "index.html").exists():
        sys.exit("the UI is not built: run `make frontend` first")
    with tempfile.TemporaryDirectory() as data_dir:
        server = start_server(Path(data_dir))
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
                )
                page = browser.new_page(viewport=VIEWPORT)
                train = train_to_first_point(page, server.url, args.runs)
                slider = slider_to_new_point(page, server.url, args.runs)
                browser.close()
        finally:
            stop_server(server)
    print(
        f"DiveLab UI latency, embedded mode, chromium headless, {platform.node()}, "
        f"{platform.processor() or platform.machine()}"
    )
    print(f"Train -> first point drawn:                {percentiles(train)}")
    print(f"slider moved -> first new-value point drawn: {percentiles(slider)}")


if __name__ == "__main__":
    main()
