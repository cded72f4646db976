"""The word2vec page: its catalogue card, and a run on the offline stand-in text (the server's
mirror is a closed port) whose probe word and analogy change while it trains: the nearest
words as bars, the labelled PCA projection, the analogy box and the stand-in notice."""

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

# ~95 steps an epoch on the stand-in: time to change the probe while it trains
RUN = {"embed_size": 50, "batch_size": 128, "epochs": 4}


def test_the_card_names_both_editions_and_zefs_guide(page: Page, server: Server) -> None:
    expect_catalogue_card(
        page,
        server,
        title="word2vec: word embeddings by skip-gram",
        section="15.1 Word Embedding (word2vec)",
        edition="0.14 edition: 14.1 Word Embedding (word2vec)",
        zefs="Embeddings",
    )


def test_a_run_with_a_live_probe_draws_its_neighbours_projection_and_analogy(
    page: Page, server: Server, shoot
) -> None:
    job_id = train(page, server, "word2vec", RUN)
    nearest = page.locator('.frame-panel[data-frame="nearest words"]')
    # the book's "chip" is not in the stand-in's vocabulary: the panel says so
    # (the worker starts torch and reads the text first: more than a second on a busy CPU)
    expect(nearest.locator(".frame-text")).to_contain_text(
        "“chip” is not in the vocabulary", timeout=60_000
    )
    expect(nearest.locator(".frame-text")).to_contain_text("Frequent words to try:")
    change_live_params(server, job_id, {"probe": "class", "analogy": "class : object :: function"})
    expect_finished(page)

    bars = nearest.locator("canvas[role=img]")
    expect(bars).to_have_attribute("aria-label", re.compile(r"^nearest words: bars of cosine"))
    expect(bars).to_have_attribute("aria-label", re.compile(r"\(cos\(·, class\)\), per category"))
    projection = page.locator('.frame-panel[data-frame="embeddings (PCA)"]')
    expect(projection).to_have_attribute("data-kind", "scatter")
    label = projection.locator("canvas[role=img]")
    expect(label).to_have_attribute("aria-label", re.compile(r"probe: class\."))
    expect(label).to_have_attribute("aria-label", re.compile(r"frequent words: the, a, is"))
    expect(projection.locator(".trail-legend li")).to_have_text(
        ["frequent words", "nearest to “class”", "probe"]
    )
    box = page.locator('.frame-panel[data-frame="analogy"] .frame-text')
    expect(box).to_contain_text("class : object :: function : ?")
    expect(box).to_contain_text("nearest to v_object − v_class + v_function")
    charts = page.locator(".run-panel .chart-group")
    expect(charts.locator(".chart-title")).to_have_text(["Loss", "Throughput"])
    expect(page.get_by_text("This run trained on a stand-in text")).to_be_visible()
    expect_every_picture_drawn(page)
    projection.scroll_into_view_if_needed()
    shoot(page, "01-trained")
