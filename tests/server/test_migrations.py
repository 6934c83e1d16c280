"""The schema comes from alembic migrations, the same on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from sync.server import admin
from sync.server.db import Base, make_engine
from sync.server.migrate import current_revision, head_revision, upgrade
from tests.sync.databases import BACKENDS, server_database


@pytest.fixture(params=BACKENDS)
def empty_database(request, tmp_path):
    with server_database(request.param, tmp_path / "db", request) as url:
        yield url


def test_migrations_build_exactly_the_models(empty_database):
    engine = make_engine(empty_database)
    try:
        assert current_revision(engine) == head_revision()
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": False}), Base.metadata)
        assert diff == []
    finally:
        engine.dispose()


def test_upgrading_twice_changes_nothing_and_keeps_data(empty_database):
    engine = make_engine(empty_database)
    admin.create_org_unit(engine, "370702", "潍城区", "370702000000")
    upgrade(engine)
    assert admin.get_org_unit(engine, "370702").name == "潍城区"
    engine.dispose()


def test_a_database_made_before_alembic_is_adopted(tmp_path):
    """The 0001 tables without an alembic_version row: what `create_all` used to leave."""
    url = f"sqlite:///{(tmp_path / 'old.sqlite').as_posix()}"
    legacy = make_engine(url, create=False)
    upgrade(legacy, "0001")
    with legacy.begin() as conn:
        conn.execute(text("DROP TABLE alembic_version"))
        conn.execute(
            text(
                "INSERT INTO org_units (code, name, region_code, level, created_at) "
                "VALUES ('370702', '潍城区', '370702000000', 'county', '2026-01-01')"
            )
        )
    legacy.dispose()
    engine = make_engine(url)
    try:
        assert current_revision(engine) == head_revision()
        assert "publications" in inspect(engine).get_table_names()
        assert admin.get_org_unit(engine, "370702").name == "潍城区"
    finally:
        engine.dispose()


def test_a_filled_database_of_the_first_schema_upgrades_to_head(empty_database):
    """Rows referencing org units and cases must not stop a later migration (a real field upgrade).

    The demo's server database from an earlier release failed here: a batch rebuild of
    org_units tripped SQLite's foreign keys, so `make run` stopped at migration 0005.
    """
    engine = make_engine(empty_database, create=False)
    upgrade(engine, "0001")
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO org_units (code, name, region_code, level, created_at) "
                "VALUES ('370702', '潍城区', '370702000000', 'county', '2026-01-01')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO users (username, display_name, role, org_code, password_hash, "
                "active, created_at) VALUES ('clerk01', '张敏', 'clerk', '370702', 'x', true, "
                "'2026-01-01')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO devices (id, device_code, name, org_code, token_hash, revoked, "
                "enrolled_at) VALUES ('d1', 'QPZ6', '3号窗口', '370702', 'h', false, '2026-01-01')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO cases (id, case_no, org_code, device_id, matter_code, matter_name, "
                "applicant_name, applicant_id_type, applicant_id_number, status, complete, "
                "received_at, payload, blobs_expected, created_at, updated_at) VALUES ('c1', "
                "'370702-20260101-QPZ6-0001', '370702', 'd1', 'M1', '事项', '王秀英', 'resident', "
                "'11010519491231002X', 'submitted', false, '2026-01-01', '{}', '[]', "
                "'2026-01-01', '2026-01-01')"
            )
        )
        conn.execute(text("INSERT INTO case_blobs (case_id, sha256) VALUES ('c1', :sha)"), {"sha": "a" * 64})
    engine.dispose()
    engine = make_engine(empty_database)
    try:
        assert current_revision(engine) == head_revision()
        assert admin.get_org_unit(engine, "370702").name == "潍城区"
        with engine.connect() as conn:
            assert conn.execute(text("SELECT username FROM users")).scalars().all() == ["clerk01"]
            assert conn.execute(text("SELECT case_id FROM case_blobs")).scalars().all() == ["c1"]
    finally:
        engine.dispose()
