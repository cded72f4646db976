"""The softmax-regression page: its catalogue card, a short run on the digits, its charts and
every picture it sends drawn."""

import json
import re
from urllib.parse import quote

import pytest
from playwright.sync_api import Page, expect

from tests.support import Server

pytestmark = pytest.mark.browser

SHORT_RUN = {"dataset": "digits", "epochs": 3, "batch_size": 128, "speed": 20}  # 36 steps


def test_the_card_names_both_editions_and_zefs_guide(page: Page, server: Server) -> None:
    page.goto(server.url + "/")
    card = page.locator(".card", has_text="Softmax regression: what each class looks for")
    expect(card.locator(".card-section")).to_have_text("4.1 Softmax Regression")
    expect(card.locator(".card-edition")).to_have_text("0.14 edition: 3.4 Softmax Regression")
    expect(card.locator(".card-zefs")).to_contain_text("Loss functions")


def test_a_short_run_draws_weights_probe_and_confusion(page: Page, server: Server, shoot) -> None:
    page.goto(f"{server.url}/demos/softmax-regression?params={quote(json.dumps(SHORT_RUN))}")
    page.get_by_role("button", name="Train").click()
    expect(page).to_have_url(re.compile(r"/jobs/[0-9a-f]+$"))
    expect(page.locator(".status")).to_contain_text("Finished at step 36", timeout=60_000)

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
    # every kind this demo sends has a renderer in this UI
    expect(page.get_by_text("This picture could not be drawn.")).to_have_count(0)
    expect(page.locator(".summary-table")).to_contain_text("digits")
    page.wait_for_function(
        "() => [...document.querySelectorAll('.frame-panel img')].every((i) => i.naturalWidth > 0)"
    )
    shoot(page, "01-trained")
