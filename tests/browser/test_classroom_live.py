"""Teaching a class live, in three browsers: an instructor makes a class, two learners join it
by its invite link and train, each seeing only their own runs; the instructor watches both on
the live grid, sees a learner wait in line behind a long run, stops every run of the class,
and pushes settings that fill both learners' forms (and start a run for each)."""

import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from playwright.sync_api import Page, expect

from tests.api.test_classroom import add_instructor
from tests.browser.conftest import Person
from tests.browser.test_accessibility import audit
from tests.browser.test_classroom_pages import join, sign_in_as_instructor
from tests.support import Server, start_server, stop_server

pytestmark = pytest.mark.browser

DEMO = "gradient-descent"
QUICK = {"function": "quadratic", "speed": 0, "steps": 30}
LONG = {"function": "quadratic", "speed": 40, "steps": 4000}  # runs until it is stopped
MOMENTUM = "#param-optimizers-1-momentum"  # β of the form's second racer, momentum


@pytest.fixture(scope="module")
def one_worker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A classroom server with one worker slot, so a second run waits in line."""
    server = start_server(
        tmp_path_factory.mktemp("classroom-live"),
        {"DIVELAB_AUTH": "classroom", "DIVELAB_WORKERS": "1"},
    )
    try:
        assert add_instructor(server, "Ada", "correct horse").returncode == 0
        yield server
    finally:
        stop_server(server)


def open_demo(page: Page, server: Server, params: dict) -> None:
    page.goto(f"{server.url}/demos/{DEMO}?params={quote(json.dumps(params))}")


def train(page: Page, server: Server, params: dict) -> str:
    """Open the demo with these settings and press Train; returns the new run's id."""
    open_demo(page, server, params)
    page.get_by_role("button", name="Train").click()
    expect(page).to_have_url(re.compile(r"/jobs/[0-9a-f]+$"))
    return page.url.rsplit("/", 1)[1]


def card(page: Page, learner: str):
    return page.locator(f'.grid-card[data-learner="{learner}"]')


def test_an_instructor_teaches_a_class_live(
    person: Person, one_worker: Server, shoot: Callable[[Page, str], Path]
) -> None:
    server = one_worker
    with person() as ada, person() as alice, person() as bob:
        ada.goto(f"{server.url}/sign-in?next=/classes")
        sign_in_as_instructor(ada, "Ada", "correct horse")
        ada.get_by_label("Class name").fill("Optimizers, live")
        ada.get_by_role("button", name="Create class").click()
        expect(ada.get_by_role("heading", name="Optimizers, live")).to_be_visible()
        class_page = ada.url
        link = ada.get_by_label("Invite link").input_value()

        # the grid of a class nobody has joined yet
        ada.get_by_role("link", name="Live grid", exact=True).click()
        expect(ada.get_by_text("Choose a demo to watch your class train it.")).to_be_visible()
        ada.get_by_label("Demo", exact=True).select_option(DEMO)
        expect(ada).to_have_url(re.compile(rf"/grid\?demo={DEMO}$"))
        expect(ada.get_by_text("Nobody has joined this class yet.")).to_be_visible()

        for page, name in ((alice, "Alice"), (bob, "Bob")):
            page.goto(link)
            join(page, name)
            expect(page.get_by_test_id("user-badge")).to_have_text(f"{name} · learner")

        # both on the grid at once, live, before either has run the demo
        expect(card(ada, "Alice")).to_contain_text("no run yet")
        expect(ada.get_by_text("No learner has run this demo yet.")).to_be_visible()

        alice_run = train(alice, server, QUICK)
        expect(alice.get_by_text(f"Finished at step {QUICK['steps']}")).to_be_visible()
        bob_run = train(bob, server, QUICK)
        expect(bob.get_by_text(f"Finished at step {QUICK['steps']}")).to_be_visible()

        # each sees their own run in their history, never the other's
        for page, own, other in ((alice, alice_run, bob_run), (bob, bob_run, alice_run)):
            expect(page.locator(f'tr[data-job="{own}"]')).to_be_visible()
            expect(page.locator(f'tr[data-job="{other}"]')).to_have_count(0)

        # the grid: a card per learner, with their run's curves drawn
        for name, run in (("Alice", alice_run), ("Bob", bob_run)):
            expect(card(ada, name).locator(".badge")).to_have_text("finished")
            expect(card(ada, name).locator(".sparkline canvas")).to_be_visible()
            expect(card(ada, name).locator(".sparkline")).to_have_attribute(
                "data-last-step", re.compile(r"^\d+$")
            )
            open_run = card(ada, name).get_by_role("link", name=f"Open run of {name}")
            expect(open_run).to_have_attribute("href", f"/jobs/{run}")
        expect(ada.get_by_test_id("grid-summary")).to_have_text("2 learners · 2 finished")
        audit(ada)
        shoot(ada, "01-grid")

        # one worker slot: Alice's long run holds it, Bob's run waits in line behind it (and
        # ahead of Alice's next, for Alice has one running already)
        long_run = train(alice, server, LONG)
        expect(alice.get_by_text(re.compile(r"Training: step \d+"))).to_be_visible()
        created = alice.request.post(f"{server.url}/api/jobs", data={"demo": DEMO, "params": QUICK})
        assert created.ok, created.text()
        train(bob, server, QUICK)
        expect(bob.get_by_text("Waiting for a free worker…")).to_be_visible()
        expect(bob.get_by_test_id("queue-place")).to_have_text(
            re.compile(r"^Next in line \(of 2\) · (under a minute|about \d+ min)$")
        )
        expect(bob.get_by_text("The wait is an estimate")).to_be_visible()
        shoot(bob, "02-waiting-in-line")
        expect(card(ada, "Alice").locator(".badge")).to_have_text("waiting")  # her newest run
        expect(card(ada, "Bob").locator(".badge")).to_have_text("waiting")
        shoot(ada, "03-grid-queue")

        # stop every run of the class: the long one, and the two waiting
        ada.goto(class_page)
        ada.get_by_role("button", name="Stop all runs…").click()
        ada.get_by_role("button", name="Stop all runs", exact=True).click()
        expect(ada.get_by_text("Stopped 3 runs.")).to_be_visible()
        expect(bob.get_by_test_id("queue-place")).to_have_count(0)
        alice.goto(f"{server.url}/jobs/{long_run}")
        expect(alice.locator(".status")).to_have_attribute("data-status", "cancelled")
        shoot(ada, "04-stopped")

        # settings pushed from the demo page: Alice is on her run's page, Bob elsewhere
        alices_runs = alice.locator(".history-table tbody tr")
        expect(alices_runs.first).to_be_visible()
        runs_before = alices_runs.count()
        bob.goto(f"{server.url}/")
        open_demo(ada, server, {})
        ada.locator(MOMENTUM).fill("0.9")
        ada.get_by_role("button", name="Push to class…").click()
        expect(ada.get_by_label("Class", exact=True)).to_have_value(re.compile(r"^[0-9a-f]+$"))
        ada.get_by_label("Also start it for everyone").check()
        audit(ada)
        ada.get_by_role("button", name="Push and start").click()
        outcome = ada.get_by_test_id("push-outcome")
        expect(outcome).to_contain_text("Pushed to Optimizers, live. Started 2 runs.")
        shoot(ada, "05-pushed")

        # Alice's form fills with them where she is
        expect(alice.locator(MOMENTUM)).to_have_value("0.9")
        expect(alice.get_by_test_id("preset-notice")).to_contain_text(
            "Your instructor set these settings."
        )
        expect(alices_runs).to_have_count(runs_before + 1)  # the run started for her
        shoot(alice, "06-preset-filled")

        # Bob gets a banner that opens the demo with them
        banner = bob.get_by_test_id("preset-banner")
        expect(banner).to_contain_text("Your instructor set settings for")
        shoot(bob, "07-preset-banner")
        banner.get_by_role("link").click()
        expect(bob).to_have_url(re.compile(rf"/demos/{DEMO}\?params="))
        expect(bob.locator(MOMENTUM)).to_have_value("0.9")
        expect(bob.get_by_test_id("preset-notice")).to_be_visible()
        expect(bob.get_by_test_id("preset-banner")).to_have_count(0)
        bob.get_by_role("button", name="Dismiss").click()
        expect(bob.get_by_test_id("preset-notice")).to_have_count(0)
        bob.reload()  # handled: not offered again
        expect(bob.locator(MOMENTUM)).to_have_value("0.9")  # the link's params
        expect(bob.get_by_test_id("preset-notice")).to_have_count(0)

        # the runs the push started, on the grid, with the pushed β among the key params
        ada.goto(f"{class_page}/grid?demo={DEMO}")
        for name in ("Alice", "Bob"):
            expect(card(ada, name)).to_contain_text("momentum.momentum")
            expect(card(ada, name).locator(".grid-params .changed")).to_contain_text("0.9")
        started = re.compile("running|waiting|finished")
        expect(card(ada, "Alice").locator(".badge")).to_have_text(started)
        audit(ada)
        shoot(ada, "08-grid-pushed-runs")

        # the class page shows what was pushed, and takes it back
        ada.goto(class_page)
        pushed = ada.locator(".pushed-preset-line")
        expect(pushed).to_contain_text(f"Pushed to the learners' forms: {DEMO}")
        pushed.get_by_role("button", name="Withdraw").click()
        expect(pushed).to_have_count(0)
        assert alice.request.get(f"{server.url}/api/me").json()["preset"] is None

        # what the grid says of a demo or a class it cannot show, and to a learner
        ada.goto(f"{class_page}/grid?demo=no-such-demo")
        expect(ada.get_by_text("This demo does not exist.")).to_be_visible()
        ada.goto(f"{server.url}/classes/0123456789abcdef/grid?demo={DEMO}")
        expect(ada.get_by_text("This class does not exist, or is not yours.")).to_be_visible()
        bob.goto(f"{class_page}/grid?demo={DEMO}")
        expect(bob.get_by_text("Classes are for instructors.")).to_be_visible()
