"""Classroom mode in a real browser: an instructor signs in and makes a class, learners open
its invite link and join, each sees only their own runs, the instructor sees them all."""

import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.api.test_classroom import add_instructor
from tests.browser.conftest import Person
from tests.browser.test_accessibility import audit
from tests.support import Server, start_server, stop_server

pytestmark = pytest.mark.browser

DEMO = "gradient-descent"
QUICK = {"function": "quadratic", "speed": 0, "steps": 30}


@pytest.fixture(scope="module")
def classroom(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    server = start_server(
        tmp_path_factory.mktemp("classroom-ui"),
        {"DIVELAB_AUTH": "classroom", "DIVELAB_WORKERS": "2"},
    )
    try:
        assert add_instructor(server, "Ada", "correct horse").returncode == 0
        yield server
    finally:
        stop_server(server)


def sign_in_as_instructor(page: Page, name: str, password: str) -> None:
    card = page.locator("section", has=page.get_by_role("heading", name="Instructor sign in"))
    card.get_by_label("Name").fill(name)
    card.get_by_label("Password").fill(password)
    card.get_by_role("button", name="Sign in").click()


def join(page: Page, name: str, pin: str = "", code: str | None = None) -> None:
    if code is not None:
        page.get_by_label("Class code").fill(code)
    page.get_by_label("Your name").fill(name)
    page.get_by_label("PIN").fill(pin)
    page.get_by_role("button", name="Join class").click()


def train(page: Page, server: Server) -> str:
    page.goto(f"{server.url}/demos/{DEMO}?params={quote(json.dumps(QUICK))}")
    page.get_by_role("button", name="Train").click()
    expect(page).to_have_url(re.compile(r"/jobs/[0-9a-f]+$"))
    expect(page.get_by_text(f"Finished at step {QUICK['steps']}")).to_be_visible()
    return page.url.rsplit("/", 1)[1]


def badge(page: Page):
    return page.get_by_test_id("user-badge")


def test_a_class_from_invite_to_runs(
    person: Person, classroom: Server, shoot: Callable[[Page, str], Path]
) -> None:
    server = classroom
    with person(permissions=["clipboard-read", "clipboard-write"]) as ada:
        # nobody signed in: the sign-in screen instead of the catalogue
        ada.goto(server.url + "/")
        expect(ada.get_by_role("heading", name="Sign in to DiveLab")).to_be_visible()
        expect(ada.get_by_role("heading", name="Join your class")).to_be_visible()
        audit(ada)
        shoot(ada, "01-sign-in")

        # the API's words for a wrong password; the right one opens the page she asked for
        sign_in_as_instructor(ada, "Ada", "not the password")
        expect(ada.get_by_role("alert")).to_contain_text("do not match")
        sign_in_as_instructor(ada, "Ada", "correct horse")
        expect(badge(ada)).to_have_text("Ada · instructor")
        expect(ada.get_by_role("heading", name="Demos", exact=True)).to_be_visible()

        ada.get_by_role("link", name="Classes", exact=True).click()
        expect(ada).to_have_url(f"{server.url}/classes")
        expect(ada.get_by_text("No classes yet.")).to_be_visible()
        shoot(ada, "02-no-classes")
        ada.get_by_role("button", name="Create class").click()  # no name: said by the field
        expect(ada.get_by_text("Give the class a name")).to_be_visible()
        ada.get_by_label("Class name").fill("Deep learning 101")
        ada.get_by_role("button", name="Create class").click()
        expect(ada).to_have_url(re.compile(r"/classes/[0-9a-f]+$"))
        expect(ada.get_by_role("heading", name="Deep learning 101")).to_be_visible()
        link = ada.get_by_label("Invite link").input_value()
        code = ada.locator("#invite-code").get_attribute("data-code") or ""
        assert link == f"{server.url}/join/{code}" and len(code) >= 4
        expect(ada.get_by_test_id("invite-state")).to_contain_text("The invite works until")
        ada.get_by_role("button", name="Copy link").click()
        expect(ada.get_by_role("button", name="Copied ✓")).to_be_visible()
        assert ada.evaluate("() => navigator.clipboard.readText()") == link
        expect(ada.get_by_text("Nobody has joined yet.")).to_be_visible()
        audit(ada)
        shoot(ada, "03-class")

        with person() as alice:
            # the invite link opens the join form with the code filled in
            alice.goto(link)
            expect(alice.get_by_role("heading", name="Join your class")).to_be_visible()
            expect(alice.get_by_label("Class code")).to_have_value(code)
            alice.get_by_role("button", name="Join class").click()  # no name yet
            expect(alice.get_by_text("Enter the name your instructor will see.")).to_be_visible()
            expect(alice.get_by_label("Your name")).to_be_focused()
            audit(alice)
            shoot(alice, "04-join")
            join(alice, "Alice", pin="4321")
            expect(badge(alice)).to_have_text("Alice · learner")
            expect(alice).to_have_url(f"{server.url}/")
            expect(alice.get_by_role("link", name="Classes", exact=True)).to_have_count(0)

            job_id = train(alice, server)
            row = alice.locator(f'tr[data-job="{job_id}"]')
            expect(row).to_be_visible()
            shoot(alice, "05-learner-run")

            # the instructor sees the learner in the class, and the run in her history
            ada.reload()
            expect(ada.locator('tr[data-learner="Alice"]')).to_contain_text("set")
            ada.goto(f"{server.url}/demos/{DEMO}")
            expect(ada.locator(f'tr[data-job="{job_id}"]')).to_be_visible()

            with person() as bob:
                bob.goto(f"{server.url}/join/{code}")
                join(bob, "Alice")  # taken, and Bob has not its PIN: the API's words
                expect(bob.get_by_role("alert")).to_contain_text("is taken in this class")
                join(bob, "Bob")
                expect(badge(bob)).to_have_text("Bob · learner")
                bob.goto(f"{server.url}/demos/{DEMO}")
                expect(bob.get_by_text("No runs yet.")).to_be_visible()
                expect(bob.locator(f'tr[data-job="{job_id}"]')).to_have_count(0)
                bob.goto(f"{server.url}/jobs/{job_id}")
                expect(bob.get_by_role("alert")).to_contain_text(f"job '{job_id}' does not exist")

                # signed out, Alice asks for her run: she signs in, and there it is
                alice.get_by_role("button", name="Sign out").click()
                expect(alice.get_by_text("You are signed out.")).to_be_visible()
                alice.goto(f"{server.url}/jobs/{job_id}")
                expect(alice.get_by_role("heading", name="Sign in to DiveLab")).to_be_visible()
                join(alice, "Alice", pin="4321", code=code)
                expect(alice).to_have_url(f"{server.url}/jobs/{job_id}")
                expect(alice.get_by_text(f"Finished at step {QUICK['steps']}")).to_be_visible()

                # a roster, a removal, and the end of the class
                ada.goto(f"{server.url}/classes")
                expect(ada.locator(".classes-table")).to_contain_text(code[:4])
                shoot(ada, "06-classes")
                ada.get_by_role("link", name="Deep learning 101", exact=True).click()
                ada.get_by_label("Names, one per line").fill("Cy\nDee\n\nCy")
                ada.get_by_role("button", name="Add to class").click()
                expect(ada.get_by_text("2 names added")).to_be_visible()
                expect(ada.locator("tr[data-learner]")).to_have_count(4)
                ada.get_by_role("button", name="Remove Dee").click()
                confirm = ada.get_by_role("group", name=re.compile("Remove Dee"))
                expect(confirm.get_by_role("button", name="Cancel")).to_be_focused()
                confirm.get_by_role("button", name="Remove", exact=True).click()
                expect(ada.locator('tr[data-learner="Dee"]')).to_have_count(0)

                ada.get_by_role("button", name="End class…").click()
                ada.get_by_role("button", name="End the class").click()
                expect(ada.get_by_test_id("invite-state")).to_contain_text("This class has ended")
                expect(ada.get_by_label("Invite link")).to_have_count(0)
                shoot(ada, "07-ended")

                # Bob's session ended with the class: his next request shows the sign-in screen
                bob.get_by_role("link", name="Tokens").click()
                expect(bob.get_by_text("Your session has ended")).to_be_visible()
                expect(bob.get_by_role("heading", name="Sign in to DiveLab")).to_be_visible()
                shoot(bob, "08-session-ended")


def test_tokens_are_shown_once_work_for_scripts_and_can_be_revoked(
    person: Person, classroom: Server, shoot: Callable[[Page, str], Path]
) -> None:
    server = classroom
    with person() as ada:
        ada.goto(f"{server.url}/sign-in?next=/tokens")
        sign_in_as_instructor(ada, "Ada", "correct horse")
        expect(ada).to_have_url(f"{server.url}/tokens")
        expect(ada.get_by_text("No tokens yet.")).to_be_visible()
        ada.get_by_label("Token name").fill("notebook")
        ada.get_by_role("button", name="Create token").click()
        expect(ada.get_by_text("it will not be shown again")).to_be_visible()
        token = ada.get_by_label("The new token").input_value()
        expect(ada.locator("tr[data-token]")).to_have_count(1)
        audit(ada)
        shoot(ada, "01-new-token")

        bearer = {"authorization": f"Bearer {token}"}
        assert httpx.get(f"{server.url}/api/me", headers=bearer).json()["name"] == "Ada"

        ada.get_by_role("button", name="Revoke notebook").click()
        ada.get_by_role("button", name="Revoke", exact=True).click()
        expect(ada.get_by_text("No tokens yet.")).to_be_visible()
        expect(ada.get_by_text("it will not be shown again")).to_have_count(0)
        assert httpx.get(f"{server.url}/api/me", headers=bearer).status_code == 401
