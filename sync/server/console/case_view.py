"""What the case page shows, read from the back office: who applied, the matter, the checklist
with its pages, the notices issued, the originals' custody and the whole timeline.

Only staff who may see the case get it (`visible_case`): an approver or head in the case's
department, a supervisor of its org unit or a unit above it. Every look, and every refusal,
goes into the staff audit with the case number and nothing about the applicant. A case of
another org unit answers as if it did not exist, so its number reveals nothing.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from client.domain.case_numbers import format_case_no, parse_case_no
from client.domain.catalog import Catalog
from client.domain.identity import Agent, Applicant
from client.domain.parties import answered_by_applicant, party_answers
from client.domain.states import LABELS, CaseState
from sync import protocol

from .. import decisions
from ..db import Blob, Case, Change, Department, Device, Event, OrgUnit, StaffDepartment, User
from ..departments import STAFF_ROLES, org_chain
from . import audit
from .staff import Staff

CASE_VIEW = "case_view"  # staff_audit.action: the case page was opened (or refused)
CASE_SCAN = "case_scan"  # a scan of a case was asked for and refused
NOT_FOUND = "not_found"

_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_CASE_NO = re.compile(r"^Y?[0-9A-Z]{28}$")

MATERIAL_STATES = {
    "received": "已收取",
    "missing": "缺少",
    "tolerated": "容缺后补",
    "pledged": "告知承诺",
    "waived": "免提交",
    "defective": "有瑕疵",
}
FORMS = {"original": "原件", "copy": "复印件"}
AGENT_RELATIONS = {"entrusted": "委托代理人", "statutory": "法定代理人", "staff": "单位经办人", "proxy": "帮办代办人"}
OUTCOMES = {
    "accept": "受理",
    "accept_tolerant": "容缺受理",
    "pledge": "告知承诺受理",
    "conclude": "当场办结",
    "notify_missing": "一次性告知补正",
    "refuse": "不予受理",
}
# What the window issued, by notice kind (client paperwork's kinds).
WINDOW_NOTICES = {
    "receipt": "收件凭证",
    "acceptance": "受理通知书",
    "correction": "补正材料通知书（一次性告知书）",
    "refusal": "不予受理通知书",
    "tolerant-notice": "容缺受理通知书",
    "tolerant-pledge": "容缺受理承诺书",
    "pledge": "告知承诺书",
    "service-proof": "送达回证",
    "authorization": "授权委托书",
    "conclusion": "办结通知书",
}
EVENT_LABELS = {
    protocol.CASE_ACCEPTED: "窗口受理",
    protocol.CASE_NOTIFIED: "窗口出具一次性告知书",
    protocol.CASE_REFUSED: "窗口不予受理",
    protocol.CASE_SUPPLEMENTED: "窗口收取补正材料",
    protocol.CASE_MAILED: "邮寄送达",
    protocol.CASE_WITHDRAWN: "申请人撤件",
    protocol.CASE_DELIVERED: "窗口出件",
    protocol.CASE_RATED: "申请人评价",
    protocol.ORIGINALS_DISPATCHED: "原件随流转单寄出",
    protocol.ORIGINALS_RECEIVED: "原件送达，收件窗口签收",
    protocol.OUTREACH_VISITED: "直通车上门办理",
}
HOLDERS = {"station": "村（社区）服务站", "in_transit": "在途", "hall": "政务服务中心窗口"}
# A decided case, whose 准予/不予行政许可决定书 the console serves (console/decide.py).
DECIDED = ("approved", "denied", "result_ready", "delivered", "mailed")
RATINGS = {5: "非常满意", 4: "满意", 3: "基本满意", 2: "不满意", 1: "非常不满意"}


class Refused(Exception):
    """The person may not see this case (or it does not exist for them)."""

    def __init__(self, status: int, message: str, code: str):
        super().__init__(message)
        self.status, self.message, self.code = status, message, code


@dataclass(frozen=True)
class Party:
    """The applicant or the agent, in full: the approver decides on exactly this person."""

    role: str  # 申请人 / 委托代理人 …
    name: str
    id_type: str
    id_number: str
    phone: str = ""
    address: str = ""
    note: str = ""  # 法定代表人 of an organisation


@dataclass(frozen=True)
class Answer:
    question: str
    answer: str


@dataclass(frozen=True)
class MaterialRow:
    name: str
    state: str  # MATERIAL_STATES key: the CSS class of its badge
    state_label: str
    form: str
    copies: int
    problem: str
    pages: tuple[int, ...]  # numbers (from 1) of its pages in the viewer


@dataclass(frozen=True)
class ScanPage:
    """One stored file of the case, in checklist order; a PDF may hold several viewer pages."""

    sha256: str
    material: str
    ready: bool  # uploaded whole and verified


@dataclass(frozen=True)
class Notice:
    title: str
    number: str
    at: str
    by: str
    detail: str = ""
    link: str = ""  # the console page serving it, under the case's URL ("decision", "extension-notice")


@dataclass(frozen=True)
class Custody:
    holder: str
    slip_no: str
    at: str
    by: str
    office: str


@dataclass(frozen=True)
class Step:
    at: str  # China time, minutes
    what: str
    who: str
    detail: str = ""


@dataclass(frozen=True)
class CaseView:
    case_no: str
    case_no_display: str
    matter_code: str
    matter_name: str
    status: str
    status_label: str
    outcome: str
    org_name: str
    department: str
    received_at: str
    due: str
    supplement_by: str
    applicant: Party
    agent: Party | None
    answers: tuple[Answer, ...]
    answers_sent: bool  # the window reported the situation answers
    materials: tuple[MaterialRow, ...]
    scans: tuple[ScanPage, ...]
    notices: tuple[Notice, ...]
    custody: Custody | None
    timeline: tuple[Step, ...]
    legal_due: str = ""  # 法定办结期限 (§42 for a licence), moved by an extension; "" for older cases


@dataclass(frozen=True)
class ScanFile:
    sha256: str | None  # None: not uploaded whole yet


def china_time(moment: dt.datetime | str | None) -> str:
    """What the console shows of a time: China Standard Time to the minute."""
    if moment is None or moment == "":
        return ""
    try:
        aware = protocol.wire_time(moment)
    except ValueError:
        return ""
    return aware.astimezone(protocol.CST).strftime("%Y-%m-%d %H:%M")


def case_number(text: str) -> str:
    """The stored form of a number from a URL, or Refused(404) for something that is none."""
    number = parse_case_no(text)[:50]
    if not _CASE_NO.match(number):
        raise Refused(404, f"没有找到编号为“{number[:40]}”的办件。", NOT_FOUND)
    return number


def visible_case(session: Session, staff: Staff, number: str) -> Case:
    """The case if `staff` may see it, else Refused: 404 outside their org units, 403 inside."""
    case = session.execute(select(Case).where(Case.case_no == number)).scalar_one_or_none()
    missing = Refused(404, f"没有找到编号为 {format_case_no(number)} 的办件，或该办件不属于您所在的机构。", NOT_FOUND)
    if case is None:
        raise missing
    chain = org_chain(session, case.org_code)
    if staff.role == "supervisor":
        if staff.org_code not in chain:
            raise missing
        return case
    if staff.role not in STAFF_ROLES:
        if staff.org_code not in chain:
            raise missing
        raise Refused(403, "您的角色不能查看办件详情，请联系系统管理员。", "role_refused")
    dept = session.get(Department, case.department_id) if case.department_id is not None else None
    if dept is None:
        if staff.org_code not in chain:
            raise missing
        raise Refused(403, "该办件尚未分派承办科室，暂不能查看。请联系系统管理员分派。", "unrouted")
    if staff.org_code != dept.org_code:
        raise missing
    if session.get(StaffDepartment, (staff.username, dept.id)) is None:
        raise Refused(403, f"该办件由{dept.name}承办，您不在该科室，不能查看。", "other_department")
    return case


def open_case(
    sessions: sessionmaker[Session], staff: Staff, case_no: str, catalog: Callable[[Session], Catalog], client: str
) -> CaseView:
    """The case page's contents (`catalog`: the newest one, for the situation questions' words);
    the look is audited in the same transaction (no view without its entry), a refusal on its own."""
    try:
        number = case_number(case_no)
    except Refused as refused:
        _audit_refusal(sessions, staff, CASE_VIEW, refused, "(not a case number)", client)
        raise
    with sessions() as session, session.begin():
        try:
            case = visible_case(session, staff, number)
        except Refused as refused:
            problem = refused
        else:
            view = _view(session, case, catalog(session))
            audit.record(
                session,
                username=staff.username,
                action=CASE_VIEW,
                outcome=audit.OK,
                client=client,
                org_code=staff.org_code,
                detail=f"case {case.case_no}",
            )
            return view
    _audit_refusal(sessions, staff, CASE_VIEW, problem, number, client)
    raise problem


def scan_file(sessions: sessionmaker[Session], staff: Staff, case_no: str, sha256: str, client: str) -> ScanFile:
    """The stored page, if it is this case's and the person may see the case."""
    sha = (sha256 or "").lower()
    try:
        number = case_number(case_no)
    except Refused as refused:
        _audit_refusal(sessions, staff, CASE_SCAN, refused, "(not a case number)", client)
        raise
    with sessions() as session:
        try:
            case = visible_case(session, staff, number)
            if not _SHA256.match(sha) or sha not in _case_shas(case):
                raise Refused(404, "该办件没有这一页扫描件。", "other_page")
        except Refused as refused:
            problem = refused
        else:
            blob = session.get(Blob, sha)
            return ScanFile(sha if blob is not None and blob.complete else None)
    _audit_refusal(sessions, staff, CASE_SCAN, problem, number, client, sha[:64] if _SHA256.match(sha) else "")
    raise problem


def _audit_refusal(
    sessions: sessionmaker[Session],
    staff: Staff,
    action: str,
    refused: Refused,
    number: str,
    client: str,
    sha: str = "",
) -> None:
    audit.record_alone(
        sessions,
        username=staff.username,
        action=action,
        outcome=audit.REFUSED if refused.code != NOT_FOUND else NOT_FOUND,
        client=client,
        org_code=staff.org_code,
        detail=f"case {number}; {refused.code}" + (f"; page {sha}" if sha else ""),
    )


# ---- building the view --------------------------------------------------------------------


def _case_shas(case: Case) -> list[str]:
    """Every page the case names, in checklist order, each once."""
    found = [
        str(sha).lower()
        for material in (case.payload or {}).get("materials") or ()
        if isinstance(material, dict)
        for sha in material.get("blobs") or ()
    ]
    return list(dict.fromkeys(found + [str(s).lower() for s in case.blobs_expected or ()]))


def _view(session: Session, case: Case, catalog: Catalog) -> CaseView:
    payload: dict[str, Any] = case.payload or {}
    names = _Names(session)
    org = session.get(OrgUnit, case.org_code)
    dept = session.get(Department, case.department_id) if case.department_id is not None else None
    try:
        status_label = LABELS[CaseState(case.status)]
    except ValueError:
        status_label = case.status
    scans, materials = _materials(session, case, payload)
    events = list(
        session.execute(
            select(Event).where(Event.case_id == case.id, Event.status == "acked").order_by(Event.id)
        ).scalars()
    )
    changes = list(session.execute(select(Change).where(Change.case_id == case.id).order_by(Change.seq)).scalars())
    changes += _latest_decision(case, changes)
    names.learn(
        [str((e.payload or {}).get("clerk") or "") for e in events]
        + [str((c.data or {}).get("decided_by") or "") for c in changes]
    )
    devices = {
        d.id: d.name
        for d in session.execute(select(Device).where(Device.id.in_({e.device_id for e in events}))).scalars()
    }
    custody = payload.get("custody") if isinstance(payload.get("custody"), dict) else None
    return CaseView(
        case_no=case.case_no,
        case_no_display=format_case_no(case.case_no),
        matter_code=case.matter_code,
        matter_name=case.matter_name,
        status=case.status,
        status_label=status_label,
        outcome=OUTCOMES.get(str(payload.get("outcome") or "accept"), ""),
        org_name=org.name if org is not None else case.org_code,
        department=f"{dept.name}" if dept is not None else "尚未分派",
        received_at=china_time(case.received_at),
        due=case.due.isoformat() if case.due else "",
        legal_due=case.legal_due.isoformat() if case.legal_due else "",
        supplement_by=str(payload.get("supplement_by") or ""),
        applicant=_applicant(case, payload),
        agent=_agent(payload),
        answers=_answers(catalog, case, payload),
        answers_sent=isinstance(payload.get("answers"), dict),
        materials=materials,
        scans=scans,
        notices=_notices(case, payload, changes, names),
        custody=_custody(custody, names, payload) if custody else None,
        timeline=_timeline(events, changes, names, devices),
    )


def _latest_decision(case: Case, changes: list[Change]) -> list[Change]:
    """The case's last decision as a feed entry (not stored) when the feed no longer holds it:
    `admin.prune_changes` drops superseded entries after some weeks, the case row keeps it."""
    if case.decided_at is None or not case.decided_by:
        return []
    for change in changes:
        data = change.data or {}
        if data.get("decided_by") == case.decided_by and data.get("decided_at"):
            try:
                if protocol.wire_time(data["decided_at"]) == case.decided_at:
                    return []
            except ValueError:
                continue
    data = {
        "status": case.status,
        "decided_by": case.decided_by,
        "decided_at": case.decided_at.isoformat(),
        "reason": case.reason,
        "result_name": case.result_name,
        "result_no": case.result_no,
        "supplement": list(case.supplement or ()),
        "doc_no": _part(case.payload or {}, "decision").get("doc_no"),
    }
    return [
        Change(seq=0, kind=protocol.CHANGE_CASE_STATUS, org_code=case.org_code, data=data, server_time=case.decided_at)
    ]


def _part(payload: dict[str, Any], key: str) -> dict[str, Any]:
    """One object of the stored payload; {} when the window sent none (or something else)."""
    value = payload.get(key)
    return value if isinstance(value, dict) else {}


class _Names:
    """People's names for usernames, looked up together; a login is never shown."""

    def __init__(self, session: Session):
        self.session = session
        self.known: dict[str, str] = {}

    def learn(self, usernames: list[str]) -> None:
        wanted = {u for u in usernames if u and u not in self.known}
        if wanted:
            for username, name in self.session.execute(
                select(User.username, User.display_name).where(User.username.in_(wanted))
            ):
                self.known[username] = name

    def of(self, username: str, fallback: str = "工作人员") -> str:
        self.learn([username])
        return self.known.get(username, fallback)


def _applicant(case: Case, payload: dict[str, Any]) -> Party:
    sent = _part(payload, "applicant")
    organisation = case.applicant_kind == "organisation"
    legal_rep = str(sent.get("legal_rep") or "")
    return Party(
        role="申请单位" if organisation else "申请人",
        name=case.applicant_name,
        id_type=case.applicant_id_type,
        id_number=case.applicant_id_number,
        phone=str(sent.get("phone") or ""),
        address=str(sent.get("address") or ""),
        note=f"法定代表人（负责人）：{legal_rep}" if legal_rep else "",
    )


def _agent(payload: dict[str, Any]) -> Party | None:
    agent = payload.get("agent")
    if not isinstance(agent, dict):
        proxy = payload.get("proxy")
        if isinstance(proxy, dict):  # 帮办代办 by a social worker: staff, named, no ID on the wire
            return Party("帮办代办人", str(proxy.get("agent_name") or ""), "", "", note=str(proxy.get("station") or ""))
        return None
    return Party(
        role=AGENT_RELATIONS.get(str(agent.get("relation")), "代理人"),
        name=str(agent.get("name") or ""),
        id_type=str(agent.get("id_type") or "身份证"),
        id_number=str(agent.get("id_number") or ""),
        phone=str(agent.get("phone") or ""),
    )


def _answers(catalog: Catalog, case: Case, payload: dict[str, Any]) -> tuple[Answer, ...]:
    """The situation answers in the catalog's words: as the window sent them, or else (windows
    send none today) worked out the way the window did, each marked so: "who acts" from the
    applicant and agent (client.domain.parties), the others from the checklist."""
    try:
        matter = catalog.get(case.matter_code)
    except KeyError:
        return ()
    sent = payload.get("answers")
    if isinstance(sent, dict):
        known = {s.code: s for s in matter.situations}
        out = []
        for code, option in sent.items():
            situation = known.get(str(code))
            label = next((o.label for o in situation.options if o.code == option), "") if situation else ""
            out.append(Answer(situation.question if situation else str(code), label or str(option)))
        return tuple(out)
    agent = payload.get("agent") if isinstance(payload.get("agent"), dict) else None
    parties = Applicant(
        case.applicant_name,
        case.applicant_id_type,
        case.applicant_id_number,
        kind=case.applicant_kind,
        agent=Agent(str(agent.get("name") or ""), "", str(agent.get("relation") or "")) if agent else None,
    )
    by_parties = set(answered_by_applicant(matter))
    acting = party_answers(matter, {}, parties)
    listed = {str(m.get("code")) for m in payload.get("materials") or () if isinstance(m, dict)}
    out = []
    for situation in matter.situations:
        if situation.code in by_parties:
            chosen = [situation.option(acting.get(situation.code))]
            how = "按申请人、代理人信息"
        else:
            # An answer fits when the materials it adds are listed and none it removes is; of
            # those, the one that explains most of the list. A tie tells nothing, shows nothing.
            fits = [o for o in situation.options if set(o.adds) <= listed and not set(o.removes) & listed]
            most = max((len(o.adds) for o in fits), default=-1)
            chosen = [o for o in fits if len(o.adds) == most]
            how = "据材料清单推定"
        if len(chosen) == 1:
            out.append(Answer(situation.question, f"{chosen[0].label}（{how}）"))
    return tuple(out)


def _materials(
    session: Session, case: Case, payload: dict[str, Any]
) -> tuple[tuple[ScanPage, ...], tuple[MaterialRow, ...]]:
    shas = _case_shas(case)
    complete = (
        set(session.execute(select(Blob.sha256).where(Blob.sha256.in_(shas), Blob.complete.is_(True))).scalars())
        if shas
        else set()
    )
    scans: list[ScanPage] = []
    rows: list[MaterialRow] = []
    placed: dict[str, int] = {}
    for material in payload.get("materials") or ():
        if not isinstance(material, dict):
            continue
        name = str(material.get("name") or material.get("code") or "")
        numbers = []
        for sha in (str(s).lower() for s in material.get("blobs") or ()):
            if sha not in placed:
                scans.append(ScanPage(sha, name, sha in complete))
                placed[sha] = len(scans)
            numbers.append(placed[sha])
        state = str(material.get("status") or "received")
        rows.append(
            MaterialRow(
                name=name,
                state=state if state in MATERIAL_STATES else "other",
                state_label=MATERIAL_STATES.get(state, state),
                form=FORMS.get(str(material.get("form") or ""), str(material.get("form") or "")),
                copies=int(material.get("copies") or 1),
                problem=str(material.get("problem") or ""),
                pages=tuple(numbers),
            )
        )
    for sha in shas:  # named by the case but by no material (an older window's upload list)
        if sha not in placed:
            scans.append(ScanPage(sha, "其他扫描件", sha in complete))
            placed[sha] = len(scans)
    return tuple(scans), tuple(rows)


def _notices(case: Case, payload: dict[str, Any], changes: list[Change], names: _Names) -> tuple[Notice, ...]:
    """The window's notices (numbered at intake) and the back office's decisions so far."""
    out: list[Notice] = []
    clerk = names.of(str(payload.get("clerk") or ""))
    documents = _part(payload, "documents")
    for kind, number in documents.items():
        out.append(Notice(WINDOW_NOTICES.get(str(kind), str(kind)), str(number), china_time(case.received_at), clerk))
    if not documents and payload.get("notice_no"):
        out.append(Notice("受理通知书", str(payload["notice_no"]), china_time(case.received_at), clerk))
    office: list[tuple[dt.datetime, Notice]] = []  # the back office's, with when they were issued
    served = str(_part(payload, "decision").get("doc_no") or "")  # the 决定书 the console serves
    for change in changes:
        data = change.data or {}
        if change.kind != protocol.CHANGE_CASE_STATUS or not data.get("decided_by"):
            continue
        by = str(data.get("decided_by_name") or names.of(str(data["decided_by"]), "后台"))
        moment = _moment(data.get("decided_at"), change.server_time)
        at = china_time(moment)
        status = data.get("status")
        if status in (CaseState.APPROVED.value, CaseState.DENIED.value):
            approved = status == CaseState.APPROVED.value
            doc_no = str(data.get("doc_no") or "")
            title = "准予行政许可决定" if approved else "不予行政许可决定"
            result = f"{data.get('result_name') or ''} {data.get('result_no') or ''}".strip()
            detail = result if approved else str(data.get("reason") or "")
            link = "decision" if doc_no and doc_no == served and case.status in DECIDED else ""
            number = doc_no or str(data.get("result_no") or "")
            office.append((moment, Notice(f"{title}书" if doc_no else title, number, at, by, detail, link)))
        elif status == CaseState.SUPPLEMENT_REQUESTED.value:
            items = "、".join(str(m) for m in data.get("supplement") or ())
            office.append((moment, Notice("审查阶段补正材料通知", "", at, by, items)))
        elif status == CaseState.SUSPENDED.value:
            office.append((moment, Notice("特别程序（中止计时）告知", "", at, by, str(data.get("reason") or ""))))
    extension = decisions.current_extension(case)
    if extension is not None and extension.state == decisions.APPROVED:
        moved = f"办理期限由{_iso(extension.due_before)}延至{_iso(extension.due_after)}：{extension.reason}"
        moment = _moment(extension.decided_at, extension.requested_at)
        notice = Notice(
            "延长审批期限告知书",
            extension.doc_no,
            china_time(moment),
            extension.decided_by_name,
            moved,
            "extension-notice",
        )
        office.append((moment, notice))
    return (*out, *(notice for _moment_, notice in sorted(office, key=lambda item: item[0])))


def _moment(value: object, fallback: dt.datetime) -> dt.datetime:
    """When a document was issued, always aware (the feed's time when the record has none)."""
    try:
        return protocol.wire_time(value if isinstance(value, (str, dt.datetime)) and value else fallback)
    except ValueError:
        return protocol.wire_time(fallback)


def _iso(day: dt.date | None) -> str:
    return day.isoformat() if day else ""


def _custody(custody: dict[str, Any], names: _Names, payload: dict[str, Any]) -> Custody:
    by = str(custody.get("by") or "")
    proxy = _part(payload, "proxy")
    who = by if by and by == proxy.get("agent_name") else names.of(by) if by else ""
    return Custody(
        holder=HOLDERS.get(str(custody.get("holder")), str(custody.get("holder") or "")),
        slip_no=str(custody.get("slip_no") or ""),
        at=china_time(custody.get("at")),
        by=who,
        office=str(custody.get("office") or ""),
    )


def _timeline(events: list[Event], changes: list[Change], names: _Names, devices: dict[str, str]) -> tuple[Step, ...]:
    """Everything that happened to the case, window and back office, oldest first."""
    steps: list[tuple[dt.datetime, int, Step]] = []
    for event in events:
        data = event.payload or {}
        who = names.of(str(data.get("clerk") or ""), f"{devices.get(event.device_id, '窗口')}的工作人员")
        steps.append(
            (event.device_time, 0, Step(china_time(event.device_time), _event_label(event), who, _event_detail(event)))
        )
    status, complete = "", None
    for change in changes:
        data = change.data or {}
        step = _change_step(change, data, names, status, complete)
        if change.kind == protocol.CHANGE_CASE_STATUS:
            status, complete = str(data.get("status") or status), data.get("complete", complete)
        if step is not None:
            steps.append((change.server_time, 1, step))
    steps.sort(key=lambda item: (item[0], item[1]))
    return tuple(step for _at, _order, step in steps)


def _event_label(event: Event) -> str:
    data = event.payload or {}
    if event.type == protocol.CASE_ACCEPTED:
        outcome = OUTCOMES.get(str(data.get("outcome") or "accept"), "受理")
        return f"窗口{outcome}" if outcome != "受理" else "窗口受理"
    if event.type == protocol.CASE_RATED and data.get("stage") == "delivery":
        return "申请人评价（出件）"
    return EVENT_LABELS.get(event.type, "窗口记录")


def _event_detail(event: Event) -> str:
    data = event.payload or {}
    if event.type == protocol.CASE_SUPPLEMENTED:
        return "材料已补齐" if data.get("complete") else "仍有材料未补齐"
    if event.type == protocol.CASE_MAILED:
        return f"{data.get('carrier') or ''} {data.get('tracking_no') or ''}".strip()
    if event.type == protocol.CASE_WITHDRAWN:
        return str(data.get("reason") or "")
    if event.type == protocol.CASE_DELIVERED:
        return f"领取人：{data.get('recipient_name') or ''}"
    if event.type == protocol.CASE_RATED:
        return RATINGS.get(int(data.get("level") or 0), "")
    if event.type in (protocol.ORIGINALS_DISPATCHED, protocol.ORIGINALS_RECEIVED):
        return f"流转单 {data.get('slip_no') or ''}"
    return ""


def _change_step(change: Change, data: dict[str, Any], names: _Names, status: str, complete: object) -> Step | None:
    at = china_time(change.server_time)
    if change.kind == protocol.CHANGE_CASE_ROUTE:
        who = str(data.get("routed_by_name") or "后台")
        return Step(at, f"分派承办科室：{data.get('department_name') or ''}", who, str(data.get("reason") or ""))
    if change.kind == protocol.CHANGE_CUSTODY:
        return Step(
            at, f"原件交接：{HOLDERS.get(str(data.get('holder')), '')}", "后台", f"流转单 {data.get('slip_no') or ''}"
        )
    if change.kind == protocol.CHANGE_DEADLINE:
        level = "已超期" if data.get("level") == "overdue" else "临近期限"
        return Step(at, f"期限预警：{level}", "系统", f"法定期限 {data.get('due') or ''}")
    if change.kind != protocol.CHANGE_CASE_STATUS:
        return None
    new = str(data.get("status") or "")
    if data.get("decided_by"):
        who = str(data.get("decided_by_name") or names.of(str(data["decided_by"]), "后台"))
        try:
            label = LABELS[CaseState(new)]
        except ValueError:
            label = new
        detail = str(data.get("reason") or "")
        if data.get("supplement"):
            detail = "补正：" + "、".join(str(m) for m in data["supplement"])
        if data.get("result_no"):
            detail = f"{data.get('result_name') or ''} {data['result_no']}".strip()
        return Step(at, f"审批：{label}", who, detail)
    if new and new != status:
        try:
            label = LABELS[CaseState(new)]
        except ValueError:
            label = new
        what = "后台接收办件" if not status and new == CaseState.SUBMITTED.value else f"状态：{label}"
        scans = "扫描件已齐" if data.get("complete") else "扫描件上传中"
        return Step(at, what, "系统", scans if not status else "")
    if data.get("complete") and complete is False:
        return Step(at, "扫描件全部上传完成", "系统")
    return None
