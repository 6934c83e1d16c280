"""Shared fixtures, named for the state they put the world in.

Real parts throughout: SQLite files in tmp folders, the back office as a real
uvicorn process on a free loopback port, pyusb over the virtual-device backend.
"""
from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

# python-escpos makes a temp folder on every import: keep them in one scratch folder.
_SCRATCH = tempfile.mkdtemp(prefix="onewindow-tests-")
os.environ["TMPDIR"] = _SCRATCH
tempfile.tempdir = None
atexit.register(shutil.rmtree, _SCRATCH, True)

import keyring  # noqa: E402
import pytest  # noqa: E402

from client.store.secrets import MemoryKeyring  # noqa: E402


def pytest_configure(config):
    """Start a throw-away PostgreSQL for the back-office tests unless one is given."""
    if os.environ.get("ONEWINDOW_TEST_PG_URL") or os.environ.get("ONEWINDOW_TEST_NO_PG"):
        return
    from tests.support.postgres import start_cluster

    cluster = start_cluster()
    if cluster is not None:
        os.environ["ONEWINDOW_TEST_PG_URL"] = cluster.url
        config._onewindow_pg = cluster


def pytest_unconfigure(config):
    cluster = getattr(config, "_onewindow_pg", None)
    if cluster is not None:
        cluster.stop()


@pytest.fixture(autouse=True)
def memory_keyring():
    """Every test gets an empty in-memory keyring: no OS keyring on CI, no leaks between tests."""
    previous = keyring.get_keyring()
    ring = MemoryKeyring()
    keyring.set_keyring(ring)
    yield ring
    keyring.set_keyring(previous)


@pytest.fixture
def fresh_store(tmp_path):
    """A new encrypted store (SQLCipher + sealed pages), its key in the test keyring."""
    from client.store.db import open_store
    from client.store.keys import store_keys
    from client.store.secrets import SecretStore

    path = tmp_path / "client" / "client.sqlite"
    store = open_store(path, keys=store_keys(path, plaintext=False, demo=False, secrets=SecretStore()))
    yield store
    store.close()


@dataclass(frozen=True)
class LiveServer:
    url: str
    db_url: str
    blob_dir: Path
    enrol_code: str
    clerk: str
    password: str


@pytest.fixture
def live_server(tmp_path):
    """The back office as a real process on 127.0.0.1, with the demo org and accounts."""
    from client.embedded_server import EmbeddedServer
    from sync.server.demo import ensure_demo

    db_url = f"sqlite:///{tmp_path / 'server' / 'server.sqlite'}"
    (tmp_path / "server").mkdir()
    info = ensure_demo(db_url)
    server = EmbeddedServer.start(db_url, tmp_path / "server" / "blobs", tmp_path / "server" / "server.log")
    yield LiveServer(server.url, db_url, tmp_path / "server" / "blobs", info.enrol_code,
                     info.clerk_username, info.clerk_password)
    server.stop()


@pytest.fixture
def virtual_devices():
    from devices.virtual import start_virtual_hardware

    return start_virtual_hardware()


@pytest.fixture
def enrolled_runtime(tmp_path, live_server, virtual_devices):
    """A counter machine enrolled with the live back office, virtual devices attached."""
    from client.app import ClientConfig, build_runtime

    runtime = build_runtime(ClientConfig(data_dir=tmp_path / "client", demo=True), virtual=virtual_devices)
    runtime.enrolment.enrol(live_server.url, live_server.enrol_code, "测试窗口")
    yield runtime
    runtime.close()
