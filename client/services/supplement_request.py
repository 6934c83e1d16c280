"""后台要求补正: what an approver asked for during review, as the window reads it from its journal.

The request travels down with the status (`decisions.request_supplement` on the back office):
a list of lines, each "material：what is wrong", plus who asked and when. The window keeps it in
the `server.supplement_requested` event of the case's journal. A case received complete has no
material missing locally, so without this list the 补正 screen would offer nothing and no
补正材料通知书 could tell the applicant what to bring (行政许可法第三十二条: all at once).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from client.store.models import Case, CaseEvent, ServerChange
from sync import protocol

REQUESTED_EVENT = "server.supplement_requested"  # how the store journals the pulled status
SUPPLEMENTED_EVENT = protocol.CASE_SUPPLEMENTED
EXTRA_PREFIX = "BO"  # code of a paper the approver asked for that is not on the case's list
NO_PROBLEM = "审查中要求补正"  # an item that names a material and nothing more
_COLON = re.compile(r"[：:]")


@dataclass(frozen=True)
class RequestedMaterial:
    name: str
    problem: str
    code: str  # the case's material it names, or EXTRA_PREFIX + n for a paper outside the list


@dataclass(frozen=True)
class SupplementRequest:
    items: tuple[RequestedMaterial, ...]
    lines: tuple[str, ...]  # as the approver wrote them, kept with the answer
    requested_by: str  # the approver's name (后台 for a system account)
    requested_at: dt.datetime  # local wall time, as the store keeps time
    reason: str
    answered_at: dt.datetime | None  # when the window recorded the supplement; None: still owed

    @property
    def answered(self) -> bool:
        return self.answered_at is not None


def split_item(line: str) -> tuple[str, str]:
    """ "营业执照：复印件不清晰" → (营业执照, 复印件不清晰); a line without a colon is all name."""
    name, *rest = _COLON.split(line, maxsplit=1)
    return name.strip(), (rest[0] if rest else "").strip()


def _match(name: str, case: Case) -> tuple[str, str, str]:
    """(code, name, what the line adds) of the case's material a line names: by its exact name,
    else the longest material name the line starts with (经营场所使用证明（盖章清晰件）)."""
    for m in case.materials:
        if m.name == name:
            return m.code, m.name, ""
    starts = [m for m in case.materials if m.name and name.startswith(m.name)]
    if starts:
        best = max(starts, key=lambda m: len(m.name))
        return best.code, best.name, name[len(best.name) :].strip().strip("（）()").strip()
    return "", name, ""


def parse_items(lines: list[str], case: Case) -> tuple[RequestedMaterial, ...]:
    """The request's lines as the case's materials (each once), then the papers outside its list."""
    taken = {m.code for m in case.materials}
    extra = 0
    out: dict[str, RequestedMaterial] = {}
    for line in lines:
        name, problem = split_item(line)
        if not name:
            continue
        code, name, added = _match(name, case)
        if not code:
            extra += 1
            while f"{EXTRA_PREFIX}{extra}" in taken:
                extra += 1
            code = f"{EXTRA_PREFIX}{extra}"
            taken.add(code)
        problem = problem or added or NO_PROBLEM
        if code in out:  # two lines on one material: one row with both problems
            problem = f"{out[code].problem}；{problem}"
        out[code] = RequestedMaterial(name, problem, code)
    return tuple(out.values())


def supplement_request(s: Session, case: Case) -> SupplementRequest | None:
    """The newest back-office request of the case, and whether the window answered it since;
    None when the back office never asked (or asked without a list, as older ones did)."""
    asked = s.scalars(
        select(CaseEvent)
        .where(CaseEvent.case_id == case.id, CaseEvent.type == REQUESTED_EVENT)
        .order_by(CaseEvent.seq.desc())
        .limit(1)
    ).first()
    if asked is not None:
        data, at, after = dict(asked.payload or {}), asked.device_time, asked.seq
    else:  # a status held back for a local step is journaled only as its newest: read the feed
        change = s.scalars(
            select(ServerChange)
            .where(ServerChange.case_id == case.id, ServerChange.kind == protocol.CHANGE_CASE_STATUS)
            .order_by(ServerChange.seq.desc())
        ).all()
        found = next((c for c in change if (c.data or {}).get("status") == "supplement_requested"), None)
        if found is None:
            return None
        data, at, after = dict(found.data), _decided(found.data, found.server_time), None
    lines = [str(line) for line in data.get("supplement") or () if str(line).strip()]
    if not lines:
        return None
    answer = s.scalars(
        select(CaseEvent)
        .where(
            CaseEvent.case_id == case.id,
            CaseEvent.type == SUPPLEMENTED_EVENT,
            CaseEvent.seq > after if after is not None else CaseEvent.device_time >= at,
        )
        .order_by(CaseEvent.seq)
        .limit(1)
    ).first()
    return SupplementRequest(
        parse_items(lines, case),
        tuple(lines),
        str(data.get("decided_by_name") or data.get("decided_by") or "后台"),
        at,
        str(data.get("reason") or ""),
        answer.device_time if answer is not None else None,
    )


def _decided(data: dict, pulled_at: dt.datetime) -> dt.datetime:
    """When the request was made, as the store keeps time (local wall time; the feed's own
    stamp is stored local already)."""
    try:
        return protocol.to_local(data["decided_at"]) if data.get("decided_at") else pulled_at
    except (ValueError, TypeError):
        return pulled_at
