"""Who holds a proxy case's paper originals (帮办代办 with a transfer slip, 流转单).

A village station takes a county matter in on a citizen's behalf and sends the paper
originals on with a transfer slip; the hall scans the slip when they arrive. The hand-overs
come from two devices that sync whenever they find a network, so they can reach the server
in any order — the hall's scan may even come before the station's case. Custody is therefore
derived from every acked hand-over event of the case, never moved step by step: the furthest
hand-over wins (hall > in transit > station), and a late arrival changes nothing already known.

The functions work on the push batch (`sync.server.events._Batch`): its `case`, `acked`,
`publish`, `session` and `device`.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Literal

from pydantic import ValidationError

from client.domain.case_numbers import parse_case_no
from sync import protocol

from .db import Case, OrgUnit

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from .events import _Batch

log = logging.getLogger(__name__)

# protocol.HOLDERS, spelled as the type of protocol.CustodyData.holder
Holder = Literal["station", "in_transit", "hall"]
_RANK: dict[Holder, int] = {"station": 0, "in_transit": 1, "hall": 2}
_HOLDER_OF_EVENT: dict[str, Holder] = {
    protocol.ORIGINALS_DISPATCHED: "in_transit",
    protocol.ORIGINALS_RECEIVED: "hall",
}
HAND_OVERS = tuple(_HOLDER_OF_EVENT)  # the event types that move a case's originals


class CustodyRejection(Exception):
    def __init__(self, code: str, reason: str):
        super().__init__(code)
        self.code, self.reason = code, reason


def _ancestors(session: Session, org_code: str) -> list[str]:
    """The org unit and every unit above it, nearest first."""
    out: list[str] = []
    code: str | None = org_code
    while code and code not in out:
        out.append(code)
        org = session.get(OrgUnit, code)
        code = org.parent_code if org is not None else None
    return out


def _check(batch: _Batch, event: protocol.Event) -> Case | None:
    """Validate a hand-over; the station dispatches, a unit above it receives. The case, or
    None when the hall scanned before the station's case reached the server."""
    try:
        payload = protocol.OriginalsPayload.model_validate(event.payload)
    except ValidationError as exc:
        log.info("bad %s payload: %s", event.type, exc)
        raise CustodyRejection("invalid_payload", "流转单交接数据不完整或格式不正确") from None
    if not payload.slip_no.strip() or not parse_case_no(payload.case_no):
        raise CustodyRejection("invalid_payload", "流转单编号或办件编号为空")
    case = batch.case(event.case_id)
    device = batch.device
    if case is None:
        if event.type == protocol.ORIGINALS_DISPATCHED:
            raise CustodyRejection("unknown_case", "后台没有找到该办件，请先报送受理信息")
        return None  # kept as acked: applied when the case comes
    if case.case_no != parse_case_no(payload.case_no):
        raise CustodyRejection("case_conflict", "流转单上的办件编号与后台办件不一致")
    proxy = (case.payload or {}).get("proxy") or {}
    if proxy.get("slip_no") and proxy["slip_no"] != payload.slip_no:
        raise CustodyRejection("slip_conflict", f"流转单编号{payload.slip_no}与该办件的流转单不一致")
    if event.type == protocol.ORIGINALS_DISPATCHED and device.org_code != case.org_code:
        raise CustodyRejection("not_station", "只有受理该办件的服务站可以登记原件寄出")
    if event.type == protocol.ORIGINALS_RECEIVED and device.org_code not in _ancestors(batch.session, case.org_code):
        raise CustodyRejection("not_competent", "本机构不是该办件的上级受理机构，不能登记收件")
    return case


def custody_of(case: Case, hand_overs: list[tuple[str, dict]]) -> dict | None:
    """The furthest hand-over of a proxy case (CustodyData form), or None for an ordinary case."""
    proxy = (case.payload or {}).get("proxy")
    if proxy is None and not hand_overs:
        return None
    best = protocol.CustodyData(
        holder="station",
        slip_no=(proxy or {}).get("slip_no", ""),
        at=case.received_at,
        by=(proxy or {}).get("agent_name", ""),
        office=(proxy or {}).get("station", ""),
    )
    for type_, p in hand_overs:
        holder = _HOLDER_OF_EVENT[type_]
        if _RANK[holder] > _RANK[best.holder]:
            best = protocol.CustodyData(
                holder=holder,
                slip_no=p.get("slip_no") or best.slip_no,
                at=p.get("at") or best.at,
                by=p.get("clerk", ""),
                office=p.get("office", ""),
            )
    return best.model_dump(mode="json")


def refresh_custody(batch: _Batch, case: Case | None, also: tuple[tuple[str, dict], ...] = ()) -> None:
    """Recompute the case's custody (`also`: a hand-over being applied now); tell the
    station's windows when it moved."""
    if case is None:
        return
    custody = custody_of(case, batch.hand_overs(case.id) + list(also))
    if custody is None or (case.payload or {}).get("custody") == custody:
        return
    case.payload = {**(case.payload or {}), "custody": custody}
    batch.publish(protocol.CHANGE_CUSTODY, case, custody)


def record_hand_over(batch: _Batch, event: protocol.Event) -> None:
    """Apply one originals.* event (raises CustodyRejection); the batch stores the event itself."""
    refresh_custody(batch, _check(batch, event), ((event.type, event.payload),))
