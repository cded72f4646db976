"""Fixtures for the browser suite: Debian's chromium driven by Playwright, one page per test.

Needs the built UI (`make frontend`) and /usr/bin/chromium (`make system-deps`); without
them the suite is skipped with the reason. Screenshots go to test-artifacts/browser/.
"""

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from tests.support import ROOT, Server

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]
ARTIFACTS = ROOT / "test-artifacts" / "browser"
VIEWPORT = {"width": 1024, "height": 900}  # the narrowest screen the lab supports

# A fresh server's workers import torch before their first job: allow for it.
expect.set_options(timeout=20_000)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not (ROOT / "frontend" / "dist" / "index.html").exists():
        pytest.skip("the UI is not built: run `make frontend`")
    if not CHROMIUM.exists():
        pytest.skip("no /usr/bin/chromium: run `make system-deps`")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh page; the test fails if the page threw an uncaught error, or if the server's
    Content-Security-Policy refused anything the UI does."""
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    page.set_default_timeout(15_000)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on(
        "console",
        lambda message: (
            errors.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    yield page
    context.close()
    assert not errors, f"uncaught errors in the page: {errors}"


Person = Callable[..., AbstractContextManager[Page]]


@pytest.fixture
def person(browser: Browser) -> Iterator[Person]:
    """person(): a page in a browser context of its own (its own cookies: someone else), that
    fails the test if it threw an uncaught error."""
    errors: list[str] = []
    contexts = []

    @contextmanager
    def open_page(**options) -> Iterator[Page]:
        context = browser.new_context(viewport=VIEWPORT, **options)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.on("pageerror", lambda error: errors.append(str(error)))
        yield page

    yield open_page
    for context in contexts:
        context.close()
    assert not errors, f"uncaught errors in a page: {errors}"


@pytest.fixture
def shoot(request: pytest.FixtureRequest):
    """shoot(page, "03-training"): a full-page screenshot named after the test and the step."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    def take(page: Page, step: str) -> Path:
        path = ARTIFACTS / f"{request.node.name}-{step}.png"
        page.screenshot(path=path, full_page=True)
        return path

    return take


@pytest.fixture(scope="session")
def server(embedded_server: Server) -> Server:
    """The UI talks only to the API, whose contract suite runs in both modes; the browser
    suite runs once, against the embedded mode, to stay quick."""
    return embedded_server
