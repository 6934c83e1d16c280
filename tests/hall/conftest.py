"""The hall's calling display: a back office of the test's own with the demo hall's display
key set, and (for the browser tests) Chromium at the big screen's 1920×1080."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from sync.server.db import make_engine
from sync.server.demo import ensure_demo
from sync.server.hall import set_display_key
from sync.server.runner import start_in_thread
from tests.console.conftest import browser  # noqa: F401  (Chromium, once per session)
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


@pytest.fixture
def screen(browser):  # noqa: F811
    """A fresh browser context at the hall screen's 1920×1080, and a page in it."""
    context = browser.new_context(viewport=VIEWPORT, locale="zh-CN")
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()
