"""What one running server holds: engine, sessions, blob folder, catalog.

Hung off `app.state.ctx` so that nothing lives in module globals and two apps
(for instance two tests) never share state.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from client.domain.catalog import Catalog, load_sample_catalog

from .db import Publication, make_engine, session_factory
from .publishing import KIND_CATALOG, current_catalog


@dataclass
class ServerContext:
    engine: Engine
    sessions: sessionmaker[Session]
    blob_dir: Path
    catalog: Catalog
    _blob_locks: dict[str, threading.Lock] = field(default_factory=dict)
    unverified_parts: dict[str, tuple[int, int]] = field(default_factory=dict)  # sha -> (size, mtime) that failed
    _locks_guard: threading.Lock = field(default_factory=threading.Lock)
    _catalog_cache: dict = field(default_factory=dict)

    @classmethod
    def open(cls, db_url: str, blob_dir: Path) -> ServerContext:
        engine = make_engine(db_url)
        blob_dir = Path(blob_dir)
        blob_dir.mkdir(parents=True, exist_ok=True)
        return cls(engine, session_factory(engine), blob_dir, load_sample_catalog())

    def current_catalog(self, session: Session) -> Catalog:
        """The newest published catalog (the sample one until a catalog is published)."""
        newest = session.execute(select(func.max(Publication.id)).where(Publication.kind == KIND_CATALOG)).scalar()
        with self._locks_guard:
            if self._catalog_cache.get("id", -1) == newest:
                return self._catalog_cache["catalog"]
        catalog = current_catalog(session) if newest is not None else self.catalog
        with self._locks_guard:
            self._catalog_cache.update(id=newest, catalog=catalog)
        return catalog

    def blob_lock(self, sha256: str) -> threading.Lock:
        """One writer per blob inside this process (uploads of one file never interleave)."""
        with self._locks_guard:
            return self._blob_locks.setdefault(sha256, threading.Lock())

    def close(self) -> None:
        self.engine.dispose()
