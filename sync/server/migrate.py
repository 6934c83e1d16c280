"""Bring a back-office database to the current schema with alembic.

Runs in one transaction under a lock (SQLite `BEGIN IMMEDIATE`, a PostgreSQL
advisory lock), so the server and the CLI starting together never race. A
database made by the old `create_all` (tables but no alembic version) is stamped
at the first revision and upgraded from there.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection, Engine

FIRST_REVISION = "0001"
_PG_LOCK_KEY = 0x0E_57_1D  # any constant shared by every server process


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine, target: str = "head") -> None:
    """Migrate to `target` (the newest revision by default).

    On SQLite, alembic's batch mode rebuilds a table by copy, drop and rename; with
    foreign keys enforced the drop fails as soon as another table's rows reference it
    (a filled field database). So, as SQLite's own ALTER TABLE procedure says, foreign
    keys are off for the migration (the pragma only works outside a transaction) and
    `foreign_key_check` must come back clean before the transaction commits.
    """
    with engine.connect() as conn:
        sqlite = conn.dialect.name == "sqlite"
        if sqlite:
            _pragma(conn, "PRAGMA foreign_keys = OFF")
        try:
            with conn.begin():
                if conn.dialect.name == "postgresql":
                    conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK_KEY})
                config = alembic_config(conn)
                tables = set(inspect(conn).get_table_names())
                if "alembic_version" not in tables and "cases" in tables:
                    command.stamp(config, FIRST_REVISION)
                command.upgrade(config, target)
                if sqlite:
                    broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                    if broken:
                        raise RuntimeError(f"migration left rows without their parent: {broken[:5]}")
        finally:
            if sqlite:
                _pragma(conn, "PRAGMA foreign_keys = ON")


def _pragma(conn: Connection, sql: str) -> None:
    """Run a PRAGMA on the DB-API connection itself, outside SQLAlchemy's transaction."""
    dbapi = conn.connection.dbapi_connection
    assert dbapi is not None  # only a closed or invalidated connection has none
    dbapi.execute(sql)
