"""Opening the local store: cipher key, pragmas, migrations, integrity check.

WAL lets the sync thread read while the counter writes; `synchronous=FULL` because an
acknowledged case must survive a power cut. With keys the file is SQLCipher and the
scanned pages are sealed; without keys (the explicit development switch) both are
plaintext, and the window says so.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DatabaseError
from sqlalchemy.orm import Session, sessionmaker

from . import migrate
from .errors import StoreCorrupted, StoreLocked
from .keys import SQLITE_HEADER, StoreKeys
from .pages import PageStore

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Store:
    """The open local store: a session factory and the (sealed) scanned pages."""

    engine: Engine
    sessions: sessionmaker[Session]
    blob_dir: Path
    pages: PageStore
    path: Path
    encrypted: bool

    def close(self) -> None:
        self.engine.dispose()


def _dbapi(keys: StoreKeys | None) -> ModuleType:
    """The DB-API module: the standard sqlite3, or with keys SQLCipher's drop-in copy of it."""
    if keys is None:
        import sqlite3

        return sqlite3
    from sqlcipher3 import dbapi2

    return dbapi2


def _connector(path: Path, keys: StoreKeys | None):
    dbapi = _dbapi(keys)

    def connect():
        conn = dbapi.connect(str(path), check_same_thread=False, timeout=30)
        if keys is not None:
            conn.execute("PRAGMA cipher_log_level = NONE")
            conn.execute(keys.sqlcipher_pragma())
        return conn

    return dbapi, connect


def readonly_connection(path: Path, keys: StoreKeys | None):
    """A bare DB-API connection that cannot write: for checking and salvaging a store
    without migrations or pragmas touching a file that may be damaged."""
    _, connect = _connector(path, keys)
    conn = connect()
    conn.execute("PRAGMA query_only = 1")
    return conn


def _engine(path: Path, keys: StoreKeys | None) -> Engine:
    dbapi, connect = _connector(path, keys)
    engine = create_engine(f"sqlite:///{path}", module=dbapi, creator=connect)

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_conn, _record):  # pragma: no branch - runs per connection
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.close()

    return engine


def _encrypt_plaintext_file(path: Path, keys: StoreKeys) -> None:
    """Turn a plaintext store (dev switch, or made before encryption) into SQLCipher.

    Written to a side file and swapped in with a rename, so a crash leaves either the
    old plaintext store or the new encrypted one.
    """
    from sqlcipher3 import dbapi2

    tmp = path.with_name(path.name + ".encrypting")
    tmp.unlink(missing_ok=True)
    conn = dbapi2.connect(str(path))
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.execute(f"ATTACH DATABASE ? AS sealed KEY \"x'{keys.db_key.hex()}'\"", (str(tmp),))
        conn.execute("SELECT sqlcipher_export('sealed')")
        conn.execute("DETACH DATABASE sealed")
        conn.execute("PRAGMA journal_mode=DELETE")
    finally:
        conn.close()
    with open(tmp, "rb+") as fh:
        os.fsync(fh.fileno())
    for suffix in ("-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    os.replace(tmp, path)
    log.warning("encrypted the plaintext store %s", path)


def _check_integrity(engine: Engine) -> None:
    with engine.connect() as conn:
        rows = [r[0] for r in conn.exec_driver_sql("PRAGMA integrity_check").all()]
    if rows != ["ok"]:
        raise StoreCorrupted("; ".join(rows[:20]))


def _plaintext_header(path: Path, keys: StoreKeys | None) -> bool:
    """A dev store that still starts like SQLite but will not open is damaged, not locked.

    An encrypted file has no readable header, so for it a wrong key and a damaged first
    page look the same; that stays `StoreLocked`, which never sets the file aside.
    """
    if keys is not None:
        return False
    with open(path, "rb") as fh:
        return fh.read(len(SQLITE_HEADER)) == SQLITE_HEADER


def open_store(path: Path, *, keys: StoreKeys | None) -> Store:
    """Open (creating, encrypting or upgrading as needed) the store at `path`.

    `keys=None` is the development switch: plaintext database and pages.
    Raises `StoreLocked` for a wrong key, `StoreCorrupted` when the integrity check fails.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    pages = PageStore(path.parent / "pages", keys.page_key if keys else None)
    if keys is not None and path.exists():
        with open(path, "rb") as fh:
            plaintext = fh.read(len(SQLITE_HEADER)) == SQLITE_HEADER
        if plaintext:
            _encrypt_plaintext_file(path, keys)
            pages.encrypt_plaintext_pages()
    engine = _engine(path, keys)
    try:
        migrate.upgrade(engine)
        _check_integrity(engine)
    except DatabaseError as exc:
        engine.dispose()
        if ("not a database" in str(exc) or "encrypted" in str(exc)) and not _plaintext_header(path, keys):
            raise StoreLocked(str(exc)) from exc
        raise StoreCorrupted(str(exc)) from exc
    except StoreCorrupted:
        engine.dispose()
        raise
    pages.root.mkdir(exist_ok=True)
    return Store(engine, sessionmaker(engine, expire_on_commit=False), pages.root, pages, path, keys is not None)
