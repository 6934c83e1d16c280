"""Issue 16, point 1, at every step: the back office is killed (SIGKILL, a process of its own)
at each step of a scan's upload, then started again on the same port, database and blob
folder. Whatever the step, the case must end complete with every scan's SHA-256 intact, the
window must never count a page as uploaded that the server does not hold complete, and the
sync status must end with nothing pending."""

from __future__ import annotations

import hashlib
import signal
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from sqlalchemy import create_engine, select
from sqlalchemy.engine import Engine

from client.embedded_server import free_port
from client.services.syncing import SyncService, SyncStatus
from client.store.db import Store
from client.store.models import BlobEntry
from client.store.outbox import StoreOutbox
from sync.api import BackOfficeApi
from sync.engine import SyncEngine
from sync.server import admin
from sync.server.app import PIECE
from sync.server.blobs import blob_paths
from sync.server.db import Blob
from sync.server.demo import ensure_demo
from sync.server.runner import start_in_thread
from tests.sync.databases import server_database
from tests.sync.dying_server import STEPS, start_dying
from tests.sync.window_cases import enrol_store, page_bytes, queue_case

# A small page, the one the server dies on (several body pieces, an unaligned length), and a
# middle one. Whether the engine takes a case's pages in queue order or by digest, another page
# goes up before the doomed one, so the kill also finds a page already complete.
SIZES = (300_000, 4 * PIECE + 300_001, PIECE + 200_000)
DOOMED = 1
ROUNDS_AFTER_RESTART = 3  # a bounded number: the upload must neither wedge nor need luck


@pytest.fixture
def server_db(backend, tmp_path, request) -> Iterator[str]:
    with server_database(backend, tmp_path / "server", request) as db_url:
        yield db_url


@pytest.fixture
def server_rows(server_db) -> Iterator[Engine]:
    """A plain connection to the back office's database, to read what it really holds."""
    engine = create_engine(server_db)
    yield engine
    engine.dispose()


def _closing_session() -> requests.Session:
    """A fresh connection per request: none left pooled to the killed process."""
    session = requests.Session()
    session.headers["Connection"] = "close"
    return session


def _window_done(store: Store) -> set[str]:
    with store.sessions() as s:
        return set(s.scalars(select(BlobEntry.sha256).where(BlobEntry.state == "done")))


def _server_complete(server_rows: Engine) -> dict[str, int]:
    with server_rows.connect() as conn:
        rows = conn.execute(select(Blob.sha256, Blob.size).where(Blob.complete.is_(True))).all()
    return {sha: size for sha, size in rows}


def _stored_digest(blob_dir: Path, sha: str) -> str | None:
    final = blob_paths(blob_dir, sha).final
    return hashlib.sha256(final.read_bytes()).hexdigest() if final.exists() else None


def _assert_done_only_when_complete(store: Store, server_rows: Engine, blob_dir: Path) -> None:
    """A page the window counts as uploaded is complete, verified and on the server's disk."""
    complete = _server_complete(server_rows)
    for sha in _window_done(store):
        assert sha in complete, f"page {sha[:12]} done on the window but not complete on the server"
        assert _stored_digest(blob_dir, sha) == sha


def _assert_left_behind(step: str, blob_dir: Path, server_rows: Engine, sha: str, size: int) -> None:
    """What the killed server left of the page it died on: proof that it died at that step."""
    paths = blob_paths(blob_dir, sha)
    part = paths.part.stat().st_size if paths.part.exists() else None
    final, marked = paths.final.exists(), sha in _server_complete(server_rows)
    if step == "put_begun":
        assert part is None and not final
    elif step == "part_opened":
        assert part == 0 and not final
    elif step in ("first_piece", "mid_body"):
        assert part is not None and part < size and not final
    elif step == "last_piece":
        assert part is not None and part <= size and not final
    elif step in ("durable_unverified", "verified_unrenamed"):
        assert part == size and not final
    elif step in ("renamed_unmarked", "marking_uncommitted"):
        assert part is None and final and not marked
    else:
        assert part is None and final and marked


def _synced(status: SyncStatus) -> bool:
    return not status.error and status.pending == 0 and status.blobs_pending == 0 and status.bytes_left == 0


@dataclass(frozen=True)
class Scans:
    pages: tuple[bytes, ...]
    shas: tuple[str, ...]

    @property
    def doomed(self) -> str:
        return self.shas[DOOMED]


@pytest.fixture
def scans() -> Scans:
    pages = tuple(page_bytes(size, seed=160 + n) for n, size in enumerate(SIZES))
    return Scans(pages, tuple(hashlib.sha256(page).hexdigest() for page in pages))


def _kill_at(
    step: str,
    server_db: str,
    store: Store,
    scans: Scans,
    blob_dir: Path,
    log_path: Path,
    before: Callable[[SyncEngine, StoreOutbox], None] = lambda _engine, _outbox: None,
) -> tuple[SyncService, int]:
    """Queue the case, sync through a back office that dies at `step` on the doomed page;
    the window's sync service and the port the dead server listened on. `before` runs
    against the dying server before the round (it is alive until the doomed page's upload)."""
    enrol_code = ensure_demo(server_db).enrol_code
    port = free_port()
    dying = start_dying(step, scans.doomed, server_db, blob_dir, port, log_path)
    try:
        token, device_code = enrol_store(store, dying.url, enrol_code)
        queue_case(store, device_code, pages=scans.pages)
        outbox = StoreOutbox(store)
        engine = SyncEngine(BackOfficeApi(dying.url, token, timeout=20, session=_closing_session()), outbox)
        before(engine, outbox)
        sync = SyncService(lambda: engine, outbox)

        status = sync.sync_now()
        assert status.error, "the round went through a server that was killed in it"
        assert dying.wait_dead() == step
        assert dying.process.returncode == -signal.SIGKILL
    finally:
        dying.stop()
    return sync, port


def _restart_and_sync(sync: SyncService, server_db: str, blob_dir: Path, port: int, server_rows: Engine) -> None:
    """A normal back office on the same port, database and blob folder; a bounded number of
    rounds until the window has nothing pending."""
    server = start_in_thread(server_db, blob_dir, port=port)
    try:
        for _ in range(ROUNDS_AFTER_RESTART):
            status = sync.sync_now()
            _assert_done_only_when_complete(sync.outbox.store, server_rows, blob_dir)
            if _synced(status):
                break
    finally:
        server.stop()
    assert _synced(status), status.label
    assert status.label.startswith("已同步")


def _assert_case_whole(server_db: str, server_rows: Engine, store: Store, blob_dir: Path, scans: Scans) -> None:
    [case] = admin.list_cases(server_db)
    assert case.complete is True
    assert _window_done(store) == set(scans.shas)
    assert _server_complete(server_rows) == {sha: len(page) for sha, page in zip(scans.shas, scans.pages)}
    for sha, page in zip(scans.shas, scans.pages):
        assert _stored_digest(blob_dir, sha) == sha
        assert blob_paths(blob_dir, sha).final.read_bytes() == page
    assert not list(blob_dir.glob("??/*.part")), "a `.part` was left behind"


@pytest.mark.own_back_office
@pytest.mark.parametrize("step", list(STEPS))
def test_killed_at_an_upload_step_the_case_ends_complete(step, server_db, server_rows, fresh_store, scans, tmp_path):
    blob_dir = tmp_path / "server" / "blobs"
    sync, port = _kill_at(step, server_db, fresh_store, scans, blob_dir, tmp_path / "server" / "dying.log")

    _assert_left_behind(step, blob_dir, server_rows, scans.doomed, SIZES[DOOMED])
    _assert_done_only_when_complete(fresh_store, server_rows, blob_dir)
    # Only a `complete` the window has read counts: the page is done there after `answered` only.
    assert (scans.doomed in _window_done(fresh_store)) is (step == "answered")

    _restart_and_sync(sync, server_db, blob_dir, port, server_rows)
    _assert_case_whole(server_db, server_rows, fresh_store, blob_dir, scans)


# The steps around the transaction that marks the page complete and recounts its cases.
RECOUNT_STEPS = ("renamed_unmarked", "marking_uncommitted", "complete_unanswered")


@pytest.mark.own_back_office
@pytest.mark.parametrize("step", RECOUNT_STEPS)
def test_killed_while_a_case_on_the_server_waits_for_its_last_page_the_case_is_recounted(
    step, server_db, server_rows, fresh_store, scans, tmp_path
):
    """The case's record and its other pages are up (as for a 补正 or a visit's signature
    page): the doomed page is the one that makes the case complete, in the same transaction
    that marks it, so a kill there must leave both undone or both done, and never for good."""
    blob_dir = tmp_path / "server" / "blobs"

    def record_and_other_pages_up(engine: SyncEngine, outbox: StoreOutbox) -> None:
        events = outbox.pending(50)
        outbox.record_results(engine.api.push(events).results)
        for sha, page in zip(scans.shas, scans.pages):
            if sha != scans.doomed:
                assert engine.api.blob_put(sha, 0, outbox.blob_pieces(sha, 0), len(page)).complete
        [case] = admin.list_cases(server_db)
        assert case.complete is False

    log_path = tmp_path / "server" / "dying.log"
    sync, port = _kill_at(step, server_db, fresh_store, scans, blob_dir, log_path, before=record_and_other_pages_up)

    _assert_left_behind(step, blob_dir, server_rows, scans.doomed, SIZES[DOOMED])
    [case] = admin.list_cases(server_db)
    assert case.complete is (step == "complete_unanswered")  # the recount commits with the mark
    _assert_done_only_when_complete(fresh_store, server_rows, blob_dir)

    _restart_and_sync(sync, server_db, blob_dir, port, server_rows)
    _assert_case_whole(server_db, server_rows, fresh_store, blob_dir, scans)
