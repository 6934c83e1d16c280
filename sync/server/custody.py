"""Who holds a proxy case's paper originals (帮办代办 with a transfer slip, 流转单).

A village station takes a county matter in on a citizen's behalf and sends the paper
originals on with a transfer slip; the hall scans the slip when they arrive. The hand-overs
come from two devices that sync whenever they find a network, so they can reach the server
in any order — the hall's scan may even come before the station's case. Custody is therefore
derived from every acked hand-over event of the case, never moved step by step: the furthest
hand-over wins (hall > in transit > station), and a late arrival changes nothing already known.

A hand-over for a case the server does not have yet is not trusted on its word: it is
stored as "held" (answered "acked" with the code `held_for_case`, so the window does not
send it again) and checked when the case arrives, against the case and the rules below as
if it came then. One that fails is stored as rejected, logged with its codes and ids, and
its device is told in its own feed (`CHANGE_EVENT_OUTCOME`); it never moves the originals.

The functions work on the push batch (`sync.server.events._Batch`): its `case`,
`hand_overs`, `held_hand_overs`, `settle_held`, `publish`, `tell_device`, `session` and `device`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from pydantic import ValidationError

from client.domain.case_numbers import parse_case_no
from sync import protocol

from .auth import DeviceIdentity
from .db import Case, Device, EventStatus, OrgUnit
from .ownership import may_write
from .scope import subunits

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
HELD: EventStatus = "held"  # the stored status of a hand-over waiting for its case
HELD_CODE = "held_for_case"


class CustodyRejection(Exception):
    def __init__(self, code: str, reason: str):
        super().__init__(code)
        self.code, self.reason = code, reason


class CustodyHeld(Exception):
    """The hand-over's case is not on the server yet: store the event as held."""

    def __init__(self) -> None:
        super().__init__(HELD_CODE)
        self.code, self.reason = HELD_CODE, "已记录；该办件尚未报送到后台，办件到达后将核验此次交接"


@dataclass(frozen=True)
class HeldHandOver:
    """A stored (or this batch's) hand-over waiting for its case."""

    event_id: str
    device_id: str
    case_id: str
    type: str
    payload: dict


def _ancestors(session: Session, org_code: str) -> list[str]:
    """The org unit and every unit above it, nearest first."""
    out: list[str] = []
    code: str | None = org_code
    while code and code not in out:
        out.append(code)
        org = session.get(OrgUnit, code)
        code = org.parent_code if org is not None else None
    return out


def _payload(event_type: str, raw: dict) -> protocol.OriginalsPayload:
    try:
        payload = protocol.OriginalsPayload.model_validate(raw)
    except ValidationError as exc:
        log.info("bad %s payload: %s", event_type, exc.error_count())
        raise CustodyRejection("invalid_payload", "流转单交接数据不完整或格式不正确") from None
    if not payload.slip_no.strip() or not parse_case_no(payload.case_no):
        raise CustodyRejection("invalid_payload", "流转单编号或办件编号为空")
    return payload


def _check_against(
    session: Session, sender: DeviceIdentity, case: Case, event_type: str, payload: protocol.OriginalsPayload
) -> None:
    """The rules a hand-over of `case` by `sender` must meet, now or when the case arrives:
    the slip and number of a proxy case; the station's own window dispatches, a unit above
    the station receives."""
    if case.case_no != parse_case_no(payload.case_no):
        raise CustodyRejection("case_conflict", "流转单上的办件编号与后台办件不一致")
    proxy = (case.payload or {}).get("proxy")
    if not proxy:
        raise CustodyRejection("not_proxy", "该办件不是帮办代办件，没有流转单，不能登记原件交接")
    if proxy.get("slip_no") and proxy["slip_no"] != payload.slip_no:
        raise CustodyRejection("slip_conflict", f"流转单编号{payload.slip_no}与该办件的流转单不一致")
    if event_type == protocol.ORIGINALS_DISPATCHED:
        if sender.org_code != case.org_code:
            raise CustodyRejection("not_station", "只有受理该办件的服务站可以登记原件寄出")
        if not may_write(session, sender, case):
            raise CustodyRejection("case_not_yours", "该办件由其他窗口设备受理，本机不能登记原件寄出")
    if event_type == protocol.ORIGINALS_RECEIVED and sender.org_code not in _ancestors(session, case.org_code)[1:]:
        raise CustodyRejection("not_competent", "本机构不是该办件的上级受理机构，不能登记收件")


def _check(batch: _Batch, event: protocol.Event) -> Case:
    """Validate a hand-over of a case on the server; hold one whose case is not here yet."""
    payload = _payload(event.type, event.payload)
    case = batch.case(event.case_id)
    device = batch.device
    if case is None:
        if event.type == protocol.ORIGINALS_DISPATCHED:
            raise CustodyRejection("unknown_case", "后台没有找到该办件，请先报送受理信息")
        if not subunits(batch.session, device.org_code):  # above nobody: can never receive
            raise CustodyRejection("not_competent", "本机构不是该办件的上级受理机构，不能登记收件")
        raise CustodyHeld()
    _check_against(batch.session, device, case, event.type, payload)
    return case


def _sender(session: Session, device_id: str) -> DeviceIdentity | None:
    device = session.get(Device, device_id)
    if device is None:
        return None
    return DeviceIdentity(device.id, device.device_code, device.name, device.org_code)


def settle_held(batch: _Batch, case: Case) -> None:
    """Check the case's held hand-overs now that it is here: acked ones then count towards
    custody; refused ones are stored as rejected and their devices told."""
    for held in batch.held_hand_overs(case.id):
        sender = _sender(batch.session, held.device_id)
        try:
            if sender is None:
                raise CustodyRejection("unknown_device", "登记交接的设备已不存在")
            _check_against(batch.session, sender, case, held.type, _payload(held.type, held.payload))
        except CustodyRejection as exc:
            batch.settle_held(held, "rejected", exc.code, exc.reason)
            log.warning(
                "held hand-over %s (%s) from device %s for case %s rejected on the case's arrival: %s",
                held.event_id,
                held.type,
                held.device_id,
                case.id,
                exc.code,
            )
            if sender is not None:
                outcome = protocol.EventOutcomeData(
                    event_id=held.event_id, status="rejected", code=exc.code, reason=exc.reason
                )
                batch.tell_device(protocol.CHANGE_EVENT_OUTCOME, sender, held.case_id, outcome.model_dump(mode="json"))
            continue
        batch.settle_held(held, "acked", None, None)
        log.info("held hand-over %s (%s) for case %s applied on the case's arrival", held.event_id, held.type, case.id)


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
    settle_held(batch, case)
    custody = custody_of(case, batch.hand_overs(case.id) + list(also))
    if custody is None or (case.payload or {}).get("custody") == custody:
        return
    case.payload = {**(case.payload or {}), "custody": custody}
    batch.publish(protocol.CHANGE_CUSTODY, case, custody)


def record_hand_over(batch: _Batch, event: protocol.Event) -> None:
    """Apply one originals.* event (raises CustodyRejection); the batch stores the event itself."""
    refresh_custody(batch, _check(batch, event), ((event.type, event.payload),))
