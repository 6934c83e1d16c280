"""`onewindow store check`: is this store whole, and what is still waiting to be sent?

Runs on a read-only connection, so checking a damaged store changes nothing; the
rescue itself happens when the program starts (`client.store.rescue`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .db import readonly_connection
from .keys import StoreKeys
from .pages import PageStore, PageUnreadable


@dataclass(frozen=True)
class StoreHealth:
    opened: bool
    integrity: tuple[str, ...]  # PRAGMA integrity_check lines, ("ok",) when whole
    cipher: tuple[str, ...]  # pages whose SQLCipher HMAC fails (encrypted stores)
    unsent: int | None  # outbox events the back office has not acknowledged
    pages_checked: int
    bad_pages: tuple[str, ...]
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.opened and self.integrity == ("ok",) and not self.cipher and not self.bad_pages


def check_store(path: Path, keys: StoreKeys | None) -> StoreHealth:
    path = Path(path)
    pages = PageStore(path.parent / "pages", keys.page_key if keys else None)
    checked, bad = 0, []
    for page in sorted(pages.root.glob("??/*")) if pages.root.exists() else ():
        if page.suffix or not page.is_file():
            continue
        checked += 1
        try:
            pages.read(page.name)
        except (PageUnreadable, OSError):
            bad.append(page.name)
    try:
        conn = readonly_connection(path, keys)
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except Exception as exc:  # noqa: BLE001 - "cannot be opened" is itself the finding
        return StoreHealth(False, (), (), None, checked, tuple(bad), str(exc))
    try:
        integrity = _lines(conn, "PRAGMA integrity_check")
        cipher = _lines(conn, "PRAGMA cipher_integrity_check") if keys else ()
        unsent = _lines(conn, "SELECT count(*) FROM outbox WHERE state != 'acked'")
    finally:
        conn.close()
    return StoreHealth(True, integrity, cipher, int(unsent[0]) if unsent[0].isdigit() else None, checked, tuple(bad))


def _lines(conn, sql: str) -> tuple[str, ...]:
    """The first column of each row, or the error text: damage may stop a check half-way."""
    try:
        return tuple(str(r[0]) for r in conn.execute(sql).fetchall())
    except Exception as exc:  # noqa: BLE001 - the error is the answer
        return (f"error: {exc}",)
