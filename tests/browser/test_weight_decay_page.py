"""The weight-decay page: its card, the edition presets, a run whose λ is raised while it trains
(the weights and their histogram drawn), then the λ sweep on its log axis."""

import pytest
from playwright.sync_api import Page, expect

from tests.browser.pages import (
    change_live_params,
    expect_catalogue_card,
    expect_every_picture_drawn,
    expect_finished,
    train,
)
from tests.support import Server

pytestmark = pytest.mark.browser

DEMO = "weight-decay"
WATCHED = {"epochs": 100, "speed": 25}  # 400 steps, about 4 s
SWEEP = "loss and ‖w‖ against λ"


def test_the_card_names_both_editions_and_zefs_guide(page: Page, server: Server) -> None:
    expect_catalogue_card(
        page,
        server,
        title="Weight decay: shrinking the weights",
        section="3.7 Weight Decay",
        edition="0.14 edition: 4.5 Weight Decay",
        zefs="Regularization",
    )


def test_a_live_weight_decay_then_a_sweep(page: Page, server: Server, shoot) -> None:
    page.goto(f"{server.url}/demos/{DEMO}")
    classic = page.get_by_role("button", name="Classic edition (0.14)")
    current = page.get_by_role("button", name="Current edition (d2l.ai)")
    expect(classic).to_have_attribute("aria-pressed", "true")  # the defaults are its settings
    current.click()
    expect(page.locator("#param-init_std")).to_have_value("0.01")
    expect(page.locator("#param-epochs")).to_have_value("10")
    classic.click()
    expect(page.locator("#param-lr")).to_have_value("0.003")
    shoot(page, "01-demo")

    job_id = train(page, server, DEMO, WATCHED)
    weights = page.locator('.frame-panel[data-frame="weights"]')
    expect(weights.locator("canvas").first).to_be_visible()
    change_live_params(server, job_id, {"weight_decay": 3.0})
    expect(page.locator(".run-panel .param-change").first).to_contain_text("weight_decay")
    expect_finished(page, 400)
    done = server.wait_done(job_id)
    assert done["status"] == "succeeded", done["error"]
    assert done["summary"]["weight_decay"] == 3.0 and done["summary"]["w_norm"] < 10

    charts = page.locator(".run-panel .chart-group")
    expect(charts.locator(".chart-title")).to_have_text(
        ["Loss", "Size of w: ‖w‖ (the classic edition's “L2 norm”), ‖w‖²/2 (the current one's)"]
    )
    expect(charts.nth(1).locator(".legend-label")).to_have_text(["w_norm", "w_half_squared_norm"])
    expect(weights).to_have_attribute("data-kind", "bars")
    histogram = page.locator('.frame-panel[data-frame="weight distribution"]')
    expect(histogram).to_have_attribute("data-kind", "bars")
    expect(histogram.locator("canvas").first).to_be_visible()
    expect_every_picture_drawn(page)
    weights.scroll_into_view_if_needed()
    shoot(page, "02-decayed")

    train(page, server, DEMO, {"mode": "sweep"})
    expect_finished(page, 12)
    swept = page.locator(f'.frame-panel[data-frame="{SWEEP}"]')
    expect(swept.locator("canvas")).to_be_visible()
    expect(swept.locator(".trail-legend li")).to_have_text(
        [
            "training loss",
            "test loss",
            "‖w‖",
            "training loss at λ = 0",
            "test loss at λ = 0",
            "‖w‖ at λ = 0",
        ]
    )
    expect_every_picture_drawn(page)
    swept.scroll_into_view_if_needed()
    shoot(page, "03-sweep")
