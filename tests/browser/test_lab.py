"""The lab in a real browser: catalogue → train → live change → stop → compare → permalink."""

import json
import re
import time
from urllib.parse import quote

import pytest
from playwright.sync_api import Page, WebSocketRoute, expect

from tests.support import Server

pytestmark = pytest.mark.browser

DEMO = "gradient-descent"
# the run's chart reports how many points it drew (x values after downsampling for the screen)
DRAWN_POINTS = (
    "() => Number(document.querySelector('.run-panel .chart-host')?.dataset.drawnPoints ?? 0)"
)


def drawn_points(page: Page) -> int:
    return page.evaluate(DRAWN_POINTS)


def wait_for_points(page: Page, more_than: int) -> None:
    page.wait_for_function(f"() => ({DRAWN_POINTS})() > {more_than}")


def job_id_of(page: Page) -> str:
    match = re.search(r"/jobs/([0-9a-f]+)$", page.url)
    assert match, page.url
    return match.group(1)


def demo_url(server: Server, params: dict) -> str:
    return f"{server.url}/demos/{DEMO}?params={quote(json.dumps(params))}"


def test_train_change_live_stop_compare_and_permalink(page: Page, server: Server, shoot) -> None:
    page.goto(server.url + "/")
    expect(page.get_by_role("heading", name="12 Optimization Algorithms")).to_be_visible()
    card = page.get_by_role("link", name=re.compile("Gradient descent on a loss surface"))
    expect(card).to_be_visible()
    shoot(page, "01-catalogue")

    card.click()
    expect(page).to_have_url(re.compile(f"/demos/{DEMO}$"))
    expect(page.get_by_role("heading", name="What to try")).to_be_visible()
    expect(page.get_by_text("Book section")).to_contain_text("12.3 Gradient Descent")
    section = page.get_by_role("link", name="12.3 Gradient Descent")
    expect(section).to_have_attribute("href", re.compile(r"^https://d2l\.ai/"))
    expect(page.locator(".book-edition")).to_contain_text("0.14 edition: 11.3 Gradient Descent")
    expect(page.locator(".book-zefs")).to_contain_text("Zefs Guide to Deep Learning")
    # the form edits go into the URL, so the page can be shared as a link
    page.locator("#param-steps").fill("400")
    page.locator("#param-speed").fill("40")
    # the default race is gd, momentum and rmsprop; keep the first two
    expect(page.locator("#param-optimizers-2-name")).to_have_value("rmsprop")
    page.get_by_role("button", name="Remove optimizer 3").click()
    expect(page.locator("#param-optimizers-2-name")).to_have_count(0)
    expect(page).to_have_url(re.compile(r"params=.*momentum"))
    shoot(page, "02-demo")

    page.get_by_role("button", name="Train").click()
    expect(page).to_have_url(re.compile(r"/jobs/[0-9a-f]+$"))
    first = job_id_of(page)
    wait_for_points(page, 5)
    expect(page.locator('[data-frame="surface"] canvas')).to_have_count(2)
    expect(page.locator("#param-steps")).to_be_disabled()  # not live: locked while running
    shoot(page, "03-training")

    # a live change: the job's params change at once, and the chart marks the step
    page.locator('[data-path="optimizers.0.lr"] input[type=range]').fill("500")  # η 0.4 → 0.1
    deadline = time.monotonic() + 10
    while server.job(first)["params_version"] < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    job = server.job(first)
    assert job["params_version"] >= 2
    assert job["params"]["optimizers"][0]["lr"] == pytest.approx(0.1, rel=0.02)
    assert job["status"] == "running"
    expect(page.locator(".run-panel .chart-mark").first).to_be_attached()
    expect(page.locator(".param-change").first).to_contain_text("gd.lr 0.4 →")
    shoot(page, "04-live-change")

    page.get_by_role("button", name="Stop").click()
    expect(page.get_by_text("Stopped at the learner's request.")).to_be_visible()
    assert server.wait_done(first)["status"] == "cancelled"
    shoot(page, "05-stopped")

    # a second run with other params: a few steps flat out on another function
    page.locator("#param-function").select_option("quadratic")
    page.locator("#param-steps").fill("30")
    page.locator("#param-speed").fill("0")
    expect(page).to_have_url(re.compile(f"/demos/{DEMO}\\?params="))
    page.get_by_role("button", name="Train").click()
    expect(page.get_by_text("Finished at step 30")).to_be_visible()
    second = job_id_of(page)
    assert second != first
    shoot(page, "06-second-run")

    page.get_by_label(f"Compare run {first}").check()
    page.get_by_label(f"Compare run {second}").check()
    compare = page.locator("section.compare")
    expect(compare.locator(".diff-table")).to_contain_text("function")
    expect(compare.locator(".diff-table")).to_contain_text("quadratic")
    expect(compare.locator(".chart-legend li")).to_have_count(5)  # 2 + 2 lines, and "latest"
    compare.scroll_into_view_if_needed()
    shoot(page, "07-compare")

    # the permalink replays a finished run after a reload
    page.goto(f"{server.url}/jobs/{first}")
    expect(page.get_by_text("Stopped at the learner's request.")).to_be_visible()
    wait_for_points(page, 5)
    expect(page.locator(".run-panel .chart-mark").first).to_be_attached()
    expect(page.locator("#param-steps")).to_have_value("400")
    shoot(page, "08-permalink")


def test_a_dropped_connection_resumes_without_losing_or_repeating_points(
    page: Page, server: Server, shoot
) -> None:
    steps = 60
    job = server.create(DEMO, {"steps": steps, "speed": 25, "optimizers": [{"name": "gd"}]})
    sockets: list[WebSocketRoute] = []

    def through_server(socket: WebSocketRoute) -> None:
        socket.connect_to_server()
        sockets.append(socket)

    page.route_web_socket(re.compile(r"/stream"), through_server)
    server.wait_for_status(job["id"], "running")  # behind other tests' jobs on a busy machine
    page.goto(f"{server.url}/jobs/{job['id']}")  # a permalink to a running job joins it live
    expect(page.get_by_text("Training")).to_be_visible()
    wait_for_points(page, 10)

    sockets[0].close(code=1012, reason="server restart")
    expect(page.get_by_test_id("connection-banner")).to_be_visible()
    shoot(page, "01-banner")
    expect(page.get_by_test_id("connection-banner")).to_be_hidden()
    expect(page.get_by_text(f"Finished at step {steps}")).to_be_visible(timeout=20_000)
    assert len(sockets) == 2
    # one point per step: nothing lost while disconnected, nothing delivered twice
    page.wait_for_function(f"() => ({DRAWN_POINTS})() === {steps + 1}")
    shoot(page, "02-resumed")


def test_invalid_params_are_explained_next_to_their_field(
    page: Page, server: Server, shoot
) -> None:
    page.goto(demo_url(server, {"steps": 0}))
    page.get_by_role("button", name="Train").click()
    error = page.locator('[data-path="steps"] .field-error')
    expect(error).to_contain_text("greater than or equal to 1")
    expect(page.locator("#param-steps")).to_have_attribute("aria-invalid", "true")
    expect(page).to_have_url(re.compile(f"/demos/{DEMO}"))
    shoot(page, "01-error")


def test_a_diverging_run_is_explained_in_plain_words(page: Page, server: Server, shoot) -> None:
    too_fast = [{"name": "gd", "lr": 9}]  # each step overshoots: |x| grows 17-fold
    params = {"function": "quadratic", "steps": 400, "speed": 0, "optimizers": too_fast}
    page.goto(demo_url(server, params))
    page.get_by_role("button", name="Train").click()
    status = page.locator(".status")
    expect(status).to_contain_text("The training diverged")
    expect(status).to_contain_text("learning rate")
    shoot(page, "01-diverged")
