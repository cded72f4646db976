"""The mlp page: its catalogue card, a short run on two circles with every picture drawn (the
model, the decision boundary, the hidden units, the activation), and the book's preset."""

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

SHORT_RUN = {"epochs": 30, "speed": 100}  # 30 epochs of 7 steps on the default circles


def test_the_card_names_both_editions_and_zefs_guide(page: Page, server: Server) -> None:
    expect_catalogue_card(
        page,
        server,
        title="A hidden layer bends the boundary",
        section="5.1 Multilayer Perceptrons",
        edition="0.14 edition: 4.1 Multilayer Perceptrons",
        zefs="Activation functions",
    )


def test_a_short_run_on_two_circles_draws_every_picture(page: Page, server: Server, shoot) -> None:
    train(page, server, "mlp", SHORT_RUN)
    expect_finished(page, 210)

    charts = page.locator(".run-panel .chart-group")
    expect(charts.locator(".chart-title")).to_have_text(["Loss", "Accuracy", "Learning rate"])
    expect(charts.nth(0).locator(".legend-label")).to_have_text(["train_loss", "test_loss"])

    model = page.locator('.frame-panel[data-frame="model"] .frame-text')
    expect(model).to_contain_text("Linear(in_features=2, out_features=8, bias=True)")
    expect(model).to_contain_text("2×8 + 8 + 8×2 + 2 = 42 parameters")
    boundary = page.locator('.frame-panel[data-frame="decision_boundary"] img')
    expect(boundary).to_have_attribute("alt", "decision_boundary at step 210")
    units = page.locator('.frame-panel[data-frame="hidden_units"]')
    expect(units.locator(".image-grid img")).to_have_count(8)
    expect(units.locator("figcaption").first).to_have_text(re.compile(r"unit 1: \S+ … \S+"))
    activation = page.locator('.frame-panel[data-frame="activation"]')
    expect(activation.locator("canvas")).to_be_visible()
    expect(activation.locator(".trail-legend li")).to_have_text(["ReLU(x)", "ReLU′(x)"])
    expect_every_picture_drawn(page)
    wait_for_frame_images(page)
    shown = boundary.evaluate("(i) => ({w: i.width, nw: i.naturalWidth})")
    assert shown == {"w": 240, "nw": 240}, shown  # drawn at its own size, pixel for pixel
    expect(page.locator(".summary-table")).to_contain_text("circles")
    boundary.scroll_into_view_if_needed()
    shoot(page, "01-trained")


def test_the_book_preset_fills_in_the_books_settings(page: Page, server: Server, shoot) -> None:
    page.goto(f"{server.url}/demos/mlp")
    book = page.locator('button.preset[data-preset="book"]')
    expect(book).to_have_attribute("aria-pressed", "false")
    book.click()
    expect(book).to_have_attribute("aria-pressed", "true")
    expect(page.locator("#param-batch_size")).to_have_value("256")
    expect(page.locator("#param-epochs")).to_have_value("10")
    expect(page).to_have_url(re.compile(r"params=.*fashion-mnist"))
    shoot(page, "01-book-preset")
