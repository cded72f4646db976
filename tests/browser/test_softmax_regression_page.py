"""The softmax-regression page: its catalogue card, a short run on the digits, its charts and
every picture it sends drawn."""

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

SHORT_RUN = {"dataset": "digits", "epochs": 3, "batch_size": 128, "speed": 20}  # 36 steps


def test_the_card_names_both_editions_and_zefs_guide(page: Page, server: Server) -> None:
    expect_catalogue_card(
        page,
        server,
        title="Softmax regression: what each class looks for",
        section="4.1 Softmax Regression",
        edition="0.14 edition: 3.4 Softmax Regression",
        zefs="Loss functions",
    )


def test_a_short_run_draws_weights_probe_and_confusion(page: Page, server: Server, shoot) -> None:
    train(page, server, "softmax-regression", SHORT_RUN)
    expect_finished(page, 36)

    charts = page.locator(".run-panel .chart-group")
    expect(charts.locator(".chart-title")).to_have_text(["Loss", "Accuracy", "Learning rate"])
    expect(charts.nth(1).locator(".legend-label")).to_have_text(["train_acc", "test_acc"])

    weights = page.locator('.frame-panel[data-frame="class_weights"]')
    expect(weights.locator(".image-grid img")).to_have_count(10)
    expect(weights.locator("figcaption")).to_have_text([str(d) for d in range(10)])
    expect(page.locator('.frame-panel[data-frame="probe_image"] img')).to_have_count(1)
    probabilities = page.locator('.frame-panel[data-frame="probe_probabilities"]')
    expect(probabilities).to_have_attribute("data-kind", "bars")
    expect(probabilities.locator("canvas").first).to_be_visible()
    expect(page.locator('.frame-panel[data-frame="confusion_matrix"]')).to_be_visible()
    confused = page.locator('.frame-panel[data-frame="most_confused"] .frame-text')
    expect(confused).to_contain_text("Most confused pairs")
    expect(confused).to_contain_text("→")
    expect_every_picture_drawn(page)
    expect(page.locator(".summary-table")).to_contain_text("digits")
    wait_for_frame_images(page)
    shoot(page, "01-trained")
