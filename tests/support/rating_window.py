"""A window that takes a case in and lets the applicant rate it on the pad, pushing both to a
real back office the way the counter does (intake service, rating service, sync engine)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from client.domain.catalog import load_sample_catalog
from client.services.auth import Clerk
from client.services.ratings import RatingResult, RatingService
from client.store.db import Store
from client.store.models import Case
from client.store.outbox import StoreOutbox
from client.store.settings import load_identity
from devices.virtual.scanner import PageKind, render_page
from sync import protocol
from sync.api import BackOfficeApi
from sync.engine import SyncEngine
from sync.server.db import make_engine
from sync.server.runner import start_in_thread
from tests.console.site import Console
from tests.support.back_office import open_hall
from tests.sync.databases import server_database
from tests.sync.window_cases import MATTER_CODE, accept_with_scan, counter_intake, enrol_store

WINDOW_NAME = "测试窗口"  # what enrol_store enrols the window as


def department_code() -> str:
    """The 承办科室 of the matter the window takes in."""
    return load_sample_catalog().get(MATTER_CODE).department_code


def _scan() -> bytes:
    out = io.BytesIO()
    render_page(PageKind.TEXT, dpi=100, title="居民身份证", number=1).save(out, "JPEG", quality=80)
    return out.getvalue()


@dataclass(frozen=True)
class RatingWindow:
    store: Store
    api: BackOfficeApi
    outbox: StoreOutbox

    @classmethod
    def enrol(cls, store: Store, url: str, enrol_code: str) -> RatingWindow:
        token, _code = enrol_store(store, url, enrol_code)
        return cls(store, BackOfficeApi(url, token, timeout=30), StoreOutbox(store))

    def sync(self) -> None:
        assert SyncEngine(self.api, self.outbox).sync_once().ok

    def take_in(self) -> tuple[str, str]:
        """A case taken in and synced up; (case id, case number)."""
        case_id = accept_with_scan(counter_intake(self.store), _scan())
        self.sync()
        with self.store.sessions() as s:
            case = s.get(Case, case_id)
            assert case is not None
            return case_id, case.case_no

    def rate(self, case_id: str, level: int, clerk: str, reason: str = "") -> RatingResult:
        """The applicant presses `level` on the pad (and a 差评's reason); not pushed yet."""

        def identity():
            with self.store.sessions() as s:
                return load_identity(s)

        service = RatingService(self.store, None, identity)  # type: ignore[arg-type]  # record() needs no pad
        return service.record(case_id, level, Clerk(clerk, "", "clerk", offline=False), reason=reason)

    def pending(self) -> list[protocol.Event]:
        return self.outbox.pending(100, ready_only=True)


@contextmanager
def back_office_on(backend: str, folder: Path, request: pytest.FixtureRequest) -> Iterator[Console]:
    """A back office of the test's own on `backend` (SQLite file or PostgreSQL schema), on a
    thread of the test process, with a fresh hall; as a `Console`."""
    with server_database(backend, folder, request) as db_url:
        server = start_in_thread(db_url, folder / "blobs")
        engine = make_engine(db_url)
        try:
            yield Console(server.url, db_url, open_hall(engine))
        finally:
            engine.dispose()
            server.stop()
