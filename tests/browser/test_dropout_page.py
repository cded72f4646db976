"""The dropout page: its catalogue card, a short run on the digits with every picture drawn (the
model, this step's masks, the first layer's weights) and the gap charted, and the presets."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.pages import (
    expect_catalogue_card,
    expect_every_picture_drawn,
    expect_finished,
    train,
    wait_for_frame_images,
)
from tests.support import Server

pytestmark = pytest.mark.browser

# 6 epochs of 10 steps on 320 digits
SHORT_RUN = {
    "dataset": "digits",
    "train_examples": 320,
    "batch_size": 32,
    "lr": 0.1,
    "epochs": 6,
    "speed": 100,
}


def test_the_card_names_both_editions_and_zefs_guide(page: Page, server: Server) -> None:
    expect_catalogue_card(
        page,
        server,
        title="Dropout: noise that closes the generalization gap",
        section="5.6 Dropout",
        edition="0.14 edition: 4.6 Dropout",
        zefs="Generalization and overfitting",
    )


def test_a_short_run_draws_the_masks_the_weights_and_the_gap(
    page: Page, server: Server, shoot
) -> None:
    train(page, server, "dropout", SHORT_RUN)
    expect_finished(page, 60)

    charts = page.locator(".run-panel .chart-group")
    expect(charts.locator(".chart-title")).to_have_text(
        ["Loss", "Accuracy", "Generalization gap", "Units dropped", "Learning rate"]
    )
    expect(charts.nth(2).locator(".legend-label")).to_have_text(["accuracy_gap", "loss_gap"])

    model = page.locator('.frame-panel[data-frame="model"] .frame-text')
    expect(model).to_contain_text("dropout_layer(H, p) after each hidden ReLU, while training")
    expect(model).to_contain_text("= 269,322 parameters")
    masks = page.locator('.frame-panel[data-frame="dropout_masks"]')
    expect(masks.locator(".image-grid img")).to_have_count(2)
    captions = masks.locator("figcaption")
    expect(captions.first).to_have_text(re.compile(r"hidden layer 1: p = 0\.2, \S+% dropped"))
    expect(captions.nth(1)).to_have_text(re.compile(r"hidden layer 2: p = 0\.5, \S+% dropped"))
    weights = page.locator('.frame-panel[data-frame="first_layer_weights"]')
    expect(weights.locator(".image-grid img")).to_have_count(16)
    expect_every_picture_drawn(page)
    wait_for_frame_images(page)
    mask = masks.locator(".image-grid img").first
    shown = mask.evaluate("(i) => ({w: i.naturalWidth, h: i.naturalHeight})")
    assert shown == {"w": 512, "h": 64}, shown  # 32 examples × 256 units, doubled
    expect(page.locator(".summary-table")).to_contain_text("digits")
    masks.scroll_into_view_if_needed()
    shoot(page, "01-trained")


def test_the_edition_presets_set_dropout_and_the_learning_rate(
    page: Page, server: Server, shoot
) -> None:
    page.goto(f"{server.url}/demos/dropout")
    classic = page.locator('button.preset[data-preset="classic"]')
    current = page.locator('button.preset[data-preset="current"]')
    expect(classic).to_have_attribute("aria-pressed", "true")  # the defaults are classic
    current.click()
    expect(current).to_have_attribute("aria-pressed", "true")
    expect(classic).to_have_attribute("aria-pressed", "false")
    expect(page.locator("#param-dropout1")).to_have_value("0.5")
    expect(page.locator("#param-lr")).to_have_value("0.1")
    small = page.locator('button.preset[data-preset="small-training-set"]')
    small.click()
    expect(small).to_have_attribute("aria-pressed", "true")
    expect(page.locator("#param-train_examples")).to_have_value("100")
    expect(page.locator("#param-dropout1")).to_have_value("0.5")  # kept from `current`
    shoot(page, "01-presets")
