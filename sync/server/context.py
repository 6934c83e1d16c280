"""What one running server holds: engine, sessions, blob store, catalog.

Hung off `app.state.ctx` so that nothing lives in module globals and two apps
(for instance two tests) never share state. Nothing here is the only copy of anything:
several app processes serve one database and one blob store at once (the catalog cache
is keyed by the newest publication's id, the blob locks live in PostgreSQL).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from client.domain.catalog import Catalog, load_sample_catalog

from .blob_locks import BlobLock, BlobLocks, lock_engine
from .blobstore.base import BlobStore
from .blobstore.local import LocalBlobStore
from .db import Publication, make_engine, session_factory
from .publishing import KIND_CATALOG, current_catalog

DEFAULT_BLOB_QUOTA = 200 * 1000**3  # 200 GB of scans per org unit


@dataclass
class ServerContext:
    engine: Engine
    sessions: sessionmaker[Session]
    store: BlobStore
    catalog: Catalog
    blob_locks: BlobLocks
    blob_quota: int = DEFAULT_BLOB_QUOTA  # bytes of scans per org unit, held and in progress
    _locks_guard: threading.Lock = field(default_factory=threading.Lock)
    _catalog_cache: dict = field(default_factory=dict)

    @classmethod
    def open(cls, db_url: str, blobs: Path | BlobStore, blob_quota: int | None = None) -> ServerContext:
        """`blobs`: a folder (the embedded default) or a store already connected."""
        engine = make_engine(db_url)
        store = LocalBlobStore(Path(blobs)) if isinstance(blobs, str | Path) else blobs
        locks = BlobLocks(None if engine.dialect.name == "sqlite" else lock_engine(engine))
        quota = DEFAULT_BLOB_QUOTA if blob_quota is None else blob_quota
        return cls(engine, session_factory(engine), store, load_sample_catalog(), locks, quota)

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

    def blob_lock(self, sha256: str) -> BlobLock:
        """One writer per blob across every app process (uploads of one file never interleave)."""
        return self.blob_locks(sha256)

    def close(self) -> None:
        self.engine.dispose()
        if self.blob_locks.engine is not None:
            self.blob_locks.engine.dispose()
