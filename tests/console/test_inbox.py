"""The approver's inbox (待办箱): the query on SQLite and PostgreSQL, the page in a real Chromium,
and what it refuses over plain HTTP."""

from __future__ import annotations

import datetime as dt
import itertools
import random
import uuid
from dataclasses import dataclass

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from client.domain.case_numbers import format_case_no, mint_case_no
from client.domain.catalog import load_sample_catalog
from client.domain.deadlines import add_limit, load_builtin_calendar
from client.domain.states import CaseState
from sync.server import admin, decisions, departments
from sync.server.console.inbox_query import (
    FLAG_LABELS,
    PAGE_SIZE,
    TOLERANCE_EXPIRED,
    InboxFilter,
    InboxRefused,
    inbox_page,
    mask_id,
    mask_name,
    parse_filter,
)
from sync.server.console.staff import Staff, load_staff
from sync.server.db import Case, User, make_engine
from sync.server.deadlines import NEAR_DUE_WORKING_DAYS, china_date, working_days_between
from tests.console.site import CSRF, form_token, screenshot, sign_in
from tests.sync.databases import BACKENDS, server_database

CALENDAR = load_builtin_calendar()
CATALOG = load_sample_catalog()
FRIDAY = dt.date(2026, 12, 4)
_serial = itertools.count(1)


@pytest.fixture(params=BACKENDS)
def engine(request, tmp_path):
    with server_database(request.param, tmp_path, request) as url:
        engine = make_engine(url)
        try:
            yield engine
        finally:
            engine.dispose()


@dataclass(frozen=True)
class Office:
    """Two county org units: A with departments MSSWK and SHSWK, B with MSSWK and HZCK (the
    sample catalog's department codes)."""

    engine: object
    dept: dict[str, int]  # "A/MSSWK" -> id

    def staff(self, org: str, role: str, *codes: str) -> Staff:
        username = f"{role}{next(_serial)}"
        admin.add_user(self.engine, org, username, f"测试{role}", role, "pw-123456")
        if codes:
            departments.set_staff_departments(self.engine, username, add=list(codes))
        with Session(self.engine) as session:
            user_id = session.execute(select(User.id).where(User.username == username)).scalar_one()
            staff = load_staff(session, user_id)
        assert staff is not None
        return staff


@pytest.fixture
def office(engine) -> Office:
    for org in ("A", "B"):
        admin.create_org_unit(engine, org, f"{org}县政务服务中心", "370702000000")
    found = {}
    for org, code, name in (
        ("A", "MSSWK", "民政科"),
        ("A", "SHSWK", "市场监管科"),
        ("B", "MSSWK", "民政科"),
        ("B", "HZCK", "国土科"),
    ):
        departments.add_department(engine, org, code, name)
    for row in departments.list_departments(engine):
        found[f"{row.org_code}/{row.code}"] = row.id
    return Office(engine, found)


def _add(
    engine,
    dept_id: int,
    org: str,
    *,
    due: dt.date | None = FRIDAY,
    status: str = CaseState.SUBMITTED.value,
    name: str = "张小三",
    id_number: str = "370702199001011234",
    matter: tuple[str, str] = ("M1", "最低生活保障审批"),
    received: dt.datetime | None = None,
    complete: bool = True,
    payload: dict | None = None,
    supplement: list | None = None,
    case_no: str | None = None,
) -> str:
    # Random device code and sequence: 4,096 codes alone collided once in a CI run.
    token = uuid.uuid4().int
    number = case_no or mint_case_no(
        "370702000000", dt.date(2026, 11, 1), f"T{token % 4096:03X}", token // 4096 % 9999 + 1
    )
    with Session(engine) as session, session.begin():
        session.add(
            Case(
                id=uuid.uuid4().hex,
                case_no=number,
                org_code=org,
                matter_code=matter[0],
                matter_name=matter[1],
                applicant_name=name,
                applicant_id_number=id_number,
                status=status,
                complete=complete,
                received_at=received or dt.datetime(2026, 11, 20, 2, 0, tzinfo=dt.UTC),
                due=due,
                payload=payload or {"materials": [{"code": "ID", "name": "身份证", "status": "received"}]},
                supplement=supplement,
                department_id=dept_id,
            )
        )
    return number


def _all(engine, staff: Staff, filt: InboxFilter = InboxFilter(), today: dt.date = FRIDAY) -> list:
    """Every row, page by page, following the next-page cursor."""
    rows, after = [], ""
    for _ in range(1000):
        with Session(engine) as session:
            page = inbox_page(session, staff, InboxFilter(**{**filt.__dict__, "after": after}), CATALOG, today)
        assert len(page.rows) <= PAGE_SIZE
        rows += page.rows
        if not page.next_cursor:
            return rows
        after = page.next_cursor
    raise AssertionError("the pages never ended")


def _numbers(engine, staff: Staff, **filters) -> set[str]:
    return {row.case_no for row in _all(engine, staff, InboxFilter(**filters))}


# ---- who sees what -----------------------------------------------------------------------------


def test_an_approver_sees_only_the_open_cases_of_their_own_departments(office):
    engine, dept = office.engine, office.dept
    mine = {_add(engine, dept["A/MSSWK"], "A"), _add(engine, dept["A/MSSWK"], "A", status=CaseState.IN_REVIEW.value)}
    other_department = _add(engine, dept["A/SHSWK"], "A")
    other_org = _add(engine, dept["B/MSSWK"], "B")  # same department code, another org unit
    decided = _add(engine, dept["A/MSSWK"], "A", status=CaseState.APPROVED.value)
    approver = office.staff("A", "approver", "MSSWK")

    assert _numbers(engine, approver) == mine
    assert not {other_department, other_org, decided} & _numbers(engine, approver)
    # Asking for a department by address: only their own.
    assert _numbers(engine, approver, department="MSSWK") == mine
    for code in ("SHSWK", "HZCK"):  # A's other department; a department only B has
        with Session(engine) as session, pytest.raises(InboxRefused) as refused:
            inbox_page(session, approver, InboxFilter(department=code), CATALOG, FRIDAY)
        assert refused.value.status == 403 and "无权查看该科室" in refused.value.message

    head = office.staff("A", "department_head", "SHSWK")
    assert _numbers(engine, head) == {other_department}
    supervisor = office.staff("A", "supervisor")  # every department of A, none of B
    assert _numbers(engine, supervisor) == mine | {other_department}
    assert _numbers(engine, supervisor, department="SHSWK") == {other_department}
    with Session(engine) as session:
        page = inbox_page(session, supervisor, InboxFilter(), CATALOG, FRIDAY)
    assert [d.name for d in page.departments] == ["民政科", "市场监管科"]

    with Session(engine) as session, pytest.raises(InboxRefused) as refused:  # window roles cannot sign in at all
        inbox_page(session, office.staff("A", "admin"), InboxFilter(), CATALOG, FRIDAY)
    assert refused.value.status == 403 and "不能查看待办办件" in refused.value.message
    # An approver in no department has an empty inbox, not someone else's.
    assert _numbers(engine, office.staff("A", "approver")) == set()


def test_names_and_id_numbers_are_masked():
    assert mask_name("张三") == "张*"
    assert mask_name("张小三") == "张*三"
    assert mask_name("欧阳小明") == "欧**明"
    assert mask_id("370702199001011234") == "3707**********1234"
    assert mask_id("91370702MA3C4X5Y6Z") == "9137**********5Y6Z"  # an organisation's credit code
    assert mask_id("1234567") == "*******"


# ---- deadlines -----------------------------------------------------------------------------------


def test_colours_and_working_days_left_count_the_calendar_across_a_weekend(office):
    engine, dept = office.engine, office.dept
    monday, tuesday, wednesday = (FRIDAY + dt.timedelta(days=n) for n in (3, 4, 5))
    thursday = FRIDAY - dt.timedelta(days=1)
    assert all(CALENDAR.is_working_day(d) for d in (thursday, FRIDAY, monday, tuesday, wednesday))
    assert not CALENDAR.is_working_day(FRIDAY + dt.timedelta(days=1))
    cases = {
        "thursday": _add(engine, dept["A/MSSWK"], "A", due=thursday),
        "friday": _add(engine, dept["A/MSSWK"], "A", due=FRIDAY),
        "monday": _add(engine, dept["A/MSSWK"], "A", due=monday),
        "tuesday": _add(engine, dept["A/MSSWK"], "A", due=tuesday),
        "wednesday": _add(engine, dept["A/MSSWK"], "A", due=wednesday),
        "paused": _add(engine, dept["A/MSSWK"], "A", due=thursday, status=CaseState.SUSPENDED.value),
    }
    approver = office.staff("A", "approver", "MSSWK")
    rows = {row.case_no: row for row in _all(engine, approver)}
    seen = {key: (rows[no].working_days_left, rows[no].colour) for key, no in cases.items()}
    # The weekend does not count: Monday is one working day away from Friday.
    assert seen == {
        "thursday": (-1, "red"),
        "friday": (0, "yellow"),
        "monday": (1, "yellow"),
        "tuesday": (NEAR_DUE_WORKING_DAYS, "yellow"),
        "wednesday": (3, ""),
        "paused": (None, ""),  # a suspended case is never carded
    }
    assert _numbers(engine, approver, colour="red") == {cases["thursday"]}
    assert _numbers(engine, approver, colour="yellow") == {cases["friday"], cases["monday"], cases["tuesday"]}


def test_a_make_up_working_saturday_and_a_holiday_count_as_the_calendar_says(office):
    engine, dept = office.engine, office.dept
    friday = dt.date(2026, 10, 9)  # the Saturday after is a 调休 working day
    saturday, monday, tuesday = (friday + dt.timedelta(days=n) for n in (1, 3, 4))
    assert CALENDAR.is_working_day(saturday) and not CALENDAR.is_working_day(dt.date(2026, 10, 7))
    near = _add(engine, dept["A/MSSWK"], "A", due=monday)
    far = _add(engine, dept["A/MSSWK"], "A", due=tuesday)
    late = _add(engine, dept["A/MSSWK"], "A", due=dt.date(2026, 9, 30))  # before the National Day holiday
    approver = office.staff("A", "approver", "MSSWK")
    rows = {row.case_no: row for row in _all(engine, approver, today=friday)}
    assert rows[near].working_days_left == working_days_between(friday, monday, CALENDAR) == 2
    assert rows[far].colour == "" and rows[near].colour == "yellow"
    assert rows[late].working_days_left == -2  # Oct 8 and 9: the National Day week does not count
    assert {r.case_no for r in _all(engine, approver, InboxFilter(colour="yellow"), today=friday)} == {near}


# ---- flags, search, matters ------------------------------------------------------------------------


def test_flags_show_on_the_row_and_each_filters(office):
    engine, dept = office.engine, office.dept
    tolerated = {
        "materials": [
            {"code": "ID", "name": "身份证", "status": "received"},
            {"code": "HK", "name": "户口簿", "status": "tolerated"},
        ],
        "outcome": "accept_tolerant",
        "supplement_by": (FRIDAY - dt.timedelta(days=2)).isoformat(),
    }
    brought_in = {**tolerated, "materials": [{"code": "HK", "name": "户口簿", "status": "received"}]}
    cases = {
        "tolerated": _add(engine, dept["A/MSSWK"], "A", payload=tolerated),
        "brought_in": _add(engine, dept["A/MSSWK"], "A", payload=brought_in),
        "suspended": _add(engine, dept["A/MSSWK"], "A", status=CaseState.SUSPENDED.value),
        "supplement_requested": _add(
            engine, dept["A/MSSWK"], "A", status=CaseState.SUPPLEMENT_REQUESTED.value, supplement=["户口簿"]
        ),
        "supplement_returned": _add(
            engine, dept["A/MSSWK"], "A", status=CaseState.IN_REVIEW.value, supplement=["户口簿"]
        ),
        "scans_incomplete": _add(engine, dept["A/MSSWK"], "A", complete=False),
        "reviewed": _add(engine, dept["A/MSSWK"], "A", status=CaseState.IN_REVIEW.value),  # no supplement asked
        "emptied": _add(engine, dept["A/MSSWK"], "A", status=CaseState.IN_REVIEW.value, supplement=[]),
    }
    approver = office.staff("A", "approver", "MSSWK")
    head = office.staff("A", "department_head", "MSSWK")
    # 行政许可法第四十二条 through the decisions themselves: one asked for, one granted by the head.
    cases["extension_requested"] = _add(engine, dept["A/MSSWK"], "A", status=CaseState.IN_REVIEW.value)
    cases["extended"] = _add(engine, dept["A/MSSWK"], "A")
    for case_no in (cases["extension_requested"], cases["extended"]):
        decisions.request_extension(engine, case_no, "需要现场核查", by=approver.username)
    decisions.decide_extension(engine, cases["extended"], approve=True, by=head.username)
    rows = {row.case_no: row for row in _all(engine, approver)}
    assert rows[cases["tolerated"]].flags == (FLAG_LABELS["tolerated"], TOLERANCE_EXPIRED)
    assert rows[cases["brought_in"]].flags == rows[cases["reviewed"]].flags == rows[cases["emptied"]].flags == ()
    assert rows[cases["extended"]].due == add_limit(FRIDAY, 10, "WD", CALENDAR).due  # the new date shows
    for flag in (
        "suspended",
        "extended",
        "extension_requested",
        "supplement_requested",
        "supplement_returned",
        "scans_incomplete",
    ):
        assert rows[cases[flag]].flags == (FLAG_LABELS[flag],)
        assert _numbers(engine, approver, flag=flag) == {cases[flag]}
    assert _numbers(engine, approver, flag="tolerated") == {cases["tolerated"]}


def test_search_by_case_number_or_name_and_the_matter_filter(office):
    engine, dept = office.engine, office.dept
    subsistence, relief = ("370702-GG-0005", "最低生活保障申请"), ("370702-GG-0035", "临时救助申请")
    zhang = _add(engine, dept["A/MSSWK"], "A", name="张小三", matter=subsistence)
    li = _add(engine, dept["A/MSSWK"], "A", name="李四", matter=relief)
    percent = _add(engine, dept["A/MSSWK"], "A", name="王%五", matter=relief)
    elsewhere = _add(engine, dept["B/MSSWK"], "B", name="张小三")
    approver = office.staff("A", "approver", "MSSWK")

    assert _numbers(engine, approver, search="小三") == {zhang}
    assert _numbers(engine, approver, search="%") == {percent}  # typed literally, not a wildcard
    assert _numbers(engine, approver, search=format_case_no(li)) == {li}  # hyphenated, as printed
    assert _numbers(engine, approver, search=li[:-2].lower()) >= {li}  # the beginning, any case
    assert elsewhere not in _numbers(engine, approver, search=elsewhere)
    assert _numbers(engine, approver, matter=relief[0]) == {li, percent}
    with Session(engine) as session:
        page = inbox_page(session, approver, InboxFilter(), CATALOG, FRIDAY)
    # The filter offers the matters the catalog gives their department, in code order.
    offered = [(m.code, m.name) for m in page.matters]
    assert subsistence in offered and relief in offered
    assert offered == sorted((m.code, m.name) for m in CATALOG.matters if m.department_code == "MSSWK")
    row = next(r for r in page.rows if r.case_no == zhang)
    assert (row.applicant, row.id_number) == ("张*三", "3707**********1234")
    assert "张小三" not in repr(page) and "370702199001011234" not in repr(page)


# ---- sort and paging ---------------------------------------------------------------------------------


def test_every_sort_pages_through_every_case_once_in_order_over_several_departments(office):
    engine, dept = office.engine, office.dept
    rng = random.Random(17)
    expected = []
    for n in range(2 * PAGE_SIZE + 13):
        due = None if n % 11 == 0 else FRIDAY + dt.timedelta(days=rng.randint(-5, 5))  # ties, and older rows without
        received = dt.datetime(2026, 11, 1, tzinfo=dt.UTC) + dt.timedelta(hours=rng.randint(0, 400))
        number = mint_case_no("370702000000", dt.date(2026, 11, 2), "P" + uuid.uuid4().hex[:3].upper(), n + 1)
        department = dept["A/MSSWK"] if n % 3 else dept["A/SHSWK"]
        _add(engine, department, "A", due=due, received=received, case_no=number)
        expected.append((number, due, received))
    approver = office.staff("A", "approver", "MSSWK", "SHSWK")

    by_due = [r.case_no for r in _all(engine, approver, InboxFilter(sort="due"))]
    dated = sorted((e for e in expected if e[1] is not None), key=lambda e: (e[1], e[0]))
    undated = sorted(e[0] for e in expected if e[1] is None)
    assert by_due == [e[0] for e in dated] + undated
    by_received = [r.case_no for r in _all(engine, approver, InboxFilter(sort="received"))]
    assert by_received == [e[0] for e in sorted(expected, key=lambda e: (e[2], e[0]))]
    by_number = [r.case_no for r in _all(engine, approver, InboxFilter(sort="case_no"))]
    assert by_number == sorted(e[0] for e in expected)
    # A filter keeps its pages apart from the others'.
    red = [r.case_no for r in _all(engine, approver, InboxFilter(colour="red"))]
    assert red == [e[0] for e in dated if e[1] < FRIDAY]


def test_what_an_address_may_ask_is_bounded():
    good = {"sort": "due", "colour": "", "flag": "", "matter": "", "department": "", "search": "", "after": ""}
    assert parse_filter(**good) == InboxFilter()
    for bad in (
        {"sort": "applicant_name"},
        {"colour": "green"},
        {"flag": "anything"},
        {"search": "张" * 41},
        {"matter": "M" * 65},
        {"after": "2026-12-04~" + "9" * 80},
        {"search": "张\x00三"},
    ):
        with pytest.raises(InboxRefused) as refused:
            parse_filter(**{**good, **bad})
        assert refused.value.status == 400 and refused.value.message


def test_a_forged_cursor_is_refused_in_chinese(office):
    approver = office.staff("A", "approver", "MSSWK")
    for sort, after in (("due", "yesterday~X"), ("received", "2026~ABC"), ("case_no", "' OR 1=1 --")):
        with Session(office.engine) as session, pytest.raises(InboxRefused) as refused:
            inbox_page(session, approver, InboxFilter(sort=sort, after=after), CATALOG, FRIDAY)
        assert refused.value.status == 400 and "翻页参数无效" in refused.value.message


# ---- the page, in Chromium --------------------------------------------------------------------------

_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
_GIVEN = ["建国", "秀英", "伟", "芳", "小明", "桂兰", "志强", "海燕", "德华", "丽", "春梅", "国庆", "玉珍", "文博"]


def _fill_hall(console, count: int, rng: random.Random) -> dict[str, list[str]]:
    """Cases of the hall's departments that look like a day's work: real matters, due dates
    around today (some red, some yellow), a few flags. Returns case numbers per department code."""
    engine, org = console.hall.engine, console.hall.org_code
    catalog = CATALOG
    rows = {d.code: d for d in departments.list_departments(engine, org)}
    matters = [m for m in catalog.matters if m.department_code in rows]
    today = china_date(dt.datetime.now(dt.UTC))
    device = "W" + uuid.uuid4().hex[:3].upper()
    made: dict[str, list[str]] = {}
    for n in range(count):
        matter = matters[n % len(matters)]
        shift = rng.choice([-3, -1, 0, 1, 2, 3, 4, 5, 6, 8, 10, 12, 15, 20])
        due = add_limit(today, shift, "WD", CALENDAR).due if shift >= 0 else today - dt.timedelta(days=-shift * 2)
        status = rng.choice(
            [CaseState.SUBMITTED.value] * 6 + [CaseState.IN_REVIEW.value] * 3 + [CaseState.SUSPENDED.value]
        )
        payload = {"materials": [{"code": "ID", "name": "身份证", "status": "received"}]}
        if n % 9 == 4:
            payload = {**payload, "materials": [{"code": "X", "name": "证明", "status": "tolerated"}]}
            payload["supplement_by"] = (today + dt.timedelta(days=rng.choice([-3, 5]))).isoformat()
        number = _add(
            engine,
            rows[matter.department_code].id,
            org,
            due=due,
            status=status,
            name=rng.choice(_SURNAMES) + rng.choice(_GIVEN),
            id_number=f"370702{rng.randint(1950, 2005)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}{rng.randint(0, 9999):04d}",
            matter=(matter.code, matter.name),
            received=dt.datetime.now(dt.UTC) - dt.timedelta(days=rng.randint(1, 20), hours=rng.randint(0, 8)),
            complete=n % 13 != 7,
            payload=payload,
            case_no=mint_case_no("370702000000", today - dt.timedelta(days=n % 20), device, n + 1),
        )
        made.setdefault(matter.department_code, []).append(number)
    return made


def test_an_approver_works_through_the_inbox_in_chromium(page, console):
    made = _fill_hall(console, 120, random.Random(3))
    codes = sorted(made, key=lambda code: -len(made[code]))[:2]
    approver = console.staff("approver", "王建国")
    departments.set_staff_departments(console.hall.engine, approver, add=codes)
    theirs = set(made[codes[0]] + made[codes[1]])
    assert len(theirs) > PAGE_SIZE

    sign_in(page, console, approver, console.hall.password)
    page.wait_for_url(f"{console.url}/console/")
    page.click("nav.nav >> text=待办箱")
    page.wait_for_url(f"{console.url}/console/inbox")
    assert page.locator("h1").inner_text() == "待办箱"
    shown = page.locator("table.cases tbody tr")
    assert shown.count() == PAGE_SIZE
    numbers = [n.replace("-", "") for n in page.locator("td.no a").all_inner_texts()]
    assert set(numbers) <= theirs
    assert page.locator("tr.red").count() > 0 and page.locator("tr.yellow").count() > 0
    assert "红牌" in page.locator("tr.red").first.inner_text()
    body = page.locator("table.cases").inner_text()
    assert "**********" in body  # ID numbers masked
    assert page.locator("td.no a").first.get_attribute("href") == f"/console/cases/{numbers[0]}"
    screenshot(page, "console-inbox.png")

    page.click("text=下一页")
    page.wait_for_load_state()
    assert "第 2 页" in page.locator(".pager").inner_text()
    second = [n.replace("-", "") for n in page.locator("td.no a").all_inner_texts()]
    assert second and not set(second) & set(numbers) and set(second) <= theirs

    page.select_option("select[name=colour]", "red")
    page.fill("input[name=q]", "")
    page.click("button:has-text('查询')")
    page.wait_for_load_state()
    reds = page.locator("table.cases tbody tr")
    assert reds.count() > 0 and reds.count() == page.locator("tr.red").count()
    assert page.locator("select[name=colour]").input_value() == "red"  # the choice stays

    page.goto(f"{console.url}/console/inbox?q=" + numbers[0][-8:])
    assert [n.replace("-", "") for n in page.locator("td.no a").all_inner_texts()] == []  # not a prefix
    page.fill("input[name=q]", numbers[0])
    page.click("button:has-text('查询')")
    page.wait_for_load_state()
    assert [n.replace("-", "") for n in page.locator("td.no a").all_inner_texts()] == [numbers[0]]
    assert page.input_value("input[name=q]") == numbers[0]  # what was typed stays


# ---- refusals over HTTP -----------------------------------------------------------------------------


def _sign_in(console, client, username: str) -> None:
    answer = client.post(
        "/console/login",
        data={"csrf_token": form_token(client), "username": username, "password": console.hall.password},
    )
    assert answer.status_code == 303
    assert CSRF.search(client.get("/console/").text)


def test_the_inbox_refuses_in_chinese_what_is_not_the_persons_and_records_it(console):
    with console.client() as anonymous:
        answer = anonymous.get("/console/inbox")
        assert answer.status_code == 303 and answer.headers["location"].startswith("/console/login")

    codes = [d.code for d in departments.list_departments(console.hall.engine, console.hall.org_code)]
    approver = console.staff("approver", "孙审批")
    departments.set_staff_departments(console.hall.engine, approver, add=codes[:1])
    with console.client() as client:
        _sign_in(console, client, approver)
        assert client.get("/console/inbox").status_code == 200
        answer = client.get("/console/inbox", params={"dept": codes[1]})
        assert answer.status_code == 403 and "无权查看该科室的办件" in answer.text
        answer = client.get("/console/inbox", params={"sort": "applicant_id_number"})
        assert answer.status_code == 400 and "筛选或排序条件无效" in answer.text
        answer = client.get("/console/inbox", params={"q": "张" * 200})
        assert answer.status_code == 400 and "搜索内容过长" in answer.text
        answer = client.get("/console/inbox", params={"page": "9" * 5000})
        assert answer.status_code == 200  # a silly page number is only a label: page 1
    assert ("view_inbox", "refused") in console.audit(approver)

    administrator = console.staff("admin", "周管理")
    with console.client() as client:
        _sign_in(console, client, administrator)
        answer = client.get("/console/inbox")
        assert answer.status_code == 403 and "不能查看待办办件" in answer.text
        assert "待办箱" not in client.get("/console/").text.split("<main>")[0]  # no menu entry either
    assert console.audit(administrator)[-1] == ("view_inbox", "refused")
