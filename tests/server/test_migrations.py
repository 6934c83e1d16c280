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
    with server_database(request.param, tmp_path / "db") as url:
        yield url


def test_migrations_build_exactly_the_models(empty_database):
    engine = make_engine(empty_database)
    try:
        assert current_revision(engine) == head_revision()
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": False}),
                                    Base.metadata)
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
        conn.execute(text("INSERT INTO org_units (code, name, region_code, level, created_at) "
                          "VALUES ('370702', '潍城区', '370702000000', 'county', '2026-01-01')"))
    legacy.dispose()
    engine = make_engine(url)
    try:
        assert current_revision(engine) == head_revision()
        assert "publications" in inspect(engine).get_table_names()
        assert admin.get_org_unit(engine, "370702").name == "潍城区"
    finally:
        engine.dispose()
