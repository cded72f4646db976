"""The initialization page: its catalogue card, a short run with every picture drawn (the
per-layer gradient norms and the 100-matrix product on log axes, the magnitude heatmaps, the
sigmoid with its vanishing tails), and a preset."""

import re

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

SHORT_RUN = {"steps": 30, "speed": 30}


def test_the_card_names_both_editions_and_zefs_guide(page: Page, server: Server) -> None:
    expect_catalogue_card(
        page,
        server,
        title="Vanishing gradients and initialization",
        section="5.4 Numerical Stability and Initialization",
        edition="0.14 edition: 4.8 Numerical Stability and Initialization",
        zefs="Batch normalization",
    )


def test_a_short_run_draws_log_axes_and_heatmaps(page: Page, server: Server, shoot) -> None:
    train(page, server, "initialization", SHORT_RUN)
    expect_finished(page, 30)

    charts = page.locator(".run-panel .chart-group")
    expect(charts.locator(".chart-title")).to_have_text(
        ["Loss", "First over last layer's gradient norm", "Gradient norms", "Learning rate"]
    )
    expect(charts.nth(1).get_by_label("Log scale")).to_be_checked()

    norms = page.locator('.frame-panel[data-frame="gradient_norm_per_layer"]')
    expect(norms.locator("canvas")).to_have_attribute(
        "aria-label", "gradient_norm_per_layer: at the start, now; y on a log scale."
    )
    expect(norms.locator(".trail-legend li")).to_have_text(["at the start", "now"])
    product = page.locator('.frame-panel[data-frame="product_of_100_matrices"]')
    expect(product.locator("canvas")).to_have_attribute("aria-label", re.compile("log scale"))
    sigmoid = page.locator('.frame-panel[data-frame="sigmoid_and_its_gradient"]')
    expect(sigmoid.locator(".trail-legend li")).to_have_text(
        ["sigmoid(x)", "gradient σ′(x)", "σ′(x) < 0.01: vanishing (points)"]
    )
    for name in ("activation_magnitudes", "gradient_magnitudes", "gradient_magnitudes_at_start"):
        heatmap = page.locator(f'.frame-panel[data-frame="{name}"] canvas')
        expect(heatmap).to_have_attribute("aria-label", re.compile(r"\d+ rows × 27 columns"))
    expect_every_picture_drawn(page)
    expect(page.locator(".summary-table")).to_contain_text("grad_ratio_first_last")

    norms.scroll_into_view_if_needed()
    page_shot = shoot(page, "01-trained")
    gradients = page.locator('.frame-panel[data-frame="gradient_magnitudes_at_start"]')
    for panel, name in [
        (norms, "norms"),
        (product, "product"),
        (sigmoid, "sigmoid"),
        (gradients, "gradients"),
    ]:
        panel.screenshot(path=page_shot.with_name(f"{page_shot.stem}-{name}.png"))


def test_a_preset_switches_to_tanh_and_xavier(page: Page, server: Server) -> None:
    page.goto(f"{server.url}/demos/initialization")
    preset = page.locator('button.preset[data-preset="tanh-xavier"]')
    expect(preset).to_have_attribute("aria-pressed", "false")
    preset.click()
    expect(preset).to_have_attribute("aria-pressed", "true")
    expect(page).to_have_url(re.compile(r"params=.*xavier"))
