"""A city's back office in pieces: app processes of their own on one PostgreSQL and one
SeaweedFS, and windows whose stores are enrolled with it.

The object store is the session's SeaweedFS (`seaweed`, tests/conftest.py), with a bucket
per test; the database is a schema per test on the session's PostgreSQL, or a cluster of
the test's own where the test restarts it.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from client.store.db import Store, open_store
from client.store.outbox import StoreOutbox
from sync.api import BackOfficeApi
from sync.engine import SyncEngine
from sync.server import admin
from sync.server.blobstore.s3 import S3BlobStore
from sync.server.demo import DEMO_ORG_CODE, ensure_demo
from tests.city.app_process import AppProcess
from tests.sync.conftest import closing_session
from tests.sync.databases import pg_schema_url
from tests.sync.fault_proxy import FaultProxy
from tests.sync.window_cases import enrol_store


@dataclass
class CityWindow:
    """A window's store, enrolled, syncing through a proxy in front of one app process or
    straight to another, as the test chooses round by round."""

    store: Store
    outbox: StoreOutbox
    engine: SyncEngine
    token: str
    device_code: str

    def through(self, url: str) -> CityWindow:
        self.engine.api.base_url = url
        return self

    def held(self, url: str, sha: str) -> tuple[int, bool]:
        """What the back office says it holds of a scan, asked through the app process at
        `url`: the status query waits for the scan's lock, so for any upload still being
        wound up by another process, whichever it is."""
        answer = requests.head(
            f"{url}/api/v1/blobs/{sha}", headers={"Authorization": f"Bearer {self.token}"}, timeout=60
        )
        return int(answer.headers["X-Blob-Size"]), answer.headers.get("X-Blob-Complete") == "true"


@dataclass
class City:
    db_url: str
    s3_endpoint: str
    bucket: str
    apps: list[AppProcess]
    root: Path

    def store(self) -> S3BlobStore:
        """The object store as an app process sees it (to check what it holds)."""
        return S3BlobStore.connect(self.s3_endpoint, self.bucket, "test-access", "test-secret")

    def add_app(self) -> AppProcess:
        n = len(self.apps)
        app = AppProcess(self.db_url, self.s3_endpoint, self.bucket, self.root / f"app{n}.log").start()
        self.apps.append(app)
        return app

    def stored_digest(self, sha: str) -> str:
        return hashlib.sha256(self.store().read(sha, 1 << 30)).hexdigest()


def _city(db_url: str, seaweed, root: Path, apps: int) -> Iterator[City]:
    ensure_demo(db_url)
    city = City(db_url, seaweed.endpoint, f"city-{uuid.uuid4().hex[:10]}", [], root)
    try:
        for _ in range(apps):
            city.add_app()
        yield city
    finally:
        for app in city.apps:
            app.kill()


@pytest.fixture
def city(postgres_url, seaweed, tmp_path) -> Iterator[City]:
    """Two app processes on a PostgreSQL schema of the test's own and a fresh bucket."""
    with pg_schema_url(postgres_url) as db_url:
        yield from _city(db_url, seaweed, tmp_path / "city", apps=2)


@pytest.fixture
def own_cluster():
    """A PostgreSQL of the test's own, for a test that restarts it."""
    from tests.support.postgres import start_cluster

    cluster = start_cluster()
    if cluster is None:
        pytest.fail("PostgreSQL could not be started")
    yield cluster
    cluster.stop()


@pytest.fixture
def city_on_own_cluster(own_cluster, seaweed, tmp_path) -> Iterator[City]:
    yield from _city(own_cluster.url, seaweed, tmp_path / "city", apps=2)


@pytest.fixture
def city_on_own_seaweed(postgres_url, own_seaweed, tmp_path) -> Iterator[City]:
    with pg_schema_url(postgres_url) as db_url:
        yield from _city(db_url, own_seaweed, tmp_path / "city", apps=2)


@pytest.fixture
def window_for(tmp_path) -> Iterator[Callable[[City, str], CityWindow]]:
    """Enrol a new window's store with the city (through `url`)."""
    stores: list[Store] = []

    def make(city: City, url: str) -> CityWindow:
        store = open_store(tmp_path / f"window{len(stores)}" / "client.sqlite", keys=None)
        stores.append(store)
        code = admin.issue_enrol_code(city.db_url, DEMO_ORG_CODE)
        token, device_code = enrol_store(store, url, code)
        outbox = StoreOutbox(store)
        api = BackOfficeApi(url, token, timeout=30, session=closing_session())
        return CityWindow(store, outbox, SyncEngine(api, outbox, batch=50), token, device_code)

    yield make
    for store in stores:
        store.close()


@pytest.fixture
def proxies() -> Iterator[Callable[[int], FaultProxy]]:
    started: list[FaultProxy] = []

    def make(port: int) -> FaultProxy:
        proxy = FaultProxy(port).start()
        started.append(proxy)
        return proxy

    yield make
    for proxy in started:
        proxy.stop()
