"""The sequence-prediction page: its catalogue card, a short run with both pictures drawn (the
1-step predictions and the k-step-ahead ones), a live change of the longest horizon, and the
current edition's preset."""

import re

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

SHORT_RUN = {"epochs": 2, "speed": 20}  # 2 epochs of 38 steps: about 4 s, time to change k


def test_the_card_names_both_editions_and_zefs_guide(page: Page, server: Server) -> None:
    expect_catalogue_card(
        page,
        server,
        title="Sequence models: predicting a noisy sine",
        section="9.1 Working with Sequences",
        edition="0.14 edition: 8.1 Sequence Models",
        zefs="The recurrent neural network",
    )


def test_a_short_run_draws_the_predictions_and_takes_a_longer_horizon(
    page: Page, server: Server, shoot
) -> None:
    job_id = train(page, server, "sequence-prediction", SHORT_RUN)
    k_step = page.locator('.frame-panel[data-frame="k-step predictions"]')
    expect(k_step.locator(".trail-legend li")).to_contain_text(["64-step predictions"])
    change_live_params(server, job_id, {"max_k": 128})
    expect_finished(page, 76)

    charts = page.locator(".run-panel .chart-group")
    expect(charts.locator(".chart-title")).to_have_text(["Loss", "k-step-ahead test error"])
    expect(charts.nth(0).locator(".legend-label")).to_have_text(["train_loss", "test_loss"])
    expect(charts.nth(1).locator(".legend-label")).to_contain_text(["test_mse_k128"])
    one_step = page.locator('.frame-panel[data-frame="1-step predictions"]')
    expect(one_step.locator("canvas")).to_be_visible()
    expect(one_step.locator(".trail-legend li")).to_have_text(["data", "1-step predictions"])
    expect(k_step.locator(".trail-legend li")).to_have_text(
        ["data"] + [f"{k}-step predictions" for k in (1, 4, 16, 64, 128)]
    )
    expect_every_picture_drawn(page)
    expect(page.locator(".summary-table")).to_contain_text("test_mse_k128")
    k_step.scroll_into_view_if_needed()
    shoot(page, "01-trained")


def test_the_current_preset_picks_the_linear_model(page: Page, server: Server) -> None:
    page.goto(f"{server.url}/demos/sequence-prediction")
    current = page.locator('button.preset[data-preset="current"]')
    current.click()
    expect(current).to_have_attribute("aria-pressed", "true")
    expect(page.locator("#param-model option:checked")).to_have_text("linear")
    expect(page).to_have_url(re.compile(r"params=.*linear"))
