"""The catalogue's chapters and previews, and a demo's metrics in the charts it declares."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.pages import train
from tests.support import Server

pytestmark = pytest.mark.browser


def test_the_catalogue_names_the_chapters_and_shows_a_preview_per_demo(
    page: Page, server: Server, shoot
) -> None:
    page.goto(server.url + "/")
    # the chapters as d2l.ai numbers them today, titled as the API names them
    for heading in ("7 Convolutional Neural Networks", "12 Optimization Algorithms"):
        expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()
    cards = page.locator(".card img")
    expect(cards.first).to_be_visible()
    sources = [cards.nth(i).get_attribute("src") for i in range(cards.count())]
    assert len(set(sources)) == len(sources), "two demos share a preview (the default?)"
    served_by_the_api = re.compile(r"/api/demos/[\w-]+/preview\.svg")
    assert all(served_by_the_api.fullmatch(src or "") for src in sources), sources
    page.wait_for_function(
        "() => [...document.querySelectorAll('.card img')].every((i) => i.naturalWidth > 0)"
    )
    # a card names its section today, in the 0.14 edition where that differs, and Zefs Guide
    card = page.locator(".card", has_text="Transformer attention, head by head")
    expect(card.locator(".card-section")).to_have_text("11.7 The Transformer Architecture")
    expect(card.locator(".card-edition")).to_have_text("0.14 edition: 10.3 Transformer")
    expect(card.locator(".card-zefs")).to_have_text("Zefs Guide, ch. 6: Attention, Transformers")
    shoot(page, "01-catalogue")


def test_a_demo_draws_each_declared_group_on_its_own_chart_with_the_live_changes(
    page: Page, server: Server, shoot
) -> None:
    job_id = train(page, server, "edge-kernel", {"steps": 40, "speed": 10})
    charts = page.locator(".run-panel .chart-group")
    expect(charts).to_have_count(2)
    expect(charts.locator(".chart-title")).to_have_text(["Loss", "Kernel weights"])
    loss, weights = charts.nth(0), charts.nth(1)
    expect(loss.get_by_label("Log scale")).to_be_checked()  # as the demo declares
    expect(weights.get_by_label("Log scale")).not_to_be_checked()
    expect(weights.locator(".legend-label")).to_have_text(["K[0,0]", "K[0,1]"])

    with server.client() as client:
        response = client.patch(f"/api/jobs/{job_id}/params", json={"lr": 0.01})
    assert response.status_code == 200, response.text
    for chart in (loss, weights):  # the change is marked on every chart, and listed once
        expect(chart.locator(".chart-mark")).to_have_count(1)
    expect(page.locator(".run-panel .param-change")).to_have_count(1)
    expect(page.get_by_text("Finished at step 40")).to_be_visible()
    shoot(page, "01-edge-kernel")

    # compared, the runs' curves are grouped the same way (a line per metric and run)
    other = server.create("edge-kernel", {"steps": 10, "speed": 0})
    assert server.wait_done(other["id"])["status"] == "succeeded"
    page.get_by_role("button", name="Refresh").click()
    page.get_by_label(f"Compare run {job_id}").check()
    page.get_by_label(f"Compare run {other['id']}").check()
    compared = page.locator("section.compare .chart-group")
    expect(compared.locator(".chart-title")).to_have_text(["Loss", "Kernel weights"])
    expect(compared.nth(0).locator(".legend-label")).to_have_count(2)
    expect(compared.nth(1).locator(".legend-label")).to_have_count(4)
    page.locator("section.compare").scroll_into_view_if_needed()
    shoot(page, "02-compare")


def test_lenet_reports_loss_accuracy_rate_and_speed_apart(
    page: Page, server: Server, shoot
) -> None:
    params = {"dataset": "digits", "epochs": 2, "batch_size": 128}
    train(page, server, "conv-filters", params)
    expect(page.locator(".status")).to_contain_text("Finished", timeout=60_000)
    charts = page.locator(".run-panel .chart-group")
    titles = ["Loss", "Accuracy", "Learning rate", "Throughput"]
    expect(charts.locator(".chart-title")).to_have_text(titles)
    expect(charts.nth(1).locator(".legend-label")).to_have_text(["train_acc", "test_acc"])
    shoot(page, "01-conv-filters")
