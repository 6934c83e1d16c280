"""Rescue of a damaged store: salvage what reads, seal it, set the file aside, start fresh,
then fill the fresh store again from the back office.

A damaged laptop must not stop the counter, and must not lose what it still holds.
Rows are read table by table, forwards and then backwards by rowid, so one bad page
costs only the rows on it. The export is sealed like the scanned pages (AES-256-GCM,
a key derived from the store's master key) because it holds ID numbers and addresses.
The damaged file is renamed, never deleted: a specialist may recover more from it.

The fresh store is marked for a restore: on its first sync round it takes back the open
cases of its org unit from the back office (`restore_snapshots`) and queues again the
unsent events salvaged here that the server does not hold (`requeue_unsent`).
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import logging
import os
import secrets as _random
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Date, DateTime, insert, select

from client.domain.identity import Agent, Applicant
from sync import protocol

from . import parties
from .audit import KEY_ANCHOR
from .db import Store, open_store, readonly_connection
from .errors import StoreRescued, StoreUnreadableRescue
from .files import write_whole
from .journal import chained, last_hash, next_value
from .keys import DemoKeyFile, StoreKeys
from .models import (
    BlobEntry,
    CachedUser,
    Case,
    CaseEvent,
    Counter,
    Draft,
    KnownParty,
    Material,
    OutboxEntry,
    ServerChange,
    Setting,
)
from .pages import PageStore

log = logging.getLogger(__name__)

MAGIC = b"OWR1"
_NONCE = 12
FORMAT = "onewindow-rescue/1"
TABLES = (
    "cases",
    "materials",
    "case_events",
    "outbox",
    "blobs",
    "settings",
    "counters",
    "cached_users",
    "server_changes",
    "known_parties",
    "drafts",  # intakes in progress: what the clerk typed must outlive a damaged store too
)
_JSON_COLUMNS = {"payload", "pages", "data", "agent"}
_PARTY_TEXT = ("id_type", "id_number", "kind", "name", "phone", "address", "legal_rep", "last_case_id")
_CURSOR_KEY = "pull_cursor"  # dropped on carry-over: the fresh store re-reads the feed
DEV_RESCUE_KEY = "dev-rescue.key"
KEY_RESTORE = "sync.restore"  # a restore from the back office is due: what to queue again after it
KEY_RESTORE_REPORT = "sync.restore_report"  # what the last restore brought back, for the clerk


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
        return [
            {**events.get(ob.get("event_id"), {}), **ob}
            for ob in self.tables.get("outbox", [])
            if ob.get("state") != "acked"
        ]


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
    master = source.get()  # read back what the file kept
    if master is None:
        raise OSError(f"{source.path}: the new rescue key was not kept")
    return StoreKeys.from_master(master)


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
            last = max(rows, default=-(2**63))
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
        plain = AESGCM(keys.rescue_key).decrypt(
            raw[len(MAGIC) : len(MAGIC) + _NONCE], raw[len(MAGIC) + _NONCE :], MAGIC
        )
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


def _restore_plan(found: Salvage, rescue_file: Path | str, now: dt.datetime, earlier: dict | None = None) -> dict:
    """What the first sync round after the rescue does: take back the server's cases, then
    queue again these unsent events (with their cases' rows, to rebuild cases the server
    never saw). A plan that never ran (`earlier`, or one salvaged with the settings) is merged in."""
    tables = found.tables
    earlier = earlier or next(
        (json.loads(r["value"]) for r in tables.get("settings", []) if r.get("key") == KEY_RESTORE and r.get("value")),
        {},
    )
    unsent = {
        u["event_id"]: u for u in [*earlier.get("unsent", []), *found.unsent] if u.get("event_id") and u.get("type")
    }
    ids = {u["case_id"] for u in unsent.values()}
    return {
        "requested_at": now.isoformat(),
        "rescue_file": str(rescue_file or earlier.get("rescue_file", "")),
        "restored": int(earlier.get("restored", 0)),
        "unsent": sorted(unsent.values(), key=lambda u: int(u.get("device_seq") or 0)),
        "cases": list(
            {
                c.get("id"): c for c in [*earlier.get("cases", []), *tables.get("cases", [])] if c.get("id") in ids
            }.values()
        ),
        "materials": list(
            {
                (m.get("case_id"), m.get("position")): m
                for m in [*earlier.get("materials", []), *tables.get("materials", [])]
                if m.get("case_id") in ids
            }.values()
        ),
    }


def _carry_over(store: Store, found: Salvage, plan: dict) -> None:
    """Give the fresh store this device's identity, counters and offline logins, so case
    numbers minted after the rescue never repeat one minted before it; the applicant memory,
    so returning applicants are still recognised; the clerks' drafts; and the restore plan."""
    tables = found.tables
    counters = {r["name"]: int(r["value"] or 0) for r in tables.get("counters", []) if r.get("name")}
    for case in tables.get("cases", []):
        number = str(case.get("case_no") or "")
        if len(number) == 28 and number[-4:].isdigit():  # region(12) date(8) device(4) seq(4)
            name = f"case_no:{number[12:20]}"
            counters[name] = max(counters.get(name, 0), int(number[-4:]))
    settings = [
        {"key": r["key"], "value": r["value"]}
        for r in tables.get("settings", [])
        # The audit anchor belonged to the old journal: the fresh store's starts again.
        if r.get("key") and r["key"] not in (_CURSOR_KEY, KEY_RESTORE, KEY_RESTORE_REPORT, KEY_ANCHOR)
    ]
    settings.append({"key": KEY_RESTORE, "value": json.dumps(plan, ensure_ascii=False, default=str)})
    users = [
        {k: r.get(k) for k in ("username", "display_name", "role", "salt", "verifier")}
        | {"verified_at": dt.datetime.fromisoformat(str(r["verified_at"]))}
        for r in tables.get("cached_users", [])
        if r.get("username") and r.get("verified_at")
    ]
    parties = [
        {k: r.get(k) or "" for k in _PARTY_TEXT}
        | {"agent": r.get("agent") or None, "updated_at": dt.datetime.fromisoformat(str(r["updated_at"]))}
        for r in tables.get("known_parties", [])
        if r.get("id_type") and r.get("id_number") and r.get("name") and r.get("updated_at")
    ]
    drafts = [
        {
            "id": r["id"],
            "clerk": r["clerk"],
            "created_at": dt.datetime.fromisoformat(str(r.get("created_at") or r["updated_at"])),
            "updated_at": dt.datetime.fromisoformat(str(r["updated_at"])),
            # The snapshot is JSON text; the salvage decoded it with the other JSON columns.
            "data": r["data"] if isinstance(r["data"], str) else json.dumps(r["data"], ensure_ascii=False),
            "pages": list(r.get("pages") or []),
        }
        for r in tables.get("drafts", [])
        if r.get("id") and r.get("clerk") and r.get("data") and r.get("updated_at")
    ]
    with store.sessions.begin() as s:
        if drafts:
            s.execute(insert(Draft), drafts)
        if parties:
            s.execute(insert(KnownParty), parties)
        if settings:
            s.execute(insert(Setting), settings)
        if counters:
            s.execute(insert(Counter), [{"name": k, "value": v} for k, v in counters.items()])
        if users:
            s.execute(insert(CachedUser), users)


def rescue_store(path: Path, *, keys: StoreKeys | None, problem: str, now: dt.datetime | None = None) -> RescueReport:
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
    document = {
        "format": FORMAT,
        "created_at": now.isoformat(),
        "source": str(path),
        "problem": problem,
        "incomplete_tables": list(found.lost),
        "tables": dict(found.tables),
        "unsent_outbox": found.unsent,
    }
    rescue_file = _free_name(folder, f"rescue-{stamp}", ".owrescue")
    write_whole(rescue_file, seal(document, rescue_keys_for(path, keys)))
    moved_to = set_aside(path, folder, stamp)
    store = open_store(path, keys=keys)
    try:
        _carry_over(store, found, _restore_plan(found, rescue_file, now))
    finally:
        store.close()
    report = RescueReport(rescue_file, moved_to, len(found.tables.get("cases", [])), len(found.unsent), not found.lost)
    log.error(
        "store %s damaged (%s); rescued %d cases, %d unsent events to %s; incomplete tables: %s; "
        "damaged file kept at %s; fresh store created",
        path,
        problem,
        report.cases,
        report.unsent,
        rescue_file,
        ", ".join(found.lost) or "none",
        moved_to,
    )
    return report


def rescued_error(path: Path, keys: StoreKeys | None, damage: Exception) -> StoreRescued:
    """Run the rescue for a store that failed its check; the error to show the clerk."""
    report = rescue_store(path, keys=keys, problem=str(damage))
    return StoreRescued(
        str(damage),
        rescue_file=report.rescue_file,
        moved_to=report.moved_to,
        cases=report.cases,
        unsent=report.unsent,
        complete=report.complete,
    )


# ---- filling a store again from the back office -----------------------------------------

_INITIAL_STATUS = {
    "accept": "accepted",
    "pledge": "accepted",
    "accept_tolerant": "accepted_tolerant",
    "conclude": "concluded",
    "notify_missing": "pending_supplement",
    "refuse": "refused",
}
_STEP_STATUS = {
    protocol.CASE_DELIVERED: "delivered",
    protocol.CASE_MAILED: "mailed",
    protocol.CASE_WITHDRAWN: "withdrawn",
}
_INTAKE_EVENTS = (protocol.CASE_ACCEPTED, protocol.CASE_NOTIFIED, protocol.CASE_REFUSED)


def request_restore(
    session, now: dt.datetime | None = None, rescue: dict | None = None, rescue_file: Path | str = ""
) -> None:
    """Mark the store for a restore from the back office on its next sync round; with an
    opened rescue file (`open_rescue`), its unsent events are queued again after it."""
    now = now or dt.datetime.now()
    row = session.get(Setting, KEY_RESTORE)
    earlier = json.loads(row.value) if row else {}
    found = Salvage((rescue or {}).get("tables", {}), tuple((rescue or {}).get("incomplete_tables", ())), "")
    plan = _restore_plan(found, rescue_file, now, earlier)
    if row is None:
        session.add(Setting(key=KEY_RESTORE, value=json.dumps(plan, ensure_ascii=False, default=str)))
    else:
        row.value = json.dumps(plan, ensure_ascii=False, default=str)


def _journal(
    session,
    *,
    event_id: str,
    case_id: str,
    type_: str,
    payload: dict,
    clerk: str,
    device_id: str,
    device_time: dt.datetime,
) -> None:
    """Write an event that already has its id (made on this or another window) into the chain."""
    session.add(
        CaseEvent(
            **chained(
                last_hash(session),
                event_id=event_id,
                case_id=case_id,
                type_=type_,
                payload=payload,
                clerk=clerk,
                device_id=device_id,
                device_time=device_time.replace(microsecond=0, tzinfo=None),
            )
        )
    )
    session.flush()


def _local(moment: dt.datetime) -> dt.datetime:
    """A time from the wire (aware: UTC from the server, or the offset a window sent) as this
    machine's local wall time, which the store keeps. A naive one is an older window's own
    wall time, taken as it is: the window restoring it is the one that wrote it, or its twin
    at the same counter."""
    return protocol.to_local(moment) if moment.tzinfo else moment


def _when(text, fallback: dt.datetime) -> dt.datetime:
    try:
        return dt.datetime.fromisoformat(str(text))
    except ValueError:
        return fallback


def _materials(case_id: str, items: list[dict]) -> list[Material]:
    """Material rows from a payload's material list (protocol.MaterialPayload form)."""
    return [
        Material(
            case_id=case_id,
            position=n,
            code=m.get("code", ""),
            name=m.get("name", ""),
            form=m.get("form", "original"),
            copies=int(m.get("copies", 1)),
            status=m.get("status", "received"),
            pages=list(m.get("blobs", [])),
        )
        for n, m in enumerate(items)
    ]


def _case_from_snapshot(snap: protocol.CaseSnapshot, now: dt.datetime) -> tuple[Case, list[Material]]:
    intake = snap.intake
    received = _local(_when(intake.get("received_at"), snap.received_at))
    promised = snap.promised_by or snap.due or received.date()
    case = Case(
        id=snap.case_id,
        case_no=snap.case_no,
        matter_code=snap.matter_code,
        matter_name=snap.matter_name,
        catalog_version=str(intake.get("catalog_version", "")),
        applicant_name=snap.applicant.name,
        applicant_id_type=snap.applicant.id_type,
        applicant_id_number=snap.applicant.id_number,
        applicant_phone=snap.applicant.phone,
        status=snap.status,
        received_at=received,
        promised_by=promised,
        server_due=snap.due,
        clerk=str(intake.get("clerk", "")),
        notice_no=str(intake.get("notice_no", "")),
        result_name=snap.result_name or "",
        result_no=snap.result_no or "",
        reason=snap.reason or "",
        updated_at=now,
    )
    return case, _materials(snap.case_id, intake.get("materials", []))


def _remember_applicant(session, snap: protocol.CaseSnapshot, case: Case) -> None:
    """Refill the applicant memory from the intake the back office kept, unless a later
    visit already taught the store more (restore pages do not come in time order)."""
    try:
        intake = protocol.CaseAcceptedPayload.model_validate(snap.intake)
    except ValueError:
        log.info("case %s: intake unreadable, applicant memory not refilled", snap.case_no)
        return
    known = session.get(KnownParty, (intake.applicant.id_type, intake.applicant.id_number))
    if known is not None and known.updated_at > case.received_at:
        return
    given, agent = intake.applicant, intake.agent
    parties.remember(
        session,
        Applicant(
            name=given.name,
            id_type=given.id_type,
            id_number=given.id_number,
            phone=given.phone,
            address=given.address,
            kind=given.kind,
            legal_rep=given.legal_rep,
            agent=None
            if agent is None
            else Agent(
                name=agent.name,
                id_number=agent.id_number,
                relation=agent.relation,
                id_type=agent.id_type,
                phone=agent.phone,
            ),
        ),
        case.id,
        case.received_at,
    )


_SAME_MOMENT = dt.timedelta(seconds=1)


def _server_order(snap: protocol.CaseSnapshot) -> list[protocol.RestoredEvent | protocol.Change]:
    """Window events and feed changes of a case in the order the server took them.

    The change an event causes is stamped a moment before the event row is, in the same
    transaction; so an event within a second of a change goes first.
    """
    events = sorted(snap.events, key=lambda e: e.server_time)
    order: list[protocol.RestoredEvent | protocol.Change] = []
    for change in snap.changes:
        while events and events[0].server_time <= change.server_time + _SAME_MOMENT:
            order.append(events.pop(0))
        order.append(change)
    return order + events


def restore_snapshots(
    session, snapshots: list[protocol.CaseSnapshot], device_id: str, now: dt.datetime | None = None
) -> int:
    """Put the back office's cases into the store; cases already here are left alone.

    Each case gets its window events under their own ids (so an unsent copy is recognised
    and not sent again), the server's decisions as timeline entries, and the feed changes
    it holds marked as seen (so the next pull does not replay them over the snapshot).
    Returns how many cases were added.
    """
    now = now or dt.datetime.now()
    added = 0
    for snap in snapshots:
        if (
            session.get(Case, snap.case_id) is not None
            or session.scalar(select(Case.id).where(Case.case_no == snap.case_no)) is not None
        ):
            continue
        case, materials = _case_from_snapshot(snap, now)
        session.add(case)
        session.add_all(materials)
        session.flush()
        _remember_applicant(session, snap, case)
        status = ""
        for item in _server_order(snap):
            if isinstance(item, protocol.RestoredEvent):
                if session.scalar(select(CaseEvent.seq).where(CaseEvent.event_id == item.event_id)) is None:
                    _journal(
                        session,
                        event_id=item.event_id,
                        case_id=case.id,
                        type_=item.type,
                        payload=item.payload,
                        clerk=str(item.payload.get("clerk", "")),
                        device_id=item.device_id,
                        device_time=_local(item.device_time),
                    )
                status = (
                    _INITIAL_STATUS.get(item.payload.get("outcome", "accept"), status)
                    if item.type in _INTAKE_EVENTS
                    else _STEP_STATUS.get(item.type, status)
                )
                continue
            if session.get(ServerChange, item.seq) is None:
                session.add(
                    ServerChange(
                        seq=item.seq,
                        case_id=case.id,
                        kind=item.kind,
                        data=item.data,
                        server_time=_local(item.server_time),
                    )
                )
            new = item.data.get("status", status)
            if new != status:
                _journal(
                    session,
                    event_id=str(uuid.uuid4()),
                    case_id=case.id,
                    type_="server." + new,
                    payload={k: v for k, v in item.data.items() if v is not None},
                    clerk=item.data.get("decided_by") or "后台",
                    device_id=device_id,
                    device_time=_local(item.server_time),
                )
                status = new
        added += 1
    return added


def _row(model, row: dict) -> dict:
    """A salvaged row's values typed for `model` (dates come back from the salvage as text)."""
    values = {}
    for column in model.__table__.columns:
        if column.name not in row or (column.primary_key and column.autoincrement is True):
            continue
        value = row[column.name]
        if value is not None and isinstance(column.type, DateTime):
            value = dt.datetime.fromisoformat(str(value))
        elif value is not None and isinstance(column.type, Date):
            value = dt.date.fromisoformat(str(value)[:10])
        values[column.name] = value
    return values


def _case_from_rescue(session, plan: dict, unsent: dict) -> Case | None:
    """Rebuild a case the server does not have from its salvaged row, or from its intake event."""
    row = next((c for c in plan.get("cases", []) if c.get("id") == unsent["case_id"]), None)
    if row is not None:
        case = Case(**_row(Case, row))
        materials = [Material(**_row(Material, m)) for m in plan.get("materials", []) if m.get("case_id") == case.id]
    elif unsent["type"] in _INTAKE_EVENTS:
        intake = protocol.CaseAcceptedPayload.model_validate(unsent["payload"])
        when = _when(unsent.get("device_time"), dt.datetime.now())
        case = Case(
            id=unsent["case_id"],
            case_no=intake.case_no,
            matter_code=intake.matter_code,
            matter_name=intake.matter_name,
            catalog_version=intake.catalog_version,
            applicant_name=intake.applicant.name,
            applicant_id_type=intake.applicant.id_type,
            applicant_id_number=intake.applicant.id_number,
            applicant_phone=intake.applicant.phone,
            status=_INITIAL_STATUS[intake.outcome],
            received_at=intake.received_at.replace(tzinfo=None),  # this window's own wall time, as it wrote it
            promised_by=intake.promised_by,
            public_token=intake.public_token,
            clerk=intake.clerk,
            notice_no=intake.notice_no,
            updated_at=when,
        )
        materials = _materials(case.id, [m.model_dump() for m in intake.materials])
    else:
        return None
    if session.scalar(select(Case.id).where(Case.case_no == case.case_no)) is not None:
        return None
    session.add(case)
    session.add_all(materials)
    session.flush()
    return case


def _redo_step(session, case: Case, type_: str, payload: dict) -> None:
    """Show a queued-again step on the restored case as the clerk made it: the status it
    moved to, or the materials a 补正 brought (its payload lists the whole set after it)."""
    case.status = _STEP_STATUS.get(type_, case.status)
    if type_ == protocol.CASE_SUPPLEMENTED and payload.get("materials"):
        for old in session.scalars(select(Material).where(Material.case_id == case.id)):
            session.delete(old)
        session.flush()
        session.add_all(_materials(case.id, payload["materials"]))


def requeue_unsent(session, plan: dict, pages: PageStore) -> tuple[int, int]:
    """Queue again the salvaged events the server does not hold; (queued, not recoverable).

    An event restored from the server is already in the journal under its id: skipped. The
    server dedups on the id too, so one it holds under a closed case is answered, not doubled.
    Refused ones keep their refusal (the server would give the same answer) so the clerk sees it.
    """
    queued = lost = 0
    for unsent in plan.get("unsent", []):
        if session.scalar(select(CaseEvent.seq).where(CaseEvent.event_id == unsent["event_id"])) is not None:
            continue
        case = session.get(Case, unsent["case_id"])
        if case is None:
            try:
                case = _case_from_rescue(session, plan, unsent)
            except (ValueError, TypeError, KeyError) as exc:
                log.warning("rescued event %s: its case cannot be rebuilt: %s", unsent["event_id"], exc)
                case = None
            if case is None:
                lost += 1
                continue
        payload = unsent.get("payload") or {}
        _redo_step(session, case, unsent["type"], payload)
        _journal(
            session,
            event_id=unsent["event_id"],
            case_id=case.id,
            type_=unsent["type"],
            payload=payload,
            clerk=str(unsent.get("clerk") or payload.get("clerk", "")),
            device_id=str(unsent.get("device_id", "")),
            device_time=_when(unsent.get("device_time"), dt.datetime.now()),
        )
        rejected = unsent.get("state") == "rejected"
        session.add(
            OutboxEntry(
                event_id=unsent["event_id"],
                device_seq=next_value(session, "device_seq"),
                state="rejected" if rejected else "pending",
                code=unsent.get("code") or "",
                reason=unsent.get("reason") or "",
            )
        )
        for material in payload.get("materials", []):
            for sha in material.get("blobs", []):
                if session.get(BlobEntry, sha) is None and pages.exists(sha):
                    session.add(BlobEntry(sha256=sha, size=len(pages.read(sha)), state="pending"))
        session.flush()
        queued += 1
    return queued, lost
