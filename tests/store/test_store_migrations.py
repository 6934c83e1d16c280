"""Alembic migrations at start-up: a store made by the first schema upgrades with nothing lost."""

from __future__ import annotations

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.orm import Session, sessionmaker
from store_helpers import APPLICANT, CLERK, draft_for, intake_for

from client.store import db, migrate
from client.store.audit import verify_chain
from client.store.db import open_store
from client.store.keys import StoreKeys
from client.store.models import Base
from client.store.pages import PageStore

TABLES = ("settings", "counters", "cases", "materials", "case_events", "outbox", "blobs")


@pytest.fixture
def keys():
    return StoreKeys.from_master("ab" * 32)


# Added after the first release; empty on the rows it had.
LATER_COLUMNS = {"server_due", "clock_offset_s", "public_token"}


def _dump(engine) -> dict[str, list[tuple]]:
    dump = {}
    with engine.connect() as conn:
        for t in TABLES:
            result = conn.exec_driver_sql(f"SELECT * FROM {t}")
            keep = [i for i, name in enumerate(result.keys()) if name not in LATER_COLUMNS]
            dump[t] = sorted(tuple(row[i] for i in keep) for row in result.all())
    return dump


def _downgrade(engine, target: str) -> None:
    with engine.begin() as conn:
        cfg = migrate.alembic_config()
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, target)


def _first_schema_store(path, keys, tmp_path, cases: int = 3, stamped: bool = True):
    """A store at revision 0001 holding real accepted cases; returns the dump of its rows.

    Today's intake writes tables the first schema lacks (applicant memory), so the cases
    are taken in at head and the schema is then taken back to 0001 with its rows.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    engine = db._engine(path, keys)
    migrate.upgrade(engine)
    pages = PageStore(path.parent / "pages", keys.page_key)
    first = db.Store(engine, sessionmaker(engine, expire_on_commit=False), pages.root, pages, path, True)
    intake = intake_for(first)
    for i in range(cases):
        intake.accept(draft_for(intake, f"page {i}".encode() * 100, tmp_path), CLERK)
    _downgrade(engine, migrate.FIRST_REVISION)
    with engine.connect() as conn:
        assert migrate.current_revision(conn) == migrate.FIRST_REVISION
        assert not inspect(conn).has_table("known_parties")
    if not stamped:
        with engine.begin() as conn:
            conn.exec_driver_sql("DROP TABLE alembic_version")
    rows = _dump(engine)
    engine.dispose()
    return rows


def test_first_revision_is_the_schema_the_first_release_created(tmp_path, keys):
    engine = db._engine(tmp_path / "c.sqlite", keys)
    migrate.upgrade(engine, migrate.FIRST_REVISION)
    with engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    engine.dispose()
    later = {
        ("add_index", "ix_cases_received_at"),  # 0002
        ("add_table", "known_parties"),  # 0003
        ("add_table", "shifts"),
        ("add_index", "ix_shifts_opened_at"),  # 0004
        # 0005: the outreach tables, and the journal's case_id without its foreign key
        # (an outreach.missed event names an appointment, not a case)
        ("add_table", "outreach_runs"),
        ("add_index", "ix_outreach_runs_run_date"),
        ("add_table", "outreach_appointments"),
        ("add_index", "ix_outreach_appointments_case_id"),
        ("add_index", "ix_outreach_appointments_run_id"),
        ("remove_fk", "case_events"),
        ("add_table", "transfer_slips"),
        ("add_index", "ix_transfer_slips_case_id"),  # 0006
        ("add_table", "drafts"),
        ("add_index", "ix_drafts_clerk"),
        ("add_index", "ix_drafts_updated_at"),  # 0007: intakes in progress
        ("add_column", "server_due"),  # 0008: the back office's deadline on the case
        ("add_column", "clock_offset_s"),  # 0009: both clocks on the case
        ("add_column", "public_token"),  # 0010: the public page's token on the case
    }
    named = {"remove_fk": lambda d: d[1].table.name, "add_column": lambda d: d[3].name}
    assert {(d[0], named.get(d[0], lambda d: d[1].name)(d)) for d in diffs} == later


def test_head_matches_the_models_exactly(fresh_store):
    with fresh_store.engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
        assert migrate.current_revision(conn) == migrate.head_revision()


def test_upgrading_a_first_schema_store_with_cases_loses_nothing(tmp_path, keys):
    path = tmp_path / "client" / "client.sqlite"
    before = _first_schema_store(path, keys, tmp_path)
    assert len(before["cases"]) == 3 and len(before["outbox"]) == 3 and before["blobs"]
    store = open_store(path, keys=keys)
    try:
        assert _dump(store.engine) == before
        with store.engine.connect() as conn:
            assert migrate.current_revision(conn) == migrate.head_revision()
        assert verify_chain(store).ok
        intake = intake_for(store)
        assert intake.accept(draft_for(intake), CLERK).case_no.endswith("0004")
        for sha, _size, _state in before["blobs"]:
            assert store.pages.read(sha).startswith(b"page ")
        # The applicant of the cases already in the store is recognised after the upgrade.
        known = intake.returning_applicant(APPLICANT.id_number)
        assert (known.name, known.phone, known.cases) == (APPLICANT.name, "13800000000", 4)
        with Session(store.engine) as s:
            assert s.execute(text("SELECT name, last_case_id FROM known_parties")).all() == [
                (APPLICANT.name, s.execute(text("SELECT id FROM cases ORDER BY case_no DESC")).scalar())
            ]
    finally:
        store.close()


def test_a_store_made_before_migrations_existed_is_adopted_and_upgraded(tmp_path, keys):
    path = tmp_path / "client" / "client.sqlite"
    before = _first_schema_store(path, keys, tmp_path, stamped=False)
    store = open_store(path, keys=keys)
    try:
        assert _dump(store.engine) == before
        with Session(store.engine) as s:
            names = {r[0] for r in s.execute(text("SELECT name FROM sqlite_master WHERE type='trigger'"))}
            assert s.execute(text("SELECT applicant_name FROM cases")).scalars().all() == [APPLICANT.name] * 3
        assert names == {"case_events_no_update", "case_events_no_delete"}
    finally:
        store.close()


def test_events_cannot_be_updated_or_deleted_by_ordinary_sql(tmp_path, keys):
    path = tmp_path / "client" / "client.sqlite"
    _first_schema_store(path, keys, tmp_path, cases=1)
    store = open_store(path, keys=keys)
    try:
        for sql in ("UPDATE case_events SET clerk = 'x'", "DELETE FROM case_events"):
            with pytest.raises(Exception, match="append-only"), store.engine.begin() as conn:
                conn.exec_driver_sql(sql)
        with store.engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT clerk FROM case_events").scalar() == CLERK.username
    finally:
        store.close()
