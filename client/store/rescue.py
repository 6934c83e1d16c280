"""Rescue of a damaged store: salvage what reads, seal it, set the file aside, start fresh.

A damaged laptop must not stop the counter, and must not lose what it still holds.
Rows are read table by table, forwards and then backwards by rowid, so one bad page
costs only the rows on it. The export is sealed like the scanned pages (AES-256-GCM,
a key derived from the store's master key) because it holds ID numbers and addresses.
The damaged file is renamed, never deleted: a specialist may recover more from it.
"""
from __future__ import annotations

import datetime as dt
import gzip
import json
import logging
import os
import secrets as _random
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

from sqlalchemy import insert

from .db import Store, open_store, readonly_connection
from .errors import StoreRescued, StoreUnreadableRescue
from .files import write_whole
from .keys import DemoKeyFile, StoreKeys
from .models import CachedUser, Counter, Setting

log = logging.getLogger(__name__)

MAGIC = b"OWR1"
_NONCE = 12
FORMAT = "onewindow-rescue/1"
TABLES = ("cases", "materials", "case_events", "outbox", "blobs", "settings", "counters", "cached_users",
          "server_changes", "known_parties")
_JSON_COLUMNS = {"payload", "pages", "data"}
_CURSOR_KEY = "pull_cursor"  # dropped on carry-over: the fresh store re-reads the feed
DEV_RESCUE_KEY = "dev-rescue.key"


@dataclass(frozen=True)
class Salvage:
    """What could be read from a damaged store; `lost` names tables with unreadable rows."""

    tables: Mapping[str, list[dict]]
    lost: tuple[str, ...]
    problem: str

    @property
    def unsent(self) -> list[dict]:
        """Events the back office has not acknowledged, with their event rows."""
        events = {ev.get("event_id"): ev for ev in self.tables.get("case_events", [])}
        return [{**events.get(ob.get("event_id"), {}), **ob} for ob in self.tables.get("outbox", [])
                if ob.get("state") != "acked"]


@dataclass(frozen=True)
class RescueReport:
    rescue_file: Path
    moved_to: Path
    cases: int
    unsent: int
    complete: bool


def rescue_keys_for(db_path: Path, keys: StoreKeys | None) -> StoreKeys:
    """The key that seals rescue files: the store's own, or for the plaintext development
    store a key file beside it (that store is plaintext anyway, so no weaker)."""
    if keys is not None:
        return keys
    source = DemoKeyFile(Path(db_path).parent / DEV_RESCUE_KEY)
    if source.get() is None:
        source.put(_random.token_hex(32))
    return StoreKeys.from_master(source.get())


def _decode(columns: list[str], row: tuple) -> dict:
    item = {}
    for name, value in zip(columns, row):
        if isinstance(value, bytes):
            value = value.hex()
        elif name in _JSON_COLUMNS and isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError:
                pass
        item[name] = value
    return item


def _scan(path: Path, keys: StoreKeys | None, sql: str, args: tuple, into: dict[int, dict]) -> bool:
    """Add rows of `sql` to `into` (by rowid) until the first read error; True if it ran to the end.

    Each scan has its own connection: after a failed page SQLCipher may keep failing on
    that connection even for pages that are whole.
    """
    try:
        conn = readonly_connection(path, keys)
    except Exception:  # noqa: BLE001 - reported by the caller's first connection
        return False
    try:
        cur = conn.execute(sql, args)
        columns = [d[0] for d in cur.description]
        for row in cur:
            into.setdefault(row[0], _decode(columns[1:], row[1:]))
    except Exception as exc:  # noqa: BLE001 - any read error ends this direction only
        log.warning("rescue: %s stopped: %s", sql.split(" FROM ")[1].split()[0], exc)
        return False
    finally:
        conn.close()
    return True


def salvage(path: Path, keys: StoreKeys | None, problem: str = "") -> Salvage:
    """Read every row that can still be read from the store file at `path` (read-only)."""
    tables: dict[str, list[dict]] = {}
    lost: list[str] = []
    try:
        conn = readonly_connection(path, keys)
        try:
            present = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        finally:
            conn.close()
    except Exception as exc:  # noqa: BLE001 - nothing readable at all
        log.error("rescue: %s cannot be read at all: %s", path, exc)
        return Salvage({}, TABLES, problem or str(exc))
    for table in TABLES:
        if table not in present:
            continue
        rows: dict[int, dict] = {}
        if not _scan(path, keys, f"SELECT rowid, * FROM {table} ORDER BY rowid", (), rows):
            last = max(rows, default=-(2 ** 63))
            _scan(path, keys, f"SELECT rowid, * FROM {table} WHERE rowid > ? ORDER BY rowid DESC", (last,), rows)
            lost.append(table)
        tables[table] = [rows[k] for k in sorted(rows)]
    return Salvage(tables, tuple(lost), problem)


def seal(data: dict, keys: StoreKeys) -> bytes:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    nonce = os.urandom(_NONCE)
    plain = gzip.compress(json.dumps(data, ensure_ascii=False, default=str).encode("utf-8"))
    return MAGIC + nonce + AESGCM(keys.rescue_key).encrypt(nonce, plain, MAGIC)


def open_rescue(raw: bytes, keys: StoreKeys) -> dict:
    """The contents of a rescue file; `StoreUnreadableRescue` for a wrong key or a damaged file."""
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    if not raw.startswith(MAGIC) or len(raw) < len(MAGIC) + _NONCE + 16:
        raise StoreUnreadableRescue("not a OneWindow rescue file")
    try:
        plain = AESGCM(keys.rescue_key).decrypt(raw[len(MAGIC):len(MAGIC) + _NONCE], raw[len(MAGIC) + _NONCE:],
                                                MAGIC)
    except InvalidTag:
        raise StoreUnreadableRescue("rescue file: authentication failed (wrong key or altered)") from None
    return json.loads(gzip.decompress(plain))


def _free_name(folder: Path, stem: str, suffix: str) -> Path:
    target, n = folder / f"{stem}{suffix}", 1
    while target.exists():
        n += 1
        target = folder / f"{stem}-{n}{suffix}"
    return target


def set_aside(path: Path, folder: Path, stamp: str) -> Path:
    """Rename the damaged file (and its WAL and shared-memory files, which belong to it)."""
    aside = _free_name(folder, f"{path.stem}-{stamp}.corrupt", path.suffix)
    for tail in ("-wal", "-shm", ""):  # the main file last: a crash leaves it where it was
        part = Path(str(path) + tail)
        if part.exists():
            os.replace(part, Path(str(aside) + tail))
    return aside


def _carry_over(store: Store, found: Salvage) -> None:
    """Give the fresh store this device's identity, counters and offline logins, so case
    numbers minted after the rescue never repeat one minted before it."""
    tables = found.tables
    counters = {r["name"]: int(r["value"] or 0) for r in tables.get("counters", []) if r.get("name")}
    for case in tables.get("cases", []):
        number = str(case.get("case_no") or "")
        if len(number) == 28 and number[-4:].isdigit():  # region(12) date(8) device(4) seq(4)
            name = f"case_no:{number[12:20]}"
            counters[name] = max(counters.get(name, 0), int(number[-4:]))
    settings = [{"key": r["key"], "value": r["value"]} for r in tables.get("settings", [])
                if r.get("key") and r["key"] != _CURSOR_KEY]
    users = [{k: r.get(k) for k in ("username", "display_name", "role", "salt", "verifier")}
             | {"verified_at": dt.datetime.fromisoformat(str(r["verified_at"]))}
             for r in tables.get("cached_users", []) if r.get("username") and r.get("verified_at")]
    with store.sessions.begin() as s:
        if settings:
            s.execute(insert(Setting), settings)
        if counters:
            s.execute(insert(Counter), [{"name": k, "value": v} for k, v in counters.items()])
        if users:
            s.execute(insert(CachedUser), users)


def rescue_store(path: Path, *, keys: StoreKeys | None, problem: str,
                 now: dt.datetime | None = None) -> RescueReport:
    """Export what reads, set the damaged file aside and leave a fresh store at `path`.

    Order matters: the sealed export is on disk (fsynced) before the file is moved, and the
    file is moved before the fresh store is made, so a crash at any step loses nothing.
    """
    path = Path(path)
    now = now or dt.datetime.now()
    stamp = now.strftime("%Y%m%d-%H%M%S")
    folder = path.parent / "rescue"
    folder.mkdir(parents=True, exist_ok=True)
    found = salvage(path, keys, problem)
    document = {"format": FORMAT, "created_at": now.isoformat(), "source": str(path), "problem": problem,
                "incomplete_tables": list(found.lost), "tables": dict(found.tables), "unsent_outbox": found.unsent}
    rescue_file = _free_name(folder, f"rescue-{stamp}", ".owrescue")
    write_whole(rescue_file, seal(document, rescue_keys_for(path, keys)))
    moved_to = set_aside(path, folder, stamp)
    store = open_store(path, keys=keys)
    try:
        _carry_over(store, found)
    finally:
        store.close()
    report = RescueReport(rescue_file, moved_to, len(found.tables.get("cases", [])), len(found.unsent),
                          not found.lost)
    log.error("store %s damaged (%s); rescued %d cases, %d unsent events to %s; incomplete tables: %s; "
              "damaged file kept at %s; fresh store created", path, problem, report.cases, report.unsent,
              rescue_file, ", ".join(found.lost) or "none", moved_to)
    return report


def rescued_error(path: Path, keys: StoreKeys | None, damage: Exception) -> StoreRescued:
    """Run the rescue for a store that failed its check; the error to show the clerk."""
    report = rescue_store(path, keys=keys, problem=str(damage))
    return StoreRescued(str(damage), rescue_file=report.rescue_file, moved_to=report.moved_to,
                        cases=report.cases, unsent=report.unsent, complete=report.complete)
