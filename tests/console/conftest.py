"""The approvers' console driven by a real headless Chromium (Debian's, through Playwright).

One browser per test session and xdist worker; each test gets a fresh browser context
(its own cookies) at 1366×768, and a `console` on the shared back office: the hall of
`live_server`, with staff made through the server's own admin functions.
"""

from __future__ import annotations

import shutil

import pytest

from tests.console.site import CHROMIUM, VIEWPORT, Console, PlaywrightThread, Remote


@pytest.fixture(scope="session")
def browser():
    """Chromium, started once per test session and xdist worker, on a thread of its own, with
    sound allowed without a click (as the hall display's kiosk command line does)."""
    from playwright.sync_api import sync_playwright

    if shutil.which(CHROMIUM) is None:
        pytest.fail(f"Chromium not found at {CHROMIUM}: run `scripts/system-deps.sh test` as root (apt chromium)")
    thread = PlaywrightThread()
    playwright = thread.call(lambda: sync_playwright().start())
    chromium = thread.call(
        lambda: playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--autoplay-policy=no-user-gesture-required"]
        )
    )
    try:
        yield Remote(chromium, thread)
    finally:
        thread.call(chromium.close)
        thread.call(playwright.stop)
        thread.close()


@pytest.fixture
def page(browser):
    """A fresh browser context (no cookies) and a page in it, at the window tests' 1366×768."""
    context = browser.new_context(viewport=VIEWPORT, locale="zh-CN")
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


@pytest.fixture
def console(live_server) -> Console:
    return Console(live_server.url, live_server.db_url, live_server.hall)
