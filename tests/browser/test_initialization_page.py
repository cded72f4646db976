"""The initialization page: its catalogue card, a short run with every picture drawn (the
per-layer gradient norms and the 100-matrix product on log axes, the magnitude heatmaps, the
sigmoid with its vanishing tails), and a preset."""

import json
import re
from urllib.parse import quote

import pytest
from playwright.sync_api import Page, expect

from tests.support import Server

pytestmark = pytest.mark.browser

SHORT_RUN = {"steps": 30, "speed": 30}


def test_the_card_names_both_editions_and_zefs_guide(page: Page, server: Server) -> None:
    page.goto(server.url + "/")
    card = page.locator(".card", has_text="Vanishing gradients and initialization")
    expect(card.locator(".card-section")).to_have_text("5.4 Numerical Stability and Initialization")
    expect(card.locator(".card-edition")).to_have_text(
        "0.14 edition: 4.8 Numerical Stability and Initialization"
    )
    expect(card.locator(".card-zefs")).to_contain_text("Batch normalization")


def test_a_short_run_draws_log_axes_and_heatmaps(page: Page, server: Server, shoot) -> None:
    page.goto(f"{server.url}/demos/initialization?params={quote(json.dumps(SHORT_RUN))}")
    page.get_by_role("button", name="Train").click()
    expect(page).to_have_url(re.compile(r"/jobs/[0-9a-f]+$"))
    expect(page.locator(".status")).to_contain_text("Finished at step 30", timeout=60_000)

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
    expect(page.get_by_text("This picture could not be drawn.")).to_have_count(0)
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
