"""A back office of the test's own (SQLite or PostgreSQL) with the demo hall and an enrolled
device, believing X-Forwarded-For from loopback so a test can speak as several addresses."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from sync.server.db import make_engine
from sync.server.demo import ensure_demo
from sync.server.runner import start_in_thread
from tests.booking.site import BookingOffice, enrol
from tests.sync.databases import BACKENDS, server_database


@pytest.fixture(params=BACKENDS)
def backend(request) -> str:
    return request.param


def open_office(backend: str, tmp_path, request) -> Iterator[BookingOffice]:
    with server_database(backend, tmp_path / "server", request) as db_url:
        demo = ensure_demo(db_url)
        server = start_in_thread(db_url, tmp_path / "server" / "blobs", forwarded_allow_ips="127.0.0.1")
        engine = make_engine(db_url, create=False)
        try:
            yield BookingOffice(server.url, db_url, engine, demo.org_code, enrol(server.url, demo.enrol_code))
        finally:
            server.stop()
            engine.dispose()


@pytest.fixture
def office(backend, tmp_path, request) -> Iterator[BookingOffice]:
    yield from open_office(backend, tmp_path, request)


@pytest.fixture
def sqlite_office(tmp_path, request) -> Iterator[BookingOffice]:
    yield from open_office("sqlite", tmp_path, request)
