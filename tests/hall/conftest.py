"""The hall's calling display: a back office of the test's own with the demo hall's display
key set, and (for the browser tests) Chromium at the big screen's 1920×1080."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest

from sync.server.db import make_engine
from sync.server.demo import ensure_demo
from sync.server.hall import set_display_key
from sync.server.runner import start_in_thread
from tests.console.site import CHROMIUM, PlaywrightThread, Remote
from tests.hall.site import VIEWPORT, HallOffice, enrol
from tests.sync.databases import BACKENDS, server_database


@pytest.fixture(params=BACKENDS)
def backend(request) -> str:
    return request.param


def display_key(db_url: str, org_code: str) -> str:
    engine = make_engine(db_url, create=False)
    try:
        return set_display_key(engine, org_code)
    finally:
        engine.dispose()


@pytest.fixture
def hall_office(backend, tmp_path, request) -> Iterator[HallOffice]:
    """A back office on a thread of the test process, the demo hall's display key, a window."""
    with server_database(backend, tmp_path / "server", request) as db_url:
        demo = ensure_demo(db_url)
        key = display_key(db_url, demo.org_code)
        server = start_in_thread(db_url, tmp_path / "server" / "blobs")
        try:
            yield HallOffice(server.url, db_url, demo.org_code, key, enrol(server.url, demo.enrol_code))
        finally:
            server.stop()


@pytest.fixture(scope="session")
def browser():
    """Chromium, started once per test session and xdist worker, on a thread of its own, with
    sound allowed without a click (as the hall's kiosk command line does)."""
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
def screen(browser):
    """A fresh browser context at the hall screen's 1920×1080, and a page in it."""
    context = browser.new_context(viewport=VIEWPORT, locale="zh-CN")
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()
