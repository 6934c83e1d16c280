"""The approver's inbox (待办箱): the cases of their departments that await a decision.

Scope first, always in SQL: an approver or department head sees the active departments of
their own org unit they work in (`staff_departments`), a supervisor every active department of
their org unit; nobody else has an inbox. A department asked for by URL must be one of those.

Built to stay fast at a city's volume (bench/console.py, a million cases): each department is
read on its own through a partial index (`ix_cases_inbox_*`, only the cases awaiting a
decision) in the order of the chosen sort, at most one page per department, and the pages are
merged; the next page starts after the last row's key (keyset), so a deep page costs what the
first does. Only the rows on the page are read in full.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal, get_args

from sqlalchemy import ColumnElement, Select, String, cast, or_, select, tuple_, union_all
from sqlalchemy.orm import Session

from client.domain.case_numbers import format_case_no, parse_case_no
from client.domain.catalog import Catalog
from client.domain.deadlines import WorkCalendar, add_limit
from client.domain.states import LABELS, CaseState

from ..db import AWAITING_DECISION, Case, Department, StaffDepartment
from ..deadlines import NEAR_DUE_WORKING_DAYS, china_date, working_days_between
from ..decisions import APPROVED, EXTENSION_KEY, REQUESTED
from ..publishing import current_calendar
from .errors import ViewRefused
from .staff import Staff

PAGE_SIZE = 25
MAX_SEARCH = 40  # characters of a search; a case number is 24, a name far less
MAX_CURSOR = 80
MAX_CODE = 64  # matter codes (cases.matter_code) and department codes

INBOX_ROLES = ("approver", "department_head", "supervisor")
ALL_DEPARTMENTS_ROLES = ("supervisor",)

Sort = Literal["due", "received", "case_no"]
Colour = Literal["", "red", "yellow"]
Flag = Literal[
    "",
    "tolerated",
    "suspended",
    "extended",
    "extension_requested",
    "supplement_requested",
    "supplement_returned",
    "scans_incomplete",
]
SORTS: tuple[Sort, ...] = get_args(Sort)
COLOURS: tuple[Colour, ...] = get_args(Colour)
FLAGS: tuple[Flag, ...] = get_args(Flag)

# What an address may say, by name: the lookup narrows a typed text to the choice.
_SORT_NAMED: dict[str, Sort] = {name: name for name in SORTS}
_COLOUR_NAMED: dict[str, Colour] = {name: name for name in COLOURS}
_FLAG_NAMED: dict[str, Flag] = {name: name for name in FLAGS}

SORT_LABELS: dict[Sort, str] = {"due": "到期日（近→远）", "received": "受理日期（早→晚）", "case_no": "办件编号"}
COLOUR_LABELS: dict[Colour, str] = {"": "全部", "red": "红牌（已超期）", "yellow": "黄牌（临近到期）"}
FLAG_LABELS: dict[Flag, str] = {
    "": "全部",
    "tolerated": "容缺材料未补齐",
    "suspended": "特别程序（暂停计时）",
    "extended": "已延长审批期限",
    "extension_requested": "延期待负责人审批",
    "supplement_requested": "已退回补正",
    "supplement_returned": "补正材料已交回",
    "scans_incomplete": "扫描件未传齐",
}
TOLERANCE_EXPIRED = "容缺补交已逾期"

# How a 容缺 material still outstanding is written in the stored payload (the materials list
# after the last supplement). The JSON text is matched, as neither backend can search a JSON
# array portably; SQLAlchemy writes it with json.dumps on both, so the spacing is fixed.
_TOLERATED_TEXT = '%"status": "tolerated"%'
_ASCII_SEARCH = re.compile(r"^[0-9A-Z]+$")
_WHOLE_CASE_NO = re.compile(r"^Y?\d{20}[0-9A-Z]{4}\d{4}$")  # client.domain.case_numbers; Y: 一件事

assert set(AWAITING_DECISION) == {
    CaseState.SUBMITTED.value,
    CaseState.IN_REVIEW.value,
    CaseState.SUPPLEMENT_REQUESTED.value,
    CaseState.SUSPENDED.value,
}, "the inbox's partial indexes (db.AWAITING_DECISION) must cover exactly the states awaiting a decision"


class InboxRefused(ViewRefused):
    """Not this person's inbox, or a parameter out of bounds: `message` is shown as it is."""


@dataclass(frozen=True)
class InboxFilter:
    sort: Sort = "due"
    colour: Colour = ""
    flag: Flag = ""
    matter: str = ""  # a matter code
    department: str = ""  # a department code; "" all of the person's
    search: str = ""  # a case number (or its beginning) or part of the applicant's name
    after: str = ""  # the cursor of the next page


@dataclass(frozen=True)
class DepartmentOption:
    code: str
    name: str


@dataclass(frozen=True)
class MatterOption:
    code: str
    name: str


@dataclass(frozen=True)
class InboxRow:
    case_no: str  # as stored
    case_no_display: str  # hyphenated, as printed
    matter_name: str
    applicant: str  # masked: 张*三
    id_number: str  # masked: 3707**********1234
    accepted: dt.date  # in China
    due: dt.date | None
    working_days_left: int | None  # negative: overdue by that many; None: paused or no due date
    colour: Colour
    status: str  # label
    flags: tuple[str, ...]  # labels


@dataclass(frozen=True)
class InboxPage:
    rows: tuple[InboxRow, ...]
    next_cursor: str  # "" on the last page
    today: dt.date
    departments: tuple[DepartmentOption, ...]  # what the person may look at
    matters: tuple[MatterOption, ...]  # the matters among their open cases, for the filter


def mask_name(name: str) -> str:
    """张三 → 张*, 张小三 → 张*三, 欧阳小明 → 欧**明: enough to recognise, not to identify."""
    name = name.strip()
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def mask_id(number: str) -> str:
    """370702199001011234 → 3707**********1234 (the region's first four and the last four)."""
    number = number.strip()
    if len(number) <= 8:
        return "*" * len(number)
    return number[:4] + "*" * (len(number) - 8) + number[-4:]


def scope(session: Session, staff: Staff) -> tuple[tuple[int, DepartmentOption], ...]:
    """The (id, department) pairs whose cases the person sees, in code order."""
    if staff.role not in INBOX_ROLES:
        raise InboxRefused(
            403,
            "待办箱供审批人员、科室负责人和窗口主管使用，您的账号角色不能查看待办办件。",
            f"role {staff.role}",
        )
    query = select(Department.id, Department.code, Department.name).where(
        Department.org_code == staff.org_code, Department.active.is_(True)
    )
    if staff.role not in ALL_DEPARTMENTS_ROLES:
        query = query.join(StaffDepartment, StaffDepartment.department_id == Department.id).where(
            StaffDepartment.username == staff.username
        )
    rows = session.execute(query.order_by(Department.code)).all()
    return tuple((row.id, DepartmentOption(row.code, row.name)) for row in rows)


def parse_filter(
    *, sort: str, colour: str, flag: str, matter: str, department: str, search: str, after: str
) -> InboxFilter:
    """What the address bar asks, as a filter; an unknown choice is refused in Chinese."""
    sort_value = _SORT_NAMED.get(sort or "due")
    colour_value = _COLOUR_NAMED.get(colour)
    flag_value = _FLAG_NAMED.get(flag)
    if sort_value is None or colour_value is None or flag_value is None:
        raise InboxRefused(400, "筛选或排序条件无效，请在页面上重新选择。", "unknown choice")
    filt = InboxFilter(sort_value, colour_value, flag_value, matter.strip(), department.strip(), search.strip(), after)
    return check_filter(filt)


def check_filter(filt: InboxFilter) -> InboxFilter:
    """Bounds on what a URL may ask: short texts of printable characters."""
    if any(ord(char) < 32 or ord(char) == 127 for char in filt.search + filt.matter + filt.department + filt.after):
        raise InboxRefused(400, "搜索或筛选内容中含有无法识别的字符，请重新输入。", "control characters")
    if len(filt.search) > MAX_SEARCH:
        raise InboxRefused(
            400, f"搜索内容过长：请输入办件编号或申请人姓名，最多 {MAX_SEARCH} 个字。", "search too long"
        )
    if len(filt.matter) > MAX_CODE or len(filt.department) > MAX_CODE or len(filt.after) > MAX_CURSOR:
        raise InboxRefused(400, "页面地址中的参数无效，请从待办箱第一页重新进入。", "parameter too long")
    return filt


def inbox_page(
    session: Session, staff: Staff, filt: InboxFilter, catalog: Catalog, today: dt.date | None = None
) -> InboxPage:
    """One page of the person's inbox under `filt`; raises InboxRefused for anything not theirs.

    The matter filter offers the catalog's matters of the departments in view (what they decide),
    not a DISTINCT over their open cases, which costs more than the page itself at a city's volume.
    """
    filt = check_filter(filt)
    allowed = scope(session, staff)
    in_view = [(dept_id, dept) for dept_id, dept in allowed if dept.code == filt.department or not filt.department]
    ids = [dept_id for dept_id, _ in in_view]
    if filt.department and not ids:
        raise InboxRefused(
            403,
            "您无权查看该科室的办件：只能查看本机构中您所在科室的待办办件。",
            f"department {filt.department[:MAX_CODE]}",
        )
    calendar = current_calendar(session)
    today = today or china_date(dt.datetime.now(dt.UTC))
    conditions = _conditions(filt, today, calendar)
    if not ids:
        rows: list[Any] = []
    elif _WHOLE_CASE_NO.match(parse_case_no(filt.search)):  # at most one case: no order, no pages
        rows = list(session.execute(select(*_COLUMNS).where(Case.department_id.in_(ids), *conditions)).all())
    else:
        rows = _rows(session, ids, conditions, filt.sort, _cursor(filt), PAGE_SIZE + 1)
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    return InboxPage(
        rows=tuple(_row(row, today, calendar) for row in rows),
        next_cursor=_key_text(filt.sort, rows[-1]) if more else "",
        today=today,
        departments=tuple(dept for _, dept in allowed),
        matters=_matters(catalog, {dept.code for _, dept in in_view}),
    )


# ---- the query ---------------------------------------------------------------------------------

_COLUMNS = (
    Case.case_no,
    Case.matter_name,
    Case.applicant_name,
    Case.applicant_id_number,
    Case.received_at,
    Case.due,
    Case.status,
    Case.complete,
    Case.supplement,
    Case.payload,
)


def _conditions(filt: InboxFilter, today: dt.date, calendar: WorkCalendar) -> list[ColumnElement[bool]]:
    found: list[ColumnElement[bool]] = [Case.status.in_(AWAITING_DECISION)]
    running = Case.status != CaseState.SUSPENDED.value  # a paused clock earns no card
    if filt.colour == "red":
        found += [running, Case.due < today]
    elif filt.colour == "yellow":
        found += [running, Case.due >= today, Case.due <= near_due_until(today, calendar)]
    if filt.flag == "tolerated":
        found.append(cast(Case.payload, String).like(_TOLERATED_TEXT))
    elif filt.flag == "suspended":
        found.append(Case.status == CaseState.SUSPENDED.value)
    elif filt.flag in ("extended", "extension_requested"):
        state = APPROVED if filt.flag == "extended" else REQUESTED
        found.append(cast(Case.payload, String).like(_extension_text(state)))
    elif filt.flag == "supplement_requested":
        found.append(Case.status == CaseState.SUPPLEMENT_REQUESTED.value)
    elif filt.flag == "supplement_returned":
        found += [Case.status == CaseState.IN_REVIEW.value, *_has_supplement()]
    elif filt.flag == "scans_incomplete":
        found.append(Case.complete.is_(False))
    if filt.matter:
        found.append(Case.matter_code == filt.matter)
    search = filt.search.strip()
    if search:
        name = Case.applicant_name.like(f"%{_escape(search)}%", escape="\\")
        number = parse_case_no(search)
        if _WHOLE_CASE_NO.match(number):  # one case: found through the unique index at once
            found.append(Case.case_no == number)
        elif _ASCII_SEARCH.match(number):  # digits and capitals: the beginning of a case number
            found.append(or_(Case.case_no.like(f"{number}%"), name))
        else:
            found.append(name)
    return found


def _extension_text(state: str) -> str:
    """The extension record as decisions writes it ("state" first), matched in the JSON text."""
    return f'%"{EXTENSION_KEY}": {{"state": "{state}"%'


def _has_supplement() -> list[ColumnElement[bool]]:
    """A supplement was asked for: a list, not SQL NULL nor the JSON null or [] a write of
    None or of an empty list leaves (SQLAlchemy's JSON keeps None as JSON null)."""
    return [Case.supplement.is_not(None), cast(Case.supplement, String).not_in(("null", "[]"))]


def near_due_until(today: dt.date, calendar: WorkCalendar) -> dt.date:
    """The last due date that earns a 黄牌 today: NEAR_DUE_WORKING_DAYS working days left or fewer
    (the level the deadline warnings sent to the windows use, sync.server.deadlines)."""
    return add_limit(today, NEAR_DUE_WORKING_DAYS + 1, "WD", calendar).due - dt.timedelta(days=1)


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _sort_keys(sort: Sort) -> tuple[Any, ...]:
    if sort == "received":
        return (Case.received_at, Case.case_no)
    if sort == "case_no":
        return (Case.case_no,)
    return (Case.due, Case.case_no)


def _merged(
    session: Session, ids: Sequence[int], where: Sequence[ColumnElement[bool]], keys: tuple[Any, ...], limit: int
) -> list[Any]:
    """One limited, ordered read per department (each an index range), merged in key order."""
    parts: list[Select[Any]] = [
        select(*_COLUMNS).where(Case.department_id == dept_id, *where).order_by(*keys).limit(limit) for dept_id in ids
    ]
    if len(parts) == 1:
        return list(session.execute(parts[0]).all())
    merged = union_all(*(select(part.subquery()) for part in parts)).subquery()
    order = [merged.c[key.key] for key in keys]
    return list(session.execute(select(merged).order_by(*order).limit(limit)).all())


def _rows(
    session: Session,
    ids: Sequence[int],
    where: list[ColumnElement[bool]],
    sort: Sort,
    cursor: tuple[Any, ...] | None,
    limit: int,
) -> list[Any]:
    keys = _sort_keys(sort)
    if sort != "due":
        after = [tuple_(*keys) > tuple_(*cursor)] if cursor else []
        return _merged(session, ids, [*where, *after], keys, limit)
    # By due date, cases without one (older records) come last, by number.
    rows: list[Any] = []
    if cursor is None or cursor[0] is not None:
        after = [tuple_(*keys) > tuple_(*cursor)] if cursor else []
        rows = _merged(session, ids, [*where, Case.due.is_not(None), *after], keys, limit)
    if len(rows) < limit:
        after = [Case.case_no > cursor[1]] if cursor and cursor[0] is None else []
        rows += _merged(session, ids, [*where, Case.due.is_(None), *after], (Case.case_no,), limit - len(rows))
    return rows


def _key_text(sort: Sort, row: Any) -> str:
    """The cursor after `row`: its sort key as text (no citizen's data in the address)."""
    if sort == "received":
        return f"{row.received_at.astimezone(dt.UTC):%Y%m%dT%H%M%S%f}~{row.case_no}"
    if sort == "case_no":
        return row.case_no
    return f"{row.due.isoformat() if row.due else '-'}~{row.case_no}"


def _cursor(filt: InboxFilter) -> tuple[Any, ...] | None:
    if not filt.after:
        return None
    try:
        if filt.sort == "case_no":
            return (_case_no(filt.after),)
        first, case_no = filt.after.split("~", 1)
        if filt.sort == "received":
            return (dt.datetime.strptime(first, "%Y%m%dT%H%M%S%f").replace(tzinfo=dt.UTC), _case_no(case_no))
        return (None if first == "-" else dt.date.fromisoformat(first), _case_no(case_no))
    except ValueError:
        raise InboxRefused(400, "页面地址中的翻页参数无效，请从待办箱第一页重新浏览。", "bad cursor") from None


def _case_no(text: str) -> str:
    if not text or not _ASCII_SEARCH.match(text):
        raise ValueError("not a case number")
    return text


def _matters(catalog: Catalog, department_codes: set[str]) -> tuple[MatterOption, ...]:
    found = (MatterOption(m.code, m.name) for m in catalog.matters if m.department_code in department_codes)
    return tuple(sorted(found, key=lambda option: option.code))


# ---- one row -----------------------------------------------------------------------------------


def _row(row: Any, today: dt.date, calendar: WorkCalendar) -> InboxRow:
    suspended = row.status == CaseState.SUSPENDED.value
    left = None if suspended or row.due is None else working_days_between(today, row.due, calendar)
    colour: Colour = ""
    if left is not None and row.due is not None:
        colour = "red" if row.due < today else "yellow" if left <= NEAR_DUE_WORKING_DAYS else ""
    return InboxRow(
        case_no=row.case_no,
        case_no_display=format_case_no(row.case_no),
        matter_name=row.matter_name,
        applicant=mask_name(row.applicant_name),
        id_number=mask_id(row.applicant_id_number),
        accepted=china_date(row.received_at),
        due=row.due,
        working_days_left=left,
        colour=colour,
        status=LABELS[CaseState(row.status)],
        flags=_flags(row, today),
    )


def _flags(row: Any, today: dt.date) -> tuple[str, ...]:
    flags: list[str] = []
    payload = row.payload if isinstance(row.payload, dict) else {}
    materials = payload.get("materials") or []
    if any(isinstance(m, dict) and m.get("status") == "tolerated" for m in materials):
        flags.append(FLAG_LABELS["tolerated"])
        if _date(payload.get("supplement_by")) < today:
            flags.append(TOLERANCE_EXPIRED)
    if row.status == CaseState.SUSPENDED.value:
        flags.append(FLAG_LABELS["suspended"])
    extension = payload.get(EXTENSION_KEY)
    state = extension.get("state") if isinstance(extension, dict) else None
    if state == APPROVED:
        flags.append(FLAG_LABELS["extended"])
    elif state == REQUESTED:
        flags.append(FLAG_LABELS["extension_requested"])
    if row.status == CaseState.SUPPLEMENT_REQUESTED.value:
        flags.append(FLAG_LABELS["supplement_requested"])
    if row.status == CaseState.IN_REVIEW.value and row.supplement:
        flags.append(FLAG_LABELS["supplement_returned"])
    if not row.complete:
        flags.append(FLAG_LABELS["scans_incomplete"])
    return tuple(flags)


def _date(value: object) -> dt.date:
    """A 容缺 deadline from the payload; none or unreadable: never expired."""
    try:
        return dt.date.fromisoformat(str(value)) if value else dt.date.max
    except ValueError:
        return dt.date.max
