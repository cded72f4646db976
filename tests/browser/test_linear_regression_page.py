"""The linear-regression page: the edition presets, a run with a live learning rate and batch
size, ŵ's path drawn over the loss surface and the fit drawn over the data."""

import pytest
from playwright.sync_api import Page, expect

from tests.browser.pages import change_live_params, expect_finished, train
from tests.support import Server

pytestmark = pytest.mark.browser

DEMO = "linear-regression"
SURFACE = "loss over w1, w2 at the true b"
DRAWN_POINTS = (
    "() => Number(document.querySelector('.run-panel .chart-host')?.dataset.drawnPoints ?? 0)"
)


def test_presets_then_a_run_with_live_changes_and_its_pictures(
    page: Page, server: Server, shoot
) -> None:
    page.goto(f"{server.url}/demos/{DEMO}")
    expect(page.get_by_text("Book section")).to_contain_text(
        "3.4 Linear Regression Implementation from Scratch"
    )
    classic = page.get_by_role("button", name="Classic edition (0.14)")
    current = page.get_by_role("button", name="Current edition (d2l.ai)")
    expect(classic).to_have_attribute("aria-pressed", "true")  # the defaults are its settings
    current.click()
    expect(current).to_have_attribute("aria-pressed", "true")
    expect(page.locator("#param-batch_size")).to_have_value("32")
    expect(page.locator("#param-num_val")).to_have_value("1000")
    classic.click()
    expect(page.locator("#param-batch_size")).to_have_value("10")
    shoot(page, "01-demo")

    params = {"epochs": 2, "speed": 40}
    job_id = train(page, server, DEMO, params)
    page.wait_for_function(f"() => ({DRAWN_POINTS})() > 5")

    change_live_params(server, job_id, {"lr": 0.1, "batch_size": 20})
    expect(page.locator(".run-panel .param-change").first).to_contain_text("lr")
    expect_finished(page)
    done = server.wait_done(job_id)
    assert done["status"] == "succeeded", done["error"]
    assert done["summary"]["steps"] < 200  # batches of 20 after the change: fewer steps

    charts = page.locator(".run-panel .chart-group .chart-title")
    expect(charts).to_have_text(["Loss", "Error of the estimates", "Estimates"])
    # ŵ's path is drawn on the surface (a contour map and a 3-D view), not in a panel of its own
    surface = page.locator(f'.frame-panel[data-frame="{SURFACE}"]')
    expect(surface.locator("canvas")).to_have_count(2)
    expect(surface.locator(".trail-legend li")).to_contain_text(["ŵ ("])
    expect(page.locator('.frame-panel[data-frame="path"]')).to_have_count(0)
    for feature in ("x1", "x2"):
        fit = page.locator(f'.frame-panel[data-frame="y against {feature}"]')
        expect(fit.locator("canvas")).to_be_visible()
        expect(fit.locator(".trail-legend li")).to_have_text(
            ["examples (points)", "minibatch (points)", "true model", "fitted model"]
        )
    expect(page.locator(".summary-table")).to_contain_text("error_in_w")
    surface.scroll_into_view_if_needed()
    shoot(page, "02-trained")
