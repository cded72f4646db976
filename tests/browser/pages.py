"""What the demo pages' tests do alike: train a demo from its page, change its live params,
wait for the finish, read a catalogue card and check that every picture was drawn."""

import json
import re
import time
from urllib.parse import quote

from playwright.sync_api import Page, expect

from tests.support import Server


def train(page: Page, server: Server, demo: str, params: dict) -> str:
    """Open the demo with these settings, press Train; returns the job's id."""
    page.goto(f"{server.url}/demos/{demo}?params={quote(json.dumps(params))}")
    # exact: a preset's name may hold the word too ("Small training set")
    page.get_by_role("button", name="Train", exact=True).click()
    expect(page).to_have_url(re.compile(r"/jobs/[0-9a-f]+$"))
    return page.url.rsplit("/", 1)[1]


def change_live_params(server: Server, job_id: str, changes: dict) -> None:
    """Send the changes to the running job and wait until it has applied them, so that what the
    page shows next follows them."""
    with server.client() as client:
        response = client.patch(f"/api/jobs/{job_id}/params", json=changes)
    assert response.status_code == 200, response.text
    deadline = time.monotonic() + 10
    while server.job(job_id)["params_version"] < 2 and time.monotonic() < deadline:
        time.sleep(0.05)


def expect_finished(page: Page, at_step: int | None = None) -> None:
    """The run's status says it finished (at this step); a run takes its time on a busy CPU."""
    finished = "Finished at step" if at_step is None else f"Finished at step {at_step}"
    expect(page.locator(".status")).to_contain_text(finished, timeout=60_000)


def expect_catalogue_card(
    page: Page, server: Server, title: str, section: str, edition: str, zefs: str
) -> None:
    """The demo's card names its section today, its section in the 0.14 edition and (in part)
    its chapter of Zefs Guide."""
    page.goto(server.url + "/")
    card = page.locator(".card", has_text=title)
    expect(card.locator(".card-section")).to_have_text(section)
    expect(card.locator(".card-edition")).to_have_text(edition)
    expect(card.locator(".card-zefs")).to_contain_text(zefs)


def expect_every_picture_drawn(page: Page) -> None:
    """Every kind of picture the demo sent has a renderer in this UI."""
    expect(page.get_by_text("This picture could not be drawn.")).to_have_count(0)


def wait_for_frame_images(page: Page) -> None:
    """Wait until every image the frames show has loaded, so a screenshot or a size shows it."""
    page.wait_for_function(
        "() => [...document.querySelectorAll('.frame-panel img')].every((i) => i.naturalWidth > 0)"
    )
