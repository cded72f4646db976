"""A run as code: the demo page's Code tab (the demo's training code, highlighted, with an
outline of its modules), and a finished run's "Download script" (a file that reproduces it) and
"Download notebook"; a fork and a run still going say why they have none."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.pages import expect_finished, train
from tests.browser.test_accessibility import audit
from tests.support import Server

pytestmark = pytest.mark.browser

DEMO = "edge-kernel"
SLOW_RUN = {"steps": 30, "speed": 10}  # about 3 s: seen while it trains, then finished


def test_the_code_tab_shows_the_demos_code_highlighted_with_an_outline(
    page: Page, server: Server, shoot
) -> None:
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    fetches: list[str] = []
    page.on(
        "request",
        lambda request: fetches.append(request.url) if request.url.endswith("/code") else None,
    )
    page.goto(f"{server.url}/demos/{DEMO}")
    run_tab = page.get_by_role("tab", name="Run")
    code_tab = page.get_by_role("tab", name="Code")
    expect(run_tab).to_have_attribute("aria-selected", "true")
    assert fetches == []  # not before the tab opens

    code_tab.click()
    expect(code_tab).to_have_attribute("aria-selected", "true")
    expect(page.locator(".run-panel")).to_be_hidden()
    code = page.get_by_role("region", name=re.compile("Training code of"))
    expect(code).to_be_visible()
    expect(code).to_contain_text('"""The training code of DiveLab\'s `edge-kernel` demo.')
    expect(code.locator(".tok-keyword").first).to_be_visible()
    expect(code.locator(".tok-function", has_text=re.compile(r"^corr2d$"))).to_have_count(1)
    expect(code.locator(".tok-string").first).to_be_visible()
    expect(code.locator(".tok-banner")).to_have_count(page.locator(".code-outline li").count())

    outline = page.get_by_role("navigation", name="Modules in the code")
    names = outline.get_by_role("listitem")
    expect(names.first).to_be_visible()
    listed = names.all_inner_texts()
    for module in ("params.py", "model.py", "train.py"):
        assert f"workers/demos/edge_kernel/{module}" in listed, listed

    # a jump scrolls the code to the module's banner, marks it and moves the focus there
    outline.get_by_role("button", name="workers/demos/edge_kernel/model.py").click()
    target = code.locator(".line-target")
    expect(target).to_have_text(re.compile(r"^# --- workers/demos/edge_kernel/model\.py -+$"))
    expect(code).to_be_focused()
    assert code.evaluate("(pre) => pre.scrollTop") > 0
    box, shown = target.bounding_box(), code.bounding_box()
    assert box and shown and shown["y"] <= box["y"] < shown["y"] + shown["height"], (box, shown)
    shoot(page, "01-code-tab")
    audit(page)

    page.get_by_role("button", name="Copy", exact=True).click()
    expect(page.get_by_role("button", name="Copied ✓")).to_be_visible()
    copied = page.evaluate("() => navigator.clipboard.readText()")
    assert copied.startswith('"""The training code of DiveLab\'s `edge-kernel` demo.')

    # the keyboard: arrows move between the tabs; the code was fetched once, and kept
    code_tab.focus()
    page.keyboard.press("ArrowLeft")
    expect(run_tab).to_be_focused()
    expect(run_tab).to_have_attribute("aria-selected", "true")
    expect(code).to_be_hidden()
    page.keyboard.press("End")
    expect(code_tab).to_have_attribute("aria-selected", "true")
    expect(code).to_be_visible()
    assert len(fetches) == 1, fetches


def test_a_finished_run_downloads_as_a_script_and_a_fork_points_to_its_parent(
    page: Page, server: Server, shoot, tmp_path: Path
) -> None:
    job_id = train(page, server, DEMO, SLOW_RUN)
    export = page.locator(".run-export")
    expect(export).to_contain_text("can be downloaded when it finishes")
    expect(page.get_by_role("link", name="Download script")).to_have_count(0)
    expect_finished(page, 30)

    script = page.get_by_role("link", name="Download script")
    expect(script).to_have_attribute("href", f"/api/jobs/{job_id}/code")
    expect(page.get_by_role("link", name="Download notebook")).to_have_attribute(
        "href", f"/api/jobs/{job_id}/notebook"
    )
    with page.expect_download() as download:
        script.click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.suffix == ".py", saved.name
    assert saved.read_text().startswith('"""DiveLab run')
    with server.client() as client:
        response = client.get(script.get_attribute("href") or "")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/x-python")
    assert response.text.startswith('"""DiveLab run')
    export.scroll_into_view_if_needed()
    shoot(page, "01-finished-run")
    audit(page)

    # a fork has no script of its own: its page sends the reader to the run it came from
    with server.client() as client:
        fork = client.post(f"/api/jobs/{job_id}/fork", json={"step": None, "params": {}})
    assert fork.status_code in (200, 201), fork.text
    fork_id = fork.json()["id"]
    page.goto(f"{server.url}/jobs/{fork_id}")
    expect(export).to_contain_text("A fork is not exported as code: export the run it came from")
    expect(export.get_by_role("link", name="the run it came from")).to_have_attribute(
        "href", f"/jobs/{job_id}"
    )
    expect(page.get_by_role("link", name="Download script")).to_have_count(0)
    shoot(page, "02-fork")
    with server.client() as client:
        assert client.get(f"/api/jobs/{fork_id}/code").status_code == 409
    server.wait_done(fork_id)
