"""The gan-2d page: its catalogue card, a short run of the book's GAN with every picture drawn
(D(x) with the samples, the generator's mapping, the arrows of its gradient, the moments), a
live change of the generator's learning rate, and the ring preset."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.pages import (
    change_live_params,
    expect_catalogue_card,
    expect_every_picture_drawn,
    expect_finished,
    train,
    wait_for_frame_images,
)
from tests.support import Server

pytestmark = pytest.mark.browser

# 63 minibatches of 16 an epoch: 126 steps at 50 a second, time for a live change
SHORT_RUN = {"epochs": 2, "batch_size": 16, "speed": 50}
PLANE = "Real and generated samples over D(x)"


def test_the_card_names_both_editions_and_zefs_guide(page: Page, server: Server) -> None:
    expect_catalogue_card(
        page,
        server,
        title="GANs: a generator learns a 2-D distribution",
        section="20.1 Generative Adversarial Networks",
        edition="0.14 edition: 17.1 Generative Adversarial Networks",
        zefs="Image generation with GANs",
    )


def test_a_short_run_draws_the_plane_the_mapping_and_the_pull(
    page: Page, server: Server, shoot
) -> None:
    job_id = train(page, server, "gan-2d", SHORT_RUN)
    plane = page.locator(f'.frame-panel[data-frame="{PLANE}"] img')
    expect(plane).to_be_visible(timeout=60_000)
    change_live_params(server, job_id, {"lr_G": 0.02})
    expect(page.locator(".run-panel .param-change").first).to_contain_text("lr_G")
    expect_finished(page, 126)

    charts = page.locator(".run-panel .chart-group")
    expect(charts.locator(".chart-title")).to_have_text(
        [
            "Losses",
            "The discriminator's verdict",
            "Generated vs real: moments",
            "Generated vs real: distances",
        ]
    )
    expect(charts.nth(0).locator(".legend-label")).to_have_text(["loss_D", "loss_G"])
    expect(plane).to_have_attribute("alt", f"{PLANE} at step 126")
    mapping = page.locator('.frame-panel[data-frame="The generator\'s mapping"]')
    expect(mapping.locator("canvas")).to_be_visible()
    expect(mapping.locator(".trail-legend li")).to_have_text(
        ["real (points)", "lines of constant z₂", "lines of constant z₁"]
    )
    pull = page.locator('.frame-panel[data-frame="Where the generator\'s loss pushes its samples"]')
    expect(pull.locator(".trail-legend li")).to_have_text(
        ["∇ₓ log D(x), scaled", "real (points)", "generated (points)"]
    )
    moments = page.locator('.frame-panel[data-frame="Means and covariances"] .frame-text')
    expect(moments).to_contain_text("the book's b, AᵀA")
    expect(moments).to_contain_text(re.compile(r"G's N\(c, WᵀW\)"))
    expect_every_picture_drawn(page)
    wait_for_frame_images(page)
    expect(page.locator(".summary-table")).to_contain_text("gaussian")
    plane.scroll_into_view_if_needed()
    shoot(page, "01-trained")


def test_the_ring_preset_takes_mlps(page: Page, server: Server) -> None:
    page.goto(f"{server.url}/demos/gan-2d")
    ring = page.locator('button.preset[data-preset="ring"]')
    ring.click()
    expect(ring).to_have_attribute("aria-pressed", "true")
    expect(page.locator("#param-target option:checked")).to_have_text("ring")
    expect(page.locator("#param-generator option:checked")).to_have_text("mlp")
    expect(page.locator("#param-batch_size")).to_have_value("64")
