"""Fault-test fixtures, each named for the state of the world it makes.

Real parts: a back office of each test's own on a loopback port (SQLite file or PostgreSQL schema),
a TCP proxy on loopback between window and back office, and a real local store.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from client.store.db import Store, open_store
from client.store.outbox import StoreOutbox
from sync.api import BackOfficeApi
from sync.engine import SyncEngine
from sync.server.demo import ensure_demo
from sync.server.runner import RunningServer, start_in_thread
from tests.sync.databases import BACKENDS, server_database
from tests.sync.fault_proxy import FaultProxy
from tests.sync.window_cases import enrol_store


@dataclass(frozen=True)
class RunningBackOffice:
    url: str
    port: int
    db_url: str
    blob_dir: Path
    enrol_code: str
    server: RunningServer


@dataclass(frozen=True)
class Window:
    """A window's store enrolled with the back office, syncing through the proxy."""

    store: Store
    outbox: StoreOutbox
    engine: SyncEngine
    token: str
    device_code: str
    proxy: FaultProxy


@pytest.fixture(params=BACKENDS)
def backend(request) -> str:
    return request.param


@pytest.fixture
def running_back_office(backend, tmp_path, request) -> Iterator[RunningBackOffice]:
    """A back office of the test's own (database, blob folder, demo accounts) on a thread of
    the test process: real HTTP on loopback, without the cost of starting a process."""
    with server_database(backend, tmp_path / "server", request) as db_url:
        demo = ensure_demo(db_url)
        blobs = tmp_path / "server" / "blobs"
        server = start_in_thread(db_url, blobs)
        try:
            yield RunningBackOffice(server.url, server.port, db_url, blobs, demo.enrol_code, server)
        finally:
            server.stop()


@pytest.fixture
def proxy(running_back_office) -> Iterator[FaultProxy]:
    proxy = FaultProxy(running_back_office.port).start()
    yield proxy
    proxy.stop()


def closing_session() -> requests.Session:
    """One request per connection, so the proxy sees (and can break) each one."""
    session = requests.Session()
    session.headers["Connection"] = "close"
    return session


@pytest.fixture
def window(tmp_path, running_back_office, proxy) -> Iterator[Window]:
    store = open_store(tmp_path / "window" / "client.sqlite", keys=None)
    token, device_code = enrol_store(store, running_back_office.url, running_back_office.enrol_code)
    outbox = StoreOutbox(store)
    api = BackOfficeApi(proxy.url, token, timeout=20, session=closing_session())
    yield Window(store, outbox, SyncEngine(api, outbox, batch=50), token, device_code, proxy)
    store.close()
