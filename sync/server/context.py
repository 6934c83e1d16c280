"""What one running server holds: engine, sessions, blob folder, catalog.

Hung off `app.state.ctx` so that nothing lives in module globals and two apps
(for instance two tests) never share state.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from client.domain.catalog import Catalog, load_sample_catalog

from .db import make_engine, session_factory


@dataclass
class ServerContext:
    engine: Engine
    sessions: sessionmaker[Session]
    blob_dir: Path
    catalog: Catalog
    _blob_locks: dict[str, threading.Lock] = field(default_factory=dict)
    _locks_guard: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def open(cls, db_url: str, blob_dir: Path) -> ServerContext:
        engine = make_engine(db_url)
        blob_dir = Path(blob_dir)
        blob_dir.mkdir(parents=True, exist_ok=True)
        return cls(engine, session_factory(engine), blob_dir, load_sample_catalog())

    def blob_lock(self, sha256: str) -> threading.Lock:
        """One writer per blob inside this process (uploads of one file never interleave)."""
        with self._locks_guard:
            return self._blob_locks.setdefault(sha256, threading.Lock())

    def close(self) -> None:
        self.engine.dispose()
