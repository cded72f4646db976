"""The char-rnn page: its catalogue card, and a short GRU run on the offline stand-in text with
every picture drawn (the generated text, the hidden state and gates over the prefix, the
gradient norms), a live change of the prefix, and the stand-in notice."""

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

# 17 minibatches an epoch at batch 16: 68 steps at 25 a second, time to change the prefix
RUN = {"model": "gru", "hidden": 32, "batch_size": 16, "epochs": 4, "lr": 4, "speed": 25}


def test_the_card_names_both_editions_and_zefs_guide(page: Page, server: Server) -> None:
    expect_catalogue_card(
        page,
        server,
        title="Character-level RNN, GRU and LSTM on The Time Machine",
        section="9.5 Recurrent Neural Network Implementation from Scratch",
        edition="0.14 edition: 8.5 Implementation of Recurrent Neural Networks from Scratch",
        zefs="The recurrent neural network",
    )


def test_a_gru_run_with_a_live_prefix_draws_text_states_gates_and_norms(
    page: Page, server: Server, shoot
) -> None:
    job_id = train(page, server, "char-rnn", RUN)
    text = page.locator('.frame-panel[data-frame="generated text"] .frame-text')
    expect(text).to_contain_text("prefix:    time traveller", timeout=90_000)
    change_live_params(server, job_id, {"prefix": "The Machine!"})
    expect(text).to_contain_text("prefix:    the machine<unk>", timeout=20_000)
    expect_finished(page, 68)

    charts = page.locator(".run-panel .chart-group")
    expect(charts.locator(".chart-title")).to_have_text(
        ["Perplexity", "Gradient norm before clipping", "Throughput"]
    )
    expect(charts.nth(0).locator(".legend-label")).to_have_text(["perplexity", "val_perplexity"])
    for name in (
        "hidden state H over the prefix",
        "update gate Z over the prefix",
        "reset gate R over the prefix",
    ):
        expect(page.locator(f'.frame-panel[data-frame="{name}"]')).to_be_visible()
    norms = page.locator('.frame-panel[data-frame="gradient norm"]')
    expect(norms.locator(".trail-legend li")).to_have_text(["before clipping", "after clipping"])
    expect(page.get_by_text("This model is trained on a stand-in text")).to_be_visible()
    expect_every_picture_drawn(page)
    page.locator(
        '.frame-panel[data-frame="hidden state H over the prefix"]'
    ).scroll_into_view_if_needed()
    shoot(page, "01-trained")
