"""Forks in the browser: click a saved step on a finished run's chart, change the learning rate
in the fork dialog (the model's shape locked), land on the fork's page, which says where it came
from, draws its curves branching off its parent's, and shows the family as a tree."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.pages import expect_finished, train
from tests.browser.test_accessibility import audit
from tests.support import Server

pytestmark = pytest.mark.browser

PARENT = {"speed": 0, "epochs": 3}  # 3 epochs of 7 steps on the default circles
LOSSES = ["train_loss", "test_loss"]


def test_a_fork_from_a_clicked_step_branches_off_its_parent(
    page: Page, server: Server, shoot
) -> None:
    parent = train(page, server, "mlp", PARENT)
    expect_finished(page, 21)

    # its last step is saved: a diamond on the step axis of each chart
    loss = page.locator(".run-panel .chart-group").first
    marker = loss.locator('.chart-snapshot[data-step="21"]')
    expect(marker).to_be_attached()

    # a click on the plot just left of the marker picks it
    plot = loss.locator(".u-over").bounding_box()
    at = marker.bounding_box()
    assert plot and at
    page.mouse.click(at["x"] + at["width"] / 2 - 3, plot["y"] + plot["height"] / 2)
    dialog = page.get_by_role("dialog", name=f"Fork run {parent}")
    expect(dialog).to_be_visible()
    expect(dialog.locator(".fork-where")).to_have_text("Fork after step 21")
    lr = dialog.locator("#fork-lr")
    expect(lr).to_be_focused()
    expect(lr).to_have_value("0.1")
    # what shapes the model or the data is locked, with the reason
    fixed = dialog.locator("fieldset.fork-fixed")
    expect(fixed.locator("legend")).to_have_text("Fixed for a fork: shapes the model or the data")
    expect(dialog.locator("#fork-hidden")).to_be_disabled()
    expect(dialog.locator("#fork-dataset")).to_be_disabled()
    audit(page)

    lr.fill("0.5")
    dialog.locator("#fork-epochs").fill("6")  # 21 more steps after the fork
    dialog.get_by_role("button", name="Start the fork").click()
    expect(page).to_have_url(re.compile(r"/jobs/[0-9a-f]+$"))
    expect(page).not_to_have_url(re.compile(parent))
    fork = page.url.rsplit("/", 1)[1]

    banner = page.get_by_test_id("fork-banner")
    expect(banner).to_contain_text(f"Forked from run {parent} after step 21.")
    expect(banner.get_by_role("link")).to_have_attribute("href", f"/jobs/{parent}")
    expect_finished(page, 42)

    # both branches on one chart: the fork's lines, and its parent's dashed under them
    expect(loss.locator(".legend-label")).to_have_text(
        [*LOSSES, *(f"{name} · parent {parent[:6]}" for name in LOSSES)]
    )
    expect(loss.locator(".chart-host")).to_have_attribute("data-last-step", "42")

    # the family beside the history: the fork one generation under its parent
    lineage = page.locator(".lineage")
    root = lineage.locator(f'li[data-job="{parent}"]')
    expect(root).to_contain_text("original run")
    child = root.locator(f'li[data-job="{fork}"]')
    expect(child).to_have_attribute("data-depth", "1")
    expect(child).to_contain_text("after step 21: lr 0.5 · epochs 6")
    expect(child.get_by_role("link")).to_have_attribute("aria-current", "page")
    assert page.evaluate("() => document.documentElement.scrollWidth <= innerWidth")
    audit(page)

    loss.scroll_into_view_if_needed()
    shoot(page, "01-fork")

    lineage.get_by_role("button", name="Compare branches").click()
    expect(page.locator(".compare .run-key li")).to_have_count(2)
    expect(page.locator(".compare .diff-table")).to_contain_text("lr")
