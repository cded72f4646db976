"""The deep-nets page: its catalogue card, a short run of the four variants at depth 20 with
every picture drawn (each variant's activations, the gradient norms, BN's γ and β), a live
learning rate, and the classic LeNet preset."""

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

# One epoch of the digits (24 steps of 64) through four thin 20-layer networks.
SHORT_RUN = {"dataset": "digits", "depth": 20, "width": 4, "epochs": 1}
VARIANTS = ["plain", "bn", "residual", "bn_residual"]


def test_the_card_names_both_editions_and_zefs_guide(page: Page, server: Server) -> None:
    expect_catalogue_card(
        page,
        server,
        title="Why deep networks train: batch norm and residual connections",
        section="8.5 Batch Normalization",
        edition="0.14 edition: 7.5 Batch Normalization",
        zefs="ResNet",
    )


def test_a_short_run_draws_every_variant_and_takes_a_new_learning_rate(
    page: Page, server: Server, shoot
) -> None:
    job_id = train(page, server, "deep-nets", SHORT_RUN)
    norms = page.locator('.frame-panel[data-frame="gradient norms"]')
    expect(norms.locator(".trail-legend li")).to_have_text(VARIANTS, timeout=60_000)
    change_live_params(server, job_id, {"lr": 0.05})
    expect_finished(page, 24)

    charts = page.locator(".run-panel .chart-group")
    expect(charts.locator(".chart-title")).to_have_text(
        ["Training loss", "Test accuracy", "Training accuracy", "Learning rate", "Throughput"]
    )
    expect(charts.nth(0).locator(".legend-label")).to_have_text(
        [f"train_loss_{v}" for v in VARIANTS]
    )
    expect(charts.nth(1).locator(".legend-label")).to_have_text([f"test_acc_{v}" for v in VARIANTS])
    expect(page.locator(".run-panel .param-change")).to_have_count(1)
    for variant in VARIANTS:
        panel = page.locator(f'.frame-panel[data-frame="activations ({variant})"]')
        # the stem and 9 blocks, each over 11 bins of magnitude
        expect(panel.get_by_role("img", name=re.compile("10 rows × 11 columns"))).to_be_visible()
    for name in ("BN scale γ", "BN shift β"):  # 19 BN layers in each of 2 variants, 16 channels
        panel = page.locator(f'.frame-panel[data-frame="{name}"]')
        expect(panel.get_by_role("img", name=re.compile("38 rows × 16 columns"))).to_be_visible()
    expect(norms.locator("canvas")).to_be_visible()
    expect_every_picture_drawn(page)
    expect(page.locator(".summary-table")).to_contain_text("test_acc_bn_residual")
    page.locator('.frame-panel[data-frame="activations (plain)"]').scroll_into_view_if_needed()
    shoot(page, "01-trained")


def test_the_classic_preset_picks_the_books_lenet(page: Page, server: Server) -> None:
    page.goto(f"{server.url}/demos/deep-nets")
    classic = page.locator('button.preset[data-preset="classic"]')
    classic.click()
    expect(classic).to_have_attribute("aria-pressed", "true")
    expect(page.locator("#param-network option:checked")).to_have_text("lenet")
    expect(page.locator("#param-lr")).to_have_value("1")
    expect(page.locator("#param-batch_size")).to_have_value("256")
    expect(page).to_have_url(re.compile(r"params=.*lenet"))
