"""Shared fixtures, named for the state they put the world in.

Real parts throughout: SQLite files in tmp folders, the back office as a real uvicorn
server on a loopback port (one per test worker, a fresh hall per test; a process of the
test's own where the test needs it), pyusb over the virtual-device backend.
"""

from __future__ import annotations

import atexit
import gc
import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

# python-escpos makes a temp folder on every import: keep them in one scratch folder.
_SCRATCH = tempfile.mkdtemp(prefix="onewindow-tests-")
os.environ["TMPDIR"] = _SCRATCH
tempfile.tempdir = None
atexit.register(shutil.rmtree, _SCRATCH, True)

import keyring  # noqa: E402
import pytest  # noqa: E402

from tests.support.back_office import Hall, SharedBackOffice, open_hall, sqlite_url  # noqa: E402
from tests.support.memory_keyring import TestKeyring  # noqa: E402


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "own_back_office: the test gets a back office process of its own "
        "(it publishes server-wide data, or kills or restarts the server)",
    )
    config.addinivalue_line("markers", "ui: drives a Tk window on the virtual display (everything under tests/ui)")


def pytest_collection_modifyitems(config, items):
    """Mark the window tests, so `-m "not ui"` leaves them out. Each xdist worker starts
    its own Xvfb (pytest-xvfb), so they need no grouping: no two share a display's focus."""
    ui_dir = Path(__file__).parent / "ui"
    for item in items:
        if ui_dir in Path(item.fspath).parents:
            item.add_marker(pytest.mark.ui)


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """The PostgreSQL the back-office tests use: ONEWINDOW_TEST_PG_URL, or a throw-away
    cluster started on first use (once per session and worker); skips the test when
    ONEWINDOW_TEST_NO_PG is set or PostgreSQL is not installed."""
    given = os.environ.get("ONEWINDOW_TEST_PG_URL")
    if given:
        yield given
        return
    if os.environ.get("ONEWINDOW_TEST_NO_PG"):
        pytest.skip("ONEWINDOW_TEST_NO_PG is set")
    from tests.support.postgres import start_cluster

    cluster = start_cluster()
    if cluster is None:
        pytest.skip("PostgreSQL could not be started (see the output above)")
    try:
        yield cluster.url
    finally:
        cluster.stop()


@pytest.fixture(scope="session")
def seaweed():
    """A real SeaweedFS with its S3 gateway (`.endpoint`), started on first use, once per
    session and worker; `.restart()` keeps its data and ports."""
    from tests.support.seaweed import start_seaweed

    server = start_seaweed()
    try:
        yield server
    finally:
        server.remove()


@pytest.fixture
def own_seaweed():
    """A SeaweedFS of the test's own, for a test that restarts it: the session's one serves
    the worker's later tests, which must not meet a store still coming back."""
    from tests.support.seaweed import start_seaweed

    server = start_seaweed()
    try:
        yield server
    finally:
        server.remove()


@pytest.fixture
def s3_store(seaweed):
    """An `S3BlobStore` on a bucket of its own in the session's SeaweedFS."""
    import uuid

    from sync.server.blobstore.s3 import S3BlobStore

    return S3BlobStore.connect(seaweed.endpoint, f"test-{uuid.uuid4().hex[:16]}", "test-key", "test-secret")


@pytest.fixture(autouse=True)
def tk_garbage_on_the_main_thread(request):
    """During a window test, only the Tk thread collects garbage.

    A tkinter Variable left in a reference cycle is finalised by whichever thread next runs
    the cyclic collector. Off the main thread its `__del__` waits for a Tk main loop, which
    a test pumping `update()` never enters: a second each, then "main thread is not in main
    loop". Seen in a thread dump: the shared back office's event loop, on its thread in this
    process, stalled in `Variable.__del__` until the next test's enrolment timed out. (The
    window itself runs `mainloop()`, which serves such calls at once.) Set up before the
    window fixtures and torn down after them, so the window's last objects go here too.
    """
    window_test = request.node.get_closest_marker("ui") is not None
    if window_test:
        gc.disable()
    yield
    if window_test:
        gc.collect()
        gc.enable()


@pytest.fixture(autouse=True)
def memory_keyring():
    """Every test gets an empty in-memory keyring, selected here explicitly (importing it
    registers nothing): no OS keyring on CI, no leaks between tests."""
    previous = keyring.get_keyring()
    ring = TestKeyring()
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
    """A back office on a loopback port and a hall of its own on it (org unit, users, codes)."""

    url: str
    port: int
    db_url: str
    blob_dir: Path
    hall: Hall

    @property
    def enrol_code(self) -> str:
        return self.hall.enrol_code

    @property
    def clerk(self) -> str:
        return self.hall.clerk

    @property
    def password(self) -> str:
        return self.hall.password


@pytest.fixture(scope="session")
def shared_back_office(tmp_path_factory) -> Iterator[SharedBackOffice]:
    """One back office for the whole session (per xdist worker), on a thread of this process."""
    from sync.server.db import make_engine
    from sync.server.runner import start_in_thread

    folder = tmp_path_factory.mktemp("shared-back-office")
    db_url = sqlite_url(folder)
    server = start_in_thread(db_url, folder / "blobs")
    engine = make_engine(db_url)
    yield SharedBackOffice(server.url, server.port, db_url, folder / "blobs", engine)
    engine.dispose()
    server.stop()


@pytest.fixture
def live_server(request, tmp_path) -> Iterator[LiveServer]:
    """A fresh hall on the shared back office; with the `own_back_office` mark, on a back
    office process of the test's own."""
    if request.node.get_closest_marker("own_back_office") is None:
        shared = request.getfixturevalue("shared_back_office")
        yield LiveServer(shared.url, shared.port, shared.db_url, shared.blob_dir, open_hall(shared.engine))
        return
    from client.embedded_server import EmbeddedServer
    from sync.server.db import make_engine

    db_url = sqlite_url(tmp_path / "server")
    engine = make_engine(db_url)
    server = EmbeddedServer.start(db_url, tmp_path / "server" / "blobs", tmp_path / "server" / "server.log")
    try:
        yield LiveServer(
            server.url, int(server.url.rsplit(":", 1)[1]), db_url, tmp_path / "server" / "blobs", open_hall(engine)
        )
    finally:
        server.stop()
        engine.dispose()


@pytest.fixture
def virtual_devices():
    from devices.virtual import start_virtual_hardware

    return start_virtual_hardware()


@pytest.fixture
def clocked_window(tmp_path, live_server, virtual_devices):
    """A window machine enrolled with the live back office whose wall clock the test sets
    (`.clock.skew`), for the clock checks on the service and on screen (tests/support/clocks.py)."""
    from tests.support.clocks import clocked_machine

    with clocked_machine(tmp_path / "client", live_server.url, live_server.enrol_code, virtual_devices) as machine:
        yield machine


@pytest.fixture
def enrolled_runtime(tmp_path, live_server, virtual_devices):
    """A counter machine enrolled with the live back office, virtual devices attached."""
    from client.app import ClientConfig, build_runtime

    runtime = build_runtime(ClientConfig(data_dir=tmp_path / "client", demo=True), virtual=virtual_devices)
    runtime.enrolment.enrol(live_server.url, live_server.enrol_code, "测试窗口")
    yield runtime
    runtime.close()
