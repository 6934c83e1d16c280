"""The wire format between the window and the back office, version 1.

Both ends import these models, so a change here is a protocol change: bump
`PROTOCOL_VERSION` and keep the server able to read the previous version.

Times (`WireTime`): every datetime on the wire carries its UTC offset. A window sends its
local wall time with its offset (a counter keeps China Standard Time, so "+08:00"); the
back office stamps and sends UTC, and passes a window's time on with the offset it came
with. The offset is part of the record: the back office counts a working-day deadline
from the date in the zone the window sent, the date printed on the applicant's notice.
A time without an offset is what windows before this contract sent: their local wall
time, read as China Standard Time. Each end converts at its edge: the window's store
keeps naive local time (`to_local` reads a time from the wire into it), the back office
stores true UTC.

Endpoints (all JSON unless noted, all but /enrol need `Authorization: Bearer <device token>`):
  POST /api/v1/enrol             EnrolRequest -> EnrolResponse (one-time code for a device id + token)
  POST /api/v1/login             LoginRequest -> LoginResponse (clerk credentials checked online)
  POST /api/v1/events            PushRequest -> PushResponse (idempotent on event_id)
  GET  /api/v1/changes?cursor=N  -> PullResponse (server-ordered changes after cursor;
                                    410 cursor_expired when the server no longer keeps them)
  HEAD /api/v1/blobs/{sha256}    -> 200 + header X-Blob-Size (bytes held), 404 if none
  PUT  /api/v1/blobs/{sha256}?offset=N  raw bytes -> BlobStatus (resumes at offset; an offset
                                    below the bytes held is stale: the overlap is dropped, not
                                    refused; `complete` only once the SHA-256 is verified)
  GET  /api/v1/catalog           -> the current catalog (client.domain.catalog dict form)
  GET  /api/v1/cases/restore?after=CASE_NO  -> RestoreResponse (open cases the device sees, with
                                    their window events and feed changes, to rebuild a store)
  GET  /api/v1/health            -> {"ok": true, "protocol": 1}
  POST /api/v1/queue/tickets     TicketRequest -> QueueTicket (a kiosk or the guide issues a ticket)
  POST /api/v1/queue/call        CallRequest -> CallResponse (the next ticket for a window, or none)
  GET  /api/v1/queue/status?window=W   -> QueueStatus (the window's current ticket, who waits)
  POST /api/v1/queue/tickets/{id}/recall|no-show|transfer|done   TicketAction -> QueueTicket
  GET  /api/v1/outreach/runs?date=YYYY-MM-DD  -> OutreachRunList (the runs of the device's org unit)
  GET  /api/v1/outreach/runs/{run_id}          -> OutreachRunData with each appointment's result
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Final, Literal

from pydantic import BaseModel, Field, TypeAdapter, ValidatorFunctionWrapHandler, WrapValidator

PROTOCOL_VERSION = 1
API = "/api/v1"

# China Standard Time: the zone every counter keeps, and what a time without an offset means.
CST: Final = dt.timezone(dt.timedelta(hours=8), "CST")


def _zoned(value: Any, handler: ValidatorFunctionWrapHandler) -> dt.datetime:
    """Give every wire time its offset. A naive datetime object was made in this process
    from its own clock, so it is this machine's local time (Python's convention, as
    `astimezone` reads it); a naive text came from a window that predates the offset
    contract, and a counter keeps China Standard Time."""
    moment: dt.datetime = handler(value)
    if moment.tzinfo is not None:
        return moment
    if not isinstance(value, dt.datetime):
        return moment.replace(tzinfo=CST)
    try:
        return moment.astimezone()
    except (OverflowError, OSError):  # at the ends of the calendar the local offset is unknown
        raise ValueError("time out of range") from None


WireTime = Annotated[dt.datetime, WrapValidator(_zoned)]
_WIRE_TIME: TypeAdapter[dt.datetime] = TypeAdapter(WireTime)


def wire_time(value: str | dt.datetime) -> dt.datetime:
    """A time as the wire means it, always aware (ValueError when it is no time)."""
    return _WIRE_TIME.validate_python(value)


def to_local(value: str | dt.datetime) -> dt.datetime:
    """A time from the wire as this machine's naive local wall time, which a window's store
    keeps: a decision stamped 02:00 UTC shows as 10:00 on a counter in China."""
    return wire_time(value).astimezone().replace(tzinfo=None)


# Event types a window pushes.
CASE_ACCEPTED = "case.accepted"  # accepted, 容缺, 告知承诺, or concluded on the spot (payload.outcome)
CASE_NOTIFIED = "case.notified"  # 一次性告知: received, materials missing or defective
CASE_REFUSED = "case.refused"  # 不予受理
CASE_DELIVERED = "case.delivered"
CASE_SUPPLEMENTED = "case.supplemented"  # 补正: the missing or 容缺 materials brought in later
CASE_MAILED = "case.mailed"  # result sent by post (邮寄送达)
CASE_WITHDRAWN = "case.withdrawn"  # the applicant withdrew (撤件)
CASE_RATED = "case.rated"  # 好差评 given at the counter (一次一评)
SHIFT_OPENED = "shift.opened"  # a clerk opened a shift at a window (case_id: "shift:<shift id>")
SHIFT_CLOSED = "shift.closed"  # ... and handed over (交班) with the shift's figures
ORIGINALS_DISPATCHED = "originals.dispatched"  # 帮办代办: the station sent the paper originals on (流转单)
ORIGINALS_RECEIVED = "originals.received"  # the competent hall scanned the transfer slip: originals arrived
SHIFT_CASE_PREFIX = "shift:"  # shift events travel in the case stream under this pseudo case id
# Outreach (政务服务入户直通车): the result of one planned home visit. `case_id` of the event is
# the case taken in for `outreach.visited` and the appointment id for `outreach.missed`.
OUTREACH_VISITED = "outreach.visited"
OUTREACH_MISSED = "outreach.missed"
EVENT_TYPES = (
    CASE_ACCEPTED,
    CASE_NOTIFIED,
    CASE_REFUSED,
    CASE_DELIVERED,
    CASE_SUPPLEMENTED,
    CASE_MAILED,
    CASE_WITHDRAWN,
    CASE_RATED,
    SHIFT_OPENED,
    SHIFT_CLOSED,
    OUTREACH_VISITED,
    OUTREACH_MISSED,
    ORIGINALS_DISPATCHED,
    ORIGINALS_RECEIVED,
)

# Change kinds the back office publishes (PullResponse.changes[].kind).
CHANGE_CASE_STATUS = "case_status"  # data: CaseStatusData
CHANGE_CATALOG = "catalog_version"  # data: CatalogVersionData (fetch GET /catalog)
CHANGE_CALENDAR = "calendar"  # data: CalendarData (the whole working-day calendar)
CHANGE_TEMPLATE = "notice_template"  # data: NoticeTemplateData
CHANGE_DEVICE_COMMAND = "device_command"  # data: DeviceCommandData, addressed to one device
CHANGE_DEADLINE = "deadline_warning"  # data: DeadlineWarningData
CHANGE_CUSTODY = "custody"  # data: CustodyData, to the station and the receiving hall
CHANGE_POLICY = "field_policy"  # data: FieldPolicyData (offline bounds the back office allows)
CHANGE_CASE_ROUTE = "case_route"  # data: the 承办科室 a case was re-routed to, why, by whom (windows may ignore)
# data: EventOutcomeData, addressed to one device: a late answer to an event it was told was
# "acked" (a hand-over held until its case arrived, then refused). Windows may ignore it.
CHANGE_EVENT_OUTCOME = "event_outcome"
CHANGE_KINDS = (
    CHANGE_CASE_STATUS,
    CHANGE_CATALOG,
    CHANGE_CALENDAR,
    CHANGE_TEMPLATE,
    CHANGE_DEVICE_COMMAND,
    CHANGE_DEADLINE,
    CHANGE_CUSTODY,
    CHANGE_POLICY,
    CHANGE_CASE_ROUTE,
    CHANGE_EVENT_OUTCOME,
)

# Who holds a proxy case's paper originals (原件持有).
HOLDER_STATION = "station"  # the village service station that took the case in
HOLDER_IN_TRANSIT = "in_transit"  # dispatched with the transfer slip, not yet scanned in
HOLDER_HALL = "hall"  # the competent hall scanned the slip at its window
HOLDERS = (HOLDER_STATION, HOLDER_IN_TRANSIT, HOLDER_HALL)

# Device commands the back office can order.
COMMAND_REVOKE: Final = "revoke"  # stop intake and syncing; keep the outbox for an administrator
COMMAND_WIPE: Final = "wipe"  # erase local case data after exporting the unsent outbox
# The 401 code a revoked device gets while a wipe order for it is not yet acknowledged.
ERROR_DEVICE_WIPE: Final = "device_wipe"


class OrgUnitInfo(BaseModel):
    code: str
    name: str
    region_code: str
    level: Literal["county", "town", "village"] = "county"


class EnrolRequest(BaseModel):
    code: str
    device_name: str


class EnrolResponse(BaseModel):
    device_id: str
    device_code: str  # 4 base36 characters, used in case numbers
    token: str
    org_unit: OrgUnitInfo


class LoginRequest(BaseModel):
    username: str
    password: str


class LoginResponse(BaseModel):
    username: str
    display_name: str
    role: Literal["clerk", "social_worker", "bus_staff", "approver", "supervisor", "admin"]
    org_unit_code: str


class MaterialPayload(BaseModel):
    code: str
    name: str
    status: Literal["received", "missing", "tolerated", "pledged", "waived", "defective"] = "received"
    form: str = "original"
    copies: int = 1
    blobs: list[str] = Field(default_factory=list)  # SHA-256 hex of each scanned page
    problem: str = ""  # what is missing or wrong (Chinese), for the one-time notice


class ApplicantPayload(BaseModel):
    name: str
    id_type: str = "身份证"  # or "统一社会信用代码" for an organisation
    id_number: str
    phone: str = ""
    address: str = ""
    # Payload revision 2 (organisations); older clients send neither and mean a person.
    kind: Literal["person", "organisation"] = "person"
    legal_rep: str = ""  # 法定代表人 / 负责人 of an organisation


class AgentPayload(BaseModel):
    """Payload revision 2: the person who acted for the applicant (代理人 / 单位经办人)."""

    name: str
    id_type: str = "身份证"
    id_number: str
    relation: Literal["entrusted", "statutory", "staff", "proxy"]  # 委托代理/法定代理/单位经办人/帮办代办
    phone: str = ""


class ProxyPayload(BaseModel):
    """帮办代办: a social worker took the case in on the applicant's behalf and forwards it
    with its paper originals and a transfer slip (流转单) to the competent office."""

    agent_username: str
    agent_name: str
    relation: str = "帮办代办"
    station: str  # the station's org unit name
    forward_to: str  # the competent office (from the matter's level)
    forward_level: Literal["county", "town"] = "county"
    slip_no: str


class CaseAcceptedPayload(BaseModel):
    case_no: str
    matter_code: str
    matter_name: str
    catalog_version: str
    applicant: ApplicantPayload
    materials: list[MaterialPayload]
    received_at: WireTime
    promised_by: dt.date
    clerk: str
    notice_no: str = ""
    # The counter's decision (client.domain.decisions); older clients send none of these.
    outcome: Literal["accept", "accept_tolerant", "pledge", "conclude", "notify_missing", "refuse"] = "accept"
    basis: str = ""  # legal source printed on the notice
    reasons: list[str] = Field(default_factory=list)  # refusal reasons, or why 容缺 was not possible
    competent_office: str = ""  # refusal: where the applicant should apply instead
    supplement_by: dt.date | None = None  # 容缺: the materials are due by this date
    pledged: list[str] = Field(default_factory=list)  # materials replaced by a 告知承诺
    documents: dict[str, str] = Field(default_factory=dict)  # notice kind -> document number
    ticket_no: str = ""  # the queue ticket the applicant was called with (叫号), if any
    # The situation answers the checklist was built from (situation code -> option code), so the
    # approver reads what the clerk asked; older clients send none.
    answers: dict[str, str] = Field(default_factory=dict, max_length=200)
    # Revision 1: a person acting for themselves. Revision 2 adds applicant.kind/legal_rep and
    # `agent`; a revision-1 payload (older clients) is read as it always was.
    revision: int = 1
    agent: AgentPayload | None = None
    proxy: ProxyPayload | None = None  # 帮办代办: forwarded with a transfer slip
    # 一件事: the cases of one bundle intake share its number (client.domain.bundles); older
    # clients and single-matter cases send none.
    bundle_no: str | None = Field(default=None, max_length=40)
    bundle_code: str | None = Field(default=None, max_length=64)
    bundle_name: str | None = Field(default=None, max_length=200)
    # Both clocks (issue 16, point 5): the device's clock minus the back office's as the window
    # last measured it (None: it never had an answer), and the clerk who took the case in anyway
    # when that was an hour or more (None: nobody had to).
    clock_offset_s: int | None = None
    clock_accepted_by: str | None = Field(default=None, max_length=64)
    # The matter's kind (行政许可, 行政给付 …: its notices' legal framing, client.domain.legal_framing)
    # and the legal date it is held to (法定办结期限, §42 for a licence); older clients send none.
    matter_kind: str = Field(default="", max_length=16)
    legal_by: dt.date | None = None
    # The public page's token the window printed in the receipt's and notices' QR (背靠背 rating,
    # sync.server.rating_links). The back office keeps only its digest and stores the payload
    # with the digest in its place; older clients send none and their cases have no public page.
    public_token: str | None = Field(default=None, max_length=64)


PAYLOAD_REVISION = 2  # what this client writes into CaseAcceptedPayload.revision


class CaseSupplementedPayload(BaseModel):
    case_no: str
    supplemented_at: WireTime
    materials: list[MaterialPayload]  # the case's whole material list after the supplement
    complete: bool  # nothing required is missing any more
    clerk: str
    notice_no: str = ""  # the acceptance notice issued when a one-time notice is answered


class CaseMailedPayload(BaseModel):
    case_no: str
    mailed_at: WireTime
    tracking_no: str
    carrier: str = "中国邮政EMS"
    address: str
    recipient_name: str
    phone: str = ""
    clerk: str
    postage: Literal["office", "applicant"] = "applicant"  # office: 邮寄费用由政府承担


class CaseWithdrawnPayload(BaseModel):
    case_no: str
    withdrawn_at: WireTime
    reason: str
    clerk: str


class CaseRatedPayload(BaseModel):
    case_no: str
    rated_at: WireTime
    level: int = Field(ge=1, le=5)  # 5 非常满意 … 1 非常不满意
    indicators: dict[str, int] = Field(default_factory=dict)  # 服务效率/服务水平/服务态度 when the pad asks them
    source: Literal["pad", "keyboard"] = "pad"
    clerk: str  # the clerk who served: 谁办理谁负责
    # Which service is rated: the intake (受理, after its paper is printed) or the hand-over of
    # the result (出件). Optional: older windows rated the intake only.
    stage: Literal["intake", "delivery"] = "intake"
    # Why a 差评 was given, picked by the applicant from client.domain.ratings.BAD_REASONS
    # (empty for a good rating or when they chose none). Optional: older windows send none.
    reason: str = Field(default="", max_length=32)


class OriginalsPayload(BaseModel):
    """originals.dispatched / originals.received: one hand-over of a transfer slip's originals."""

    case_no: str
    slip_no: str
    at: WireTime  # device time of the hand-over
    clerk: str
    office: str = ""  # who handed over (dispatched) or who received
    note: str = ""


class CaseDeliveredPayload(BaseModel):
    case_no: str
    delivered_at: WireTime
    recipient_name: str
    recipient_id_number: str
    clerk: str
    # SHA-256 of the recipient's signature page (the bus hands results over at the door);
    # "" when the recipient signed on paper at the window. Optional: older windows omit it.
    signature: str = ""
    on_the_spot: bool = False  # 即办件: handed over in the same visit as the intake


class Event(BaseModel):
    event_id: str  # client-made UUID: the idempotency key
    device_seq: int
    case_id: str
    type: str
    payload: dict[str, Any]
    device_time: WireTime
    # The window's audit chain at this event (its journal seq, the previous and its own hash),
    # which the back office keeps as the chain's anchor. Optional: older windows send none.
    chain_seq: int | None = None
    chain_prev: str | None = None
    chain_hash: str | None = None
    # The last anchor the window was answered with and the hash its journal holds there now:
    # the back office compares it with what it anchored, so a journal rewritten behind the
    # anchor shows at the next push even when the events between were never sent.
    anchor_seq: int | None = None
    anchor_hash: str | None = None


class PushRequest(BaseModel):
    protocol: int = PROTOCOL_VERSION
    events: list[Event]


class EventResult(BaseModel):
    """`retry`: the server failed for a passing reason; the event stays queued."""

    event_id: str
    status: Literal["acked", "rejected", "retry"]
    code: str | None = None
    reason: str | None = None  # Chinese, shown to the clerk
    server_time: WireTime | None = None
    # The chain position the back office anchored with this event (as it was sent); None when
    # it holds no anchor for it (an older window, or an event refused before it was stored).
    chain_seq: int | None = None
    chain_hash: str | None = None


class PushResponse(BaseModel):
    results: list[EventResult]


class Change(BaseModel):
    seq: int
    kind: str
    case_id: str | None = None
    case_no: str | None = None
    data: dict[str, Any] = Field(default_factory=dict)
    server_time: WireTime


class PullResponse(BaseModel):
    cursor: int
    changes: list[Change]
    more: bool = False


class RestoredEvent(BaseModel):
    """A window event the server acknowledged, as the window wrote it."""

    event_id: str
    type: str
    payload: dict[str, Any]
    device_id: str
    device_time: WireTime
    server_time: WireTime


class CaseSnapshot(BaseModel):
    """One case as the back office holds it now, enough for a window to take it up again."""

    case_id: str
    case_no: str
    org_code: str
    status: str
    complete: bool
    matter_code: str
    matter_name: str
    applicant: ApplicantPayload
    received_at: WireTime
    promised_by: dt.date | None = None
    due: dt.date | None = None
    result_name: str | None = None
    result_no: str | None = None
    reason: str | None = None
    intake: dict[str, Any]  # the intake payload, its materials as last supplemented
    events: list[RestoredEvent]  # in server order
    changes: list[Change]  # the case's status changes still in the feed, in seq order


class RestoreResponse(BaseModel):
    cases: list[CaseSnapshot]
    more: bool = False
    after: str = ""  # pass back as `after` for the next page


class BlobStatus(BaseModel):
    sha256: str
    size: int  # bytes the server holds
    complete: bool  # hash verified


MAX_BLOB_QUERY = 1000


class BlobQuery(BaseModel):
    """What the server holds of many blobs at once: one round trip before an upload
    round instead of a HEAD per page."""

    sha256: list[str] = Field(max_length=MAX_BLOB_QUERY)


class BlobStatusList(BaseModel):
    blobs: list[BlobStatus]  # in the order asked; size 0 for a blob the server never saw


class ErrorBody(BaseModel):
    code: str
    message: str  # Chinese, shown to the clerk


class CaseStatusData(BaseModel):
    """What a case_status change carries; back-office fields are optional by decision."""

    status: str
    complete: bool = True
    result_name: str | None = None
    result_no: str | None = None
    e_licence: bool = False
    reason: str | None = None
    appeal_rights: str | None = None
    supplement: list[str] = Field(default_factory=list)  # materials the applicant must add
    decided_by: str | None = None
    # The approver's display name for the window's timeline; older back offices omit it.
    decided_by_name: str | None = None
    decided_at: WireTime | None = None
    due: dt.date | None = None  # the deadline, moved by suspensions


class CatalogVersionData(BaseModel):
    version: str
    sha256: str  # of the catalog JSON served by GET /catalog
    matters: int
    max_age_days: int | None = None  # a window not in touch for longer warns that it may be out of date


class CalendarData(BaseModel):
    """The working-day calendar (client.domain.deadlines.calendar_from_dict form)."""

    version: str
    years: list[int]
    holidays: list[dt.date]
    workdays: list[dt.date]
    max_age_days: int | None = None  # a window not in touch for longer warns that it may be out of date


class NoticeTemplateData(BaseModel):
    name: str  # e.g. "acceptance", "supplement"
    version: str
    body: str


class DeviceCommandData(BaseModel):
    command: Literal["revoke", "wipe"]
    reason: str = ""
    issued_at: WireTime


class WipedResponse(BaseModel):
    """The back office's record of a window's acknowledged crypto-erase."""

    device_id: str
    wiped_at: WireTime


class DeadlineWarningData(BaseModel):
    level: Literal["near_due", "overdue"]
    due: dt.date
    working_days_left: int


class ShiftPayload(BaseModel):
    """shift.opened / shift.closed: who served at which window when, and (at close) the figures."""

    shift_id: str
    window: str  # e.g. "3" (3号窗口)
    clerk: str
    opened_at: WireTime
    closed_at: WireTime | None = None
    summary: dict[str, Any] = Field(default_factory=dict)  # cases by outcome, tickets, ratings…


# --- The queue (叫号) of a hall: one queue per org unit, shared by its windows. ---


class TicketRequest(BaseModel):
    category: str = "A"  # client.domain.tickets.CATEGORIES
    green_channel: bool = False  # disabled people, soldiers… (绿色通道)
    id_number: str | None = None  # read at the dispenser: 65 and older get a priority ticket


class CheckInRequest(BaseModel):
    """A window checks a 云叫号 booking in: by the holder's ID number or the confirmation code."""

    window: str = Field(max_length=16)
    id_number: str | None = Field(default=None, max_length=32)
    code: str | None = Field(default=None, max_length=32)


class QueueAppointment(BaseModel):
    """The 云叫号 booking a ticket was checked in with: its slot and the matter booked, if any."""

    starts_at: WireTime
    matter_code: str | None = None
    matter_name: str = ""


class QueueTicket(BaseModel):
    id: int
    ticket_no: str  # e.g. A007 or P002; printed on the slip, never changes
    category: str
    category_label: str
    priority: bool
    priority_reason: str = ""  # elderly / green_channel
    status: Literal["waiting", "called", "done", "no_show"]
    window: str | None = None  # the window that called it
    target_window: str | None = None  # transferred to this window only
    recalls: int = 0
    issued_at: WireTime
    called_at: WireTime | None = None
    done_at: WireTime | None = None
    case_no: str | None = None
    waiting_ahead: int = 0  # at issue: tickets of the hall waiting before this one
    appointment: QueueAppointment | None = None  # checked in by a booking (已签到预约)


class CallRequest(BaseModel):
    window: str
    categories: list[str] = Field(default_factory=list)  # empty: every category


class CallResponse(BaseModel):
    ticket: QueueTicket | None = None
    waiting: int = 0  # still waiting for this window after the call


class TicketAction(BaseModel):
    window: str
    to_window: str | None = None  # transfer: to this window…
    to_category: str | None = None  # …or to this category (the ticket keeps its place)
    case_no: str | None = None  # done: the case taken for this ticket


class QueueStatus(BaseModel):
    window: str
    current: QueueTicket | None = None
    waiting: int = 0
    waiting_priority: int = 0


class TicketLinkRequest(BaseModel):
    ticket_id: int  # a ticket of the kiosk's own hall, taken today


class TicketLink(BaseModel):
    """The ticket's live status page: `path` (/q/<token>) under the back office's public address."""

    path: str


# Outreach runs (政务服务入户直通车): planned by a supervisor, loaded by the bus laptop.
BOOKED_VIA = ("电话", "村级代办点", "现场", "其他")
MISSED_REASONS = {"not_home": "不在家", "done_elsewhere": "已另行办理", "rescheduled": "改约", "other": "其他"}
VISIT_OUTCOMES = ("concluded", "collected", "notified", "refused")  # what a visit produced, by the case outcome


class AppointmentData(BaseModel):
    id: str
    position: int
    name: str
    id_number: str = ""  # optional: booked by phone, the card is read at the door
    address: str
    phone: str = ""
    matter_code: str
    matter_name: str
    booked_via: str = "电话"
    note: str = ""
    # The result, once a visit was recorded (empty while planned).
    outcome: str = ""  # concluded / collected / notified / refused / missed
    case_id: str | None = None
    case_no: str | None = None
    reason_code: str = ""
    reason: str = ""
    visited_at: WireTime | None = None


class OutreachRunData(BaseModel):
    id: str
    org_code: str  # the unit that runs the bus
    area_code: str  # the org unit or region visited
    area_name: str
    run_date: dt.date
    crew: list[str] = Field(default_factory=list)  # usernames
    note: str = ""
    appointments: list[AppointmentData] = Field(default_factory=list)


class OutreachRunList(BaseModel):
    runs: list[OutreachRunData]


class OutreachVisitedPayload(BaseModel):
    run_id: str
    appointment_id: str
    case_no: str
    outcome: Literal["concluded", "collected", "notified", "refused"]
    visited_at: WireTime
    clerk: str
    signature: str = ""  # SHA-256 of the applicant's signature page (collected matters)


class OutreachMissedPayload(BaseModel):
    run_id: str
    appointment_id: str
    reason_code: Literal["not_home", "done_elsewhere", "rescheduled", "other"]
    reason: str = ""  # free text, required for "other"
    visited_at: WireTime
    clerk: str


class CustodyData(BaseModel):
    """Who holds a proxy case's originals now, as the back office knows it."""

    holder: Literal["station", "in_transit", "hall"]
    slip_no: str
    at: WireTime
    by: str = ""
    office: str = ""


class EventOutcomeData(BaseModel):
    """The final answer to an event first answered "acked" while it was held."""

    event_id: str
    status: Literal["acked", "rejected"]
    code: str | None = None
    reason: str | None = None  # Chinese, shown to the clerk


class FieldPolicyData(BaseModel):
    """What the back office allows a station offline: how long a clerk's cached login lasts
    after their last online login (the catalog's and calendar's max ages come with them)."""

    offline_login_days: int = Field(default=10, ge=1, le=60)
    issued_at: WireTime
