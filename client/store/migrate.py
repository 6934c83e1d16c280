"""Schema upgrades at start-up with alembic: field laptops upgrade with data in them.

A store made before migrations existed (tables, no `alembic_version`) is stamped at
the first revision, whose schema is exactly what `create_all` made then.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect
from sqlalchemy.engine import Connection, Engine

FIRST_REVISION = "0001"
SCRIPTS = Path(__file__).resolve().parent / "migrations"


def alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(SCRIPTS))
    return cfg


def head_revision() -> str | None:
    """The newest revision in `migrations/` (None only if it held none)."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(conn: Connection) -> str | None:
    return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine, target: str = "head") -> None:
    """Bring the store to `target` in one transaction (DDL included: SQLite allows it)."""
    with engine.connect() as conn:
        current = current_revision(conn)
        if target == "head" and current == head_revision():
            return
    with engine.begin() as conn:
        conn.exec_driver_sql("BEGIN IMMEDIATE")  # the driver would not begin before DDL
        cfg = alembic_config()
        cfg.attributes["connection"] = conn
        if current_revision(conn) is None and inspect(conn).has_table("cases"):
            command.stamp(cfg, FIRST_REVISION)
        command.upgrade(cfg, target)
