"""Drafts (未完成的受理): an intake in progress, kept in the encrypted store as the clerk goes.

Nothing a clerk types may be lost to Esc, a closed window, a crash or a power cut, so the
intake screen hands a snapshot of itself here after every change. A draft belongs to the
clerk who started it (another clerk, a supervisor included, never sees its applicant), is
removed in the same transaction that records its case, and is never removed by age: drafts
left from an earlier shift are listed for the clerk to finish or discard.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import threading
import uuid
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, fields

from sqlalchemy.orm import Session

from client.domain.catalog import Catalog
from client.store.db import Store
from client.store.drafts import clerk_drafts, draft_pages, drop_draft, get_draft, put_draft
from client.store.pages import PageRef

from .auth import Clerk
from .errors import ServiceError

log = logging.getLogger(__name__)

# A material's state in a snapshot; the checklist shows them as 已收/缺/有误/承诺/免提交.
MATERIAL_STATES = ("received", "missing", "defective", "pledged", "elicense")


@dataclass(frozen=True)
class MaterialSnapshot:
    code: str
    state: str = "missing"  # one of MATERIAL_STATES
    reason: str = ""  # what is wrong, for a defective material
    pages: tuple[PageRef, ...] = ()


@dataclass(frozen=True)
class IntakeSnapshot:
    """Everything on the intake screen, as plain values: what restore() needs to rebuild it."""

    kind: str = "person"  # client.domain.identity.PERSON / ORGANISATION
    id_number: str = ""
    name: str = ""
    legal_rep: str = ""
    phone: str = ""
    address: str = ""
    source: str = "manual"  # "card" when the ID card was read
    agent_open: bool = False
    agent_relation: str = ""  # a client.domain.identity.RELATIONS key
    agent_id: str = ""
    agent_name: str = ""
    agent_phone: str = ""
    agent_source: str = "manual"
    search: str = ""
    matter_code: str = ""
    bundle_code: str = ""  # 一件事 taken in as one application
    answers: tuple[tuple[str, str], ...] = ()  # (situation, option)
    materials: tuple[MaterialSnapshot, ...] = ()
    supplement_by: str = ""  # the 容缺 deadline as typed
    refusal: str = ""  # a client.domain.decisions.REFUSAL_REASONS key
    refusal_text: str = ""
    competent_office: str = ""
    proxy: bool = False  # 帮办代办
    proxy_id: str = ""
    visit: str = ""  # the service bus appointment this intake is taken in for ("" at the counter)

    @property
    def empty(self) -> bool:
        """Nothing typed or chosen yet (a search alone does not count): leaving loses nothing,
        so no draft is kept."""
        typed = (
            self.id_number,
            self.name,
            self.legal_rep,
            self.phone,
            self.address,
            self.agent_id,
            self.agent_name,
            self.agent_phone,
            self.matter_code,
            self.bundle_code,
            self.supplement_by,
            self.refusal,
            self.refusal_text,
            self.competent_office,
            self.proxy_id,
        )
        touched = any(m.state != "missing" or m.reason or m.pages for m in self.materials)
        return not any(t.strip() for t in typed) and not touched and not self.proxy

    @property
    def pages(self) -> tuple[PageRef, ...]:
        return tuple(page for m in self.materials for page in m.pages)

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> IntakeSnapshot:
        """Read a stored snapshot; fields a newer or older release does not know are skipped."""
        raw = json.loads(text)
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in raw.items() if k in known}
        values["answers"] = tuple((str(a), str(b)) for a, b in values.get("answers", ()))
        values["materials"] = tuple(_material(m) for m in values.get("materials", ()))
        return cls(**values)


def _material(raw: Mapping) -> MaterialSnapshot:
    pages = tuple(PageRef(p["sha256"], int(p["size"]), p["name"]) for p in raw.get("pages", ()))
    state = raw.get("state", "missing")
    return MaterialSnapshot(raw["code"], state if state in MATERIAL_STATES else "missing", raw.get("reason", ""), pages)


@dataclass(frozen=True)
class DraftSummary:
    """One line of 未完成的受理 on the home screen."""

    id: str
    applicant: str
    matter: str
    updated_at: dt.datetime
    pages: int
    stale: bool  # left from before the clerk's current shift
    visit: str = ""  # a service bus appointment: the draft comes back on that visit

    @property
    def label(self) -> str:
        return f"{self.applicant} · {self.matter}"


class DraftService:
    def __init__(
        self, store: Store, catalog: Callable[[], Catalog], clock: Callable[[], dt.datetime] = dt.datetime.now
    ):
        self.store, self.catalog, self.clock = store, catalog, clock
        # Drafts whose case was recorded (or which were discarded): a late save must not bring them back.
        self._closed: set[str] = set()
        self._lock = threading.Lock()  # one save at a time, in the order they were asked

    @staticmethod
    def new_id() -> str:
        return str(uuid.uuid4())

    def save(self, draft_id: str, clerk: Clerk, snapshot: IntakeSnapshot) -> bool:
        """Write the snapshot; False when the draft was closed meanwhile (its case is recorded)."""
        with self._lock:
            if draft_id in self._closed:
                return False
            now = self.clock().replace(microsecond=0)
            try:
                with self.store.sessions() as s, s.begin():
                    put_draft(s, draft_id, clerk.username, snapshot.to_json(), (p.sha256 for p in snapshot.pages), now)
                    s.flush()  # holds the write lock from here: a submit either finished or waits for us
                    if draft_id in self._closed:
                        raise _Dropped
            except _Dropped:
                return False
            except PermissionError:
                raise ServiceError("这份草稿属于其他工作人员，不能保存") from None
            except Exception as exc:
                raise ServiceError("保存草稿失败，请勿关闭窗口并联系管理员", str(exc)) from exc
        log.debug("draft %s saved", draft_id)
        return True

    def drafts(self, clerk: Clerk, shift_start: dt.datetime | None = None) -> tuple[DraftSummary, ...]:
        """The clerk's own drafts, newest first; those older than the shift are marked, not removed."""
        with self.store.sessions() as s:
            rows = clerk_drafts(s, clerk.username)
        out = []
        for row in rows:
            snap = IntakeSnapshot.from_json(row.data)
            out.append(
                DraftSummary(
                    row.id,
                    snap.name.strip() or "（未填写申请人）",
                    self._matter_name(snap),
                    row.updated_at,
                    len(snap.pages),
                    shift_start is not None and row.updated_at < shift_start,
                    snap.visit,
                )
            )
        return tuple(out)

    def visit_drafts(self, clerk: Clerk) -> dict[str, DraftSummary]:
        """The clerk's drafts of service bus visits by appointment (the newest where two exist)."""
        found: dict[str, DraftSummary] = {}
        for draft in self.drafts(clerk):
            if draft.visit:
                found.setdefault(draft.visit, draft)
        return found

    def _matter_name(self, snap: IntakeSnapshot) -> str:
        try:
            if snap.bundle_code:
                return "一件事：" + self.catalog().bundle(snap.bundle_code).name
            if snap.matter_code:
                return self.catalog().get(snap.matter_code).name
        except KeyError:
            return snap.bundle_code or snap.matter_code
        return "（未选事项）"

    def load(self, draft_id: str, clerk: Clerk) -> IntakeSnapshot:
        with self.store.sessions() as s:
            row = get_draft(s, draft_id, clerk.username)
        if row is None:
            raise ServiceError("未找到这份草稿，可能已办结或已放弃")
        return IntakeSnapshot.from_json(row.data)

    def discard(self, draft_id: str, clerk: Clerk) -> None:
        """The clerk gives the intake up: the draft goes (its scanned pages stay in the page store)."""
        with self._lock:
            self._closed.add(draft_id)
            with self.store.sessions() as s, s.begin():
                if get_draft(s, draft_id, clerk.username) is not None:
                    drop_draft(s, draft_id)
        log.info("draft %s discarded", draft_id)

    def closing(self, draft_id: str) -> Callable[[Session, str, str, str, dt.datetime], None]:
        """For IntakeService.submit(within=…): the draft goes in the transaction that records its case."""

        def within(session: Session, *_case: object) -> None:
            self._closed.add(draft_id)
            drop_draft(session, draft_id)

        return within

    def reopen(self, draft_id: str) -> None:
        """The submit failed (nothing was recorded): the intake stays a draft."""
        self._closed.discard(draft_id)

    def kept_pages(self) -> frozenset[str]:
        """Pages drafts refer to, which no cleanup may remove."""
        with self.store.sessions() as s:
            return frozenset(draft_pages(s))


class _Dropped(Exception):
    """Raised inside a save's transaction to roll it back."""
