"""The polynomial-fit page: its card, the book's fits as presets, a short fit with the curve over
the data and the weights drawn, then the complexity sweep drawn point by point."""

import pytest
from playwright.sync_api import Page, expect

from tests.browser.pages import (
    expect_catalogue_card,
    expect_every_picture_drawn,
    expect_finished,
    train,
)
from tests.support import Server

pytestmark = pytest.mark.browser

SHORT_FIT = {"num_features": 4, "epochs": 60, "speed": 100}  # 600 steps
SHORT_SWEEP = {"mode": "sweep", "epochs": 30}  # 20 fits of 300 steps, flat out
SWEEP = "loss against the number of features"


def test_the_card_names_both_editions_and_zefs_guide(page: Page, server: Server) -> None:
    expect_catalogue_card(
        page,
        server,
        title="Polynomial fitting: underfitting and overfitting",
        section="3.6 Generalization",
        edition="0.14 edition: 4.4 Model Selection, Underfitting, and Overfitting",
        zefs="Generalization and overfitting",
    )


def test_a_fit_then_a_sweep(page: Page, server: Server, shoot) -> None:
    page.goto(f"{server.url}/demos/polynomial-fit")
    overfitting = page.locator('button.preset[data-preset="overfitting"]')
    overfitting.click()
    expect(overfitting).to_have_attribute("aria-pressed", "true")
    expect(page.locator("#param-num_features")).to_have_value("20")
    expect(page.locator("#param-epochs")).to_have_value("1500")
    tips = page.get_by_role("region", name="What to try")
    expect(tips).to_contain_text("and train (or pick the complexity-sweep preset): one job fits")
    shoot(page, "01-demo")

    train(page, server, "polynomial-fit", SHORT_FIT)
    expect_finished(page, 600)
    charts = page.locator(".run-panel .chart-group")
    expect(charts.locator(".chart-title")).to_have_text(["Loss"])
    fit = page.locator('.frame-panel[data-frame="fit"]')
    expect(fit.locator("canvas")).to_be_visible()
    expect(fit.locator(".trail-legend li")).to_have_text(
        ["training examples (points)", "test examples (points)", "true cubic", "fitted, 4 features"]
    )
    weights = page.locator('.frame-panel[data-frame="weights"]')
    expect(weights).to_have_attribute("data-kind", "bars")
    expect(weights.locator("canvas").first).to_be_visible()
    expect_every_picture_drawn(page)
    expect(page.locator(".summary-table")).to_contain_text("lstsq_test_loss")
    fit.scroll_into_view_if_needed()
    shoot(page, "02-fit")

    train(page, server, "polynomial-fit", SHORT_SWEEP)
    expect_finished(page, 20)
    swept = page.locator(f'.frame-panel[data-frame="{SWEEP}"]')
    expect(swept.locator("canvas")).to_be_visible()
    expect(swept.locator(".trail-legend li")).to_have_text(
        [
            "training loss (SGD)",
            "test loss (SGD)",
            "training loss (least squares)",
            "test loss (least squares)",
        ]
    )
    expect(page.locator(".summary-table")).to_contain_text("best_num_features")
    expect_every_picture_drawn(page)
    swept.scroll_into_view_if_needed()
    shoot(page, "03-sweep")
