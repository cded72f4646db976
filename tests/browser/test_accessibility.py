"""Accessibility: an axe-core audit of the main pages, the narrowest screen, and the keyboard."""

import json
import re
from urllib.parse import quote

import pytest
from playwright.sync_api import Page, expect

from tests.support import ROOT, Server

pytestmark = pytest.mark.browser

AXE = ROOT / "frontend" / "node_modules" / "axe-core" / "axe.min.js"
DEMO = "gradient-descent"
SHORT_RUN = {"function": "quadratic", "speed": 0, "steps": 20}
BLOCKING = {"serious", "critical"}


def audit(page: Page) -> None:
    """Run axe on the page as it is; fail on any serious or critical violation, listing them."""
    if not AXE.exists():
        pytest.skip("no axe-core: run `npm install` in frontend/")
    if not page.evaluate("() => 'axe' in window"):
        # Evaluated by the browser's devtools, not as a <script>: the UI's CSP refuses those.
        page.evaluate(AXE.read_text() + "\n;undefined")
    violations = page.evaluate(
        """async () => {
            const result = await axe.run(document, { resultTypes: ["violations"] });
            return result.violations.map((v) => ({
                id: v.id,
                impact: v.impact,
                help: v.help,
                targets: v.nodes.map((n) => n.target.join(" ")),
            }));
        }"""
    )
    blocking = [v for v in violations if v["impact"] in BLOCKING]
    report = "\n".join(
        f"- {v['id']} ({v['impact']}): {v['help']}\n    " + "\n    ".join(v["targets"][:10])
        for v in violations
    )
    assert not blocking, f"axe found violations on {page.url}:\n{report}"


def test_the_catalogue_passes_axe(page: Page, server: Server) -> None:
    page.goto(server.url + "/")
    expect(page.get_by_role("heading", name="Demos", exact=True)).to_be_visible()
    page.wait_for_function(
        "() => [...document.querySelectorAll('.card img')].every((i) => i.complete)"
    )
    audit(page)


def test_the_demo_page_passes_axe_idle_and_after_a_run(page: Page, server: Server, shoot) -> None:
    page.goto(f"{server.url}/demos/{DEMO}")
    expect(page.get_by_role("button", name="Train")).to_be_enabled()
    audit(page)

    job = server.create(DEMO, SHORT_RUN)
    server.wait_done(job["id"])
    page.goto(f"{server.url}/jobs/{job['id']}")
    expect(page.get_by_text("Finished at step 20")).to_be_visible()
    expect(page.locator('[data-frame="surface"] canvas').first).to_be_attached()
    audit(page)
    shoot(page, "01-finished")


def test_the_style_transfer_pickers_pass_axe(page: Page, server: Server) -> None:
    page.goto(f"{server.url}/demos/style-transfer")
    expect(page.locator("fieldset.image-picker").first).to_be_visible()
    page.wait_for_function(
        "() => [...document.querySelectorAll('.image-option img')].every((i) => i.complete)"
    )
    audit(page)


def test_the_demo_page_fits_1024_wide_and_trains_from_the_keyboard(
    page: Page, server: Server, shoot
) -> None:
    page.set_viewport_size({"width": 1024, "height": 768})
    slow = SHORT_RUN | {"steps": 200, "speed": 10}  # still running while it is audited
    page.goto(f"{server.url}/demos/{DEMO}?params={quote(json.dumps(slow))}")
    train = page.get_by_role("button", name="Train")
    expect(train).to_be_enabled()
    assert page.evaluate("() => document.documentElement.scrollWidth <= innerWidth")

    # from the top of the page, Tab reaches Train (skip link, brand, breadcrumb, then the form)
    page.locator("body").focus()
    for _ in range(10):
        page.keyboard.press("Tab")
        if train.evaluate("(button) => button === document.activeElement"):
            break
    else:
        pytest.fail("ten presses of Tab did not reach the Train button")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/jobs/[0-9a-f]+$"))
    job_id = page.url.rsplit("/", 1)[1]
    # while it runs, the live settings are marked and the rest locked: audit that state too
    expect(page.locator(".live-tag.active").first).to_be_visible()
    audit(page)
    shoot(page, "01-running")
    with server.client() as client:
        client.post(f"/api/jobs/{job_id}/cancel")
    assert server.wait_done(job_id)["status"] in {"cancelled", "succeeded"}
