"""A real Chromium (Debian's, at /usr/bin/chromium) driven by Playwright's sync API, against
the real ``numbers-mock serve`` of the ``numbers_mock`` fixture.

A missing Chromium is installed with apt-get when the tests run as root on Debian (so the
README's one test command does everything on a fresh machine, as ``.ci/run`` does); where it
cannot be, these tests fail: they are never skipped. Every request the page makes
that leaves the server's origin is aborted and recorded, and a test fails if there was one.

Playwright's sync API marks its event loop as running between calls, so the browser lives
only as long as this package's modules (``asyncio.run`` in later tests would refuse to start).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Request, Route, ViewportSize, sync_playwright

from numbers_mock_testing import NumbersMock

DEBIAN_CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM = Path(os.environ.get("NUMBERS_MOCK_CHROMIUM", str(DEBIAN_CHROMIUM)))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP: ViewportSize = {"width": 1280, "height": 800}
PHONE: ViewportSize = {"width": 390, "height": 844}
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "console"


def _install_chromium() -> None:
    """Debian's chromium package, when this process may install it (root, apt-get)."""
    if CHROMIUM != DEBIAN_CHROMIUM or os.geteuid() != 0 or shutil.which("apt-get") is None:
        return
    environment = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (["apt-get", "update", "-q"], ["apt-get", "install", "-y", "-q", "chromium"]):
        subprocess.run(command, env=environment, check=False, timeout=900, capture_output=True)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.is_file():
        _install_chromium()
    if not CHROMIUM.is_file():
        pytest.fail(
            f"Chromium is missing ({CHROMIUM}): the console's browser tests need it. Install "
            "it with `apt-get install chromium` (.ci/run does), or point "
            "NUMBERS_MOCK_CHROMIUM at a Chromium binary.",
            pytrace=False,
        )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class Console:
    """A tab on the console, with what it fetched (here and elsewhere), threw and logged."""

    page: Page
    url: str
    admin_key: str
    outside: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    logged: list[str] = field(default_factory=list)

    def sign_in(self) -> None:
        self.page.goto(self.url + "/")
        self.page.get_by_label("Admin key", exact=True).fill(self.admin_key)
        self.page.get_by_role("button", name="Open the console").click()
        self.page.get_by_role("tab", name="Stock", selected=True).wait_for()

    def open_tab(self, name: str) -> None:
        self.page.get_by_role("tab", name=name).click()

    def screenshot(self, name: str, *, quiet: bool = False) -> None:
        """docs/console/<name>.png; ``quiet``: without the last confirmation's toast."""
        if quiet:
            self.page.locator("#status").evaluate("status => { status.textContent = ''; }")
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=SCREENSHOTS / f"{name}.png", animations="disabled")


def open_console(
    browser: Browser, numbers_mock: NumbersMock, admin_key: str, viewport: ViewportSize
) -> Iterator[Console]:
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    console = Console(page, numbers_mock.url, admin_key)

    def only_the_server(route: Route, request: Request) -> None:
        if request.url == numbers_mock.url or request.url.startswith(numbers_mock.url + "/"):
            console.requests.append(request.url)
            route.continue_()
        else:
            console.outside.append(request.url)
            route.abort()

    page.route("**/*", only_the_server)
    page.on("pageerror", lambda error: console.page_errors.append(str(error)))
    page.on("console", lambda message: console.logged.append(message.text))
    try:
        yield console
    finally:
        context.close()
    assert console.outside == [], "the page tried to reach another host"
    assert console.page_errors == [], "uncaught errors in the page"
    assert not [text for text in console.logged if admin_key in text], "the key was logged"


@pytest.fixture
def console(browser: Browser, numbers_mock: NumbersMock, admin_key: str) -> Iterator[Console]:
    """A fresh tab (1280x800) on the console of a freshly reset server, not signed in."""
    yield from open_console(browser, numbers_mock, admin_key, DESKTOP)


@pytest.fixture
def phone(browser: Browser, numbers_mock: NumbersMock, admin_key: str) -> Iterator[Console]:
    """The same on a 390x844 phone screen."""
    yield from open_console(browser, numbers_mock, admin_key, PHONE)


@pytest.fixture
def admin_key(numbers_mock: NumbersMock) -> str:
    """The admin key of the fixture's server (a person reads it from the server's setup;
    the client keeps it private so that it never shows in a repr)."""
    key: str = numbers_mock._admin_key
    return key
