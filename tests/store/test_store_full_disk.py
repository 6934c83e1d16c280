"""A full disk on save: a clear Chinese error, nothing half-written, and the store goes on
(issue 4, item 5). The database is filled for real with SQLite's max_page_count
(SQLITE_FULL), the page folder with RLIMIT_FSIZE in a forked child (it binds root too,
which a read-only folder does not)."""

from __future__ import annotations

import os
import resource
import signal

import pytest
from sqlalchemy import event, select
from store_helpers import CLERK, case_is_whole, count, draft_for, intake_for

from client.services.errors import ServiceError
from client.store.audit import verify_chain
from client.store.models import BlobEntry, Case, CaseEvent, Counter, Material, OutboxEntry

TABLES = (Case, Material, CaseEvent, OutboxEntry, BlobEntry, Counter)


def _cap_pages(store, limit: int):
    """Every new connection of the store gets `max_page_count = limit`; the pool is emptied
    so none escapes. Returns the listener, for `_lift`."""

    def cap(dbapi_conn, _record):
        dbapi_conn.execute(f"PRAGMA max_page_count = {limit}")

    event.listen(store.engine, "connect", cap)
    store.engine.dispose()
    return cap


def _lift(store, cap) -> None:
    event.remove(store.engine, "connect", cap)
    store.engine.dispose()


@pytest.fixture
def full_store(fresh_store, tmp_path):
    """An encrypted store whose database cannot grow by a single page; (store, intake, draft)."""
    intake = intake_for(fresh_store)
    draft = draft_for(intake, b"PNG-full-disk" * 100, tmp_path)
    intake.accept(draft, CLERK)
    cap = _cap_pages(fresh_store, 1)  # SQLite keeps the current size as the floor
    return fresh_store, intake, draft, cap


def _snapshot(store) -> dict:
    with store.sessions() as s:
        return {model.__tablename__: count(s, model) for model in TABLES} | {
            "counters": tuple(s.execute(select(Counter.name, Counter.value).order_by(Counter.name)).all())
        }


def _fill_until_refused(store, intake, draft) -> ServiceError:
    for _ in range(60):
        try:
            intake.accept(draft, CLERK)
        except ServiceError as refused:
            return refused
    pytest.fail("the capped store never filled up")


def test_a_full_database_refuses_the_save_in_chinese_and_keeps_nothing(full_store):
    store, intake, draft, _ = full_store
    before = {}
    refused = None
    for _ in range(60):
        before = _snapshot(store)
        try:
            intake.accept(draft, CLERK)
        except ServiceError as exc:
            refused = exc
            break
    assert refused is not None, "the capped store never filled up"
    assert "本机数据库写入失败，办件未保存" in refused.message and "磁盘空间" in refused.message
    assert _snapshot(store) == before  # no case, material, event, outbox row, no number used
    with store.sessions() as s:
        assert all(case_is_whole(s, case) for case in s.scalars(select(Case)))
    assert verify_chain(store).ok


def test_after_space_is_freed_the_next_save_works(full_store):
    store, intake, draft, cap = full_store
    _fill_until_refused(store, intake, draft)
    with store.sessions() as s:
        numbers = set(s.scalars(select(Case.case_no)))
    _lift(store, cap)
    result = intake.accept(draft, CLERK)
    with store.sessions() as s:
        assert case_is_whole(s, s.get(Case, result.case_id))
        assert int(result.case_no[-4:]) == len(numbers) + 1  # the refused save used no number
    assert verify_chain(store).ok
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"


def _import_with_file_limit(intake, scan, limit: int) -> str:
    """In a forked child with RLIMIT_FSIZE = `limit`, import `scan`; the error message it got."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # child: the kernel refuses any write past `limit` bytes (EFBIG)
        os.close(read)
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, resource.RLIM_INFINITY))
        try:
            intake.import_page(scan)
            message = "imported"
        except ServiceError as exc:
            message = exc.message
        except BaseException as exc:  # noqa: BLE001 - report anything to the parent
            message = f"unexpected: {exc!r}"
        os.write(write, message.encode("utf-8"))
        os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as fh:
        message = fh.read().decode("utf-8")
    os.waitpid(pid, 0)
    return message


def test_a_full_page_folder_refuses_the_scan_and_leaves_no_partial_file(fresh_store, tmp_path):
    intake = intake_for(fresh_store)
    scan = tmp_path / "big-scan.png"
    scan.write_bytes(b"\x89PNG" + os.urandom(256 * 1024))
    message = _import_with_file_limit(intake, scan, 64 * 1024)
    assert message == "保存扫描件失败，磁盘可能已满，请联系管理员"
    assert [p for p in fresh_store.blob_dir.rglob("*") if p.is_file()] == []  # no page, no .tmp
    page = intake.import_page(scan)  # limit lifted (the parent never had it)
    assert fresh_store.pages.read(page.sha256) == scan.read_bytes()
    result = intake.accept(draft_for(intake, scan.read_bytes(), tmp_path), CLERK)
    with fresh_store.sessions() as s:
        case = s.get(Case, result.case_id)
        assert case_is_whole(s, case) and page.sha256 in case.materials[0].pages
