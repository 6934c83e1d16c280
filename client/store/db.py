"""Opening the local store: engine, pragmas, schema.

WAL lets the sync thread read while the counter writes; `synchronous=FULL` because an
acknowledged case must survive a power cut.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from .models import Base


@dataclass(frozen=True)
class Store:
    """The open local store: a session factory and the folder for scanned pages."""

    engine: Engine
    sessions: sessionmaker[Session]
    blob_dir: Path

    def close(self) -> None:
        self.engine.dispose()


def open_store(path: Path) -> Store:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(f"sqlite:///{path}", connect_args={"check_same_thread": False, "timeout": 30})

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_conn, _record):  # pragma: no branch - runs per connection
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.close()

    Base.metadata.create_all(engine)
    blob_dir = path.parent / "pages"
    blob_dir.mkdir(exist_ok=True)
    return Store(engine, sessionmaker(engine, expire_on_commit=False), blob_dir)
