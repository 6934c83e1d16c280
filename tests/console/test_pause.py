"""特别程序, §42 extensions and 容缺 in the console, driven in a real headless Chromium against a
real back office: cases taken at a window and synced, then paused, resumed, extended with the
department head's approval (its 延长审批期限告知书 read back with pdfplumber), and a 容缺 case
that cannot be approved until its head lets it."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import httpx
import pdfplumber
import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from client.domain.catalog import load_sample_catalog
from client.domain.deadlines import add_limit, working_days_between
from client.store.outbox import StoreOutbox
from reports.numbers import chinese_date
from reports.templates import default_templates
from sync.api import BackOfficeApi
from sync.engine import SyncEngine
from sync.server import admin, decisions, departments, tolerance
from sync.server.admin import AdminError
from sync.server.db import Case
from sync.server.deadlines import china_date, scan_deadlines
from sync.server.publishing import current_calendar
from tests.console.site import CSRF, Console, form_token, screenshot, sign_in
from tests.sync.window_cases import MATTER_CODE, enrol_store, queue_case


@dataclass(frozen=True)
class Window:
    """A window of the console's hall with cases synced up to the back office."""

    engine: SyncEngine
    case_ids: dict[str, str]  # case_no -> the window's case id

    def sync(self) -> None:
        assert self.engine.sync_once().ok


@pytest.fixture
def window(live_server, fresh_store) -> Window:
    token, device_code = enrol_store(fresh_store, live_server.url, live_server.enrol_code)
    return Window(SyncEngine(BackOfficeApi(live_server.url, token, timeout=30), StoreOutbox(fresh_store)), {})


def _take(window: Window, fresh_store, *, tolerated: bool = False) -> str:
    case_id, case_no = queue_case(fresh_store, _device_code(fresh_store), tolerated=tolerated)
    window.sync()
    window.case_ids[case_no] = case_id
    return case_no


def _device_code(store) -> str:
    from client.store.settings import load_identity

    with store.sessions() as s:
        identity = load_identity(s)
    assert identity is not None
    return identity.device_code


def _staff(console: Console, role: str, name: str) -> str:
    username = console.staff(role, name)
    code = load_sample_catalog().get(MATTER_CODE).department_code
    departments.set_staff_departments(console.hall.engine, username, add=[code])
    return username


def _case(console: Console, case_no: str) -> Case:
    with Session(console.hall.engine) as session:
        return session.execute(select(Case).where(Case.case_no == case_no)).scalar_one()


def _calendar(console: Console):
    with Session(console.hall.engine) as session:
        return current_calendar(session)


def _signed_in(page, console: Console, username: str) -> None:
    sign_in(page, console, username, console.hall.password)
    page.wait_for_url(f"{console.url}/console/")


@contextmanager
def _client(console: Console, username: str) -> Iterator[httpx.Client]:
    """A plain HTTP client signed in as `username`: how a hand-made post reaches the server."""
    with console.client() as client:
        client.headers["origin"] = console.url
        answer = client.post(
            "/console/login",
            data={"csrf_token": form_token(client), "username": username, "password": console.hall.password},
        )
        assert answer.status_code == 303
        yield client


def _post(client: httpx.Client, path: str, page: str, **fields: str) -> httpx.Response:
    """Post a console form with the token of the page it sits on."""
    found = CSRF.search(client.get(page).text)
    assert found is not None
    return client.post(path, data={"csrf_token": found.group(1), **fields})


def test_suspend_pauses_the_clock_and_resume_moves_the_due_date(page, console, window, fresh_store):
    case_no = _take(window, fresh_store)
    running_no = _take(window, fresh_store)  # the same matter, same day, left running
    approver = _staff(console, "approver", "陈审批")
    due = _case(console, case_no).due
    assert due is not None and _case(console, running_no).due == due

    _signed_in(page, console, approver)
    page.goto(f"{console.url}/console/cases/{case_no}")  # from the case page, as an approver goes
    page.click("#pause-actions a[href$='/pause']")
    page.wait_for_selector("#suspend-form")
    expected_end = china_date(admin.utcnow()) + dt.timedelta(days=14)
    page.fill("#reason", "需组织专家对经营场所进行现场评审")
    page.fill("#expected_end", expected_end.isoformat())
    screenshot(page, "console-suspend.png")
    page.click("#suspend-form button[type=submit]")
    page.wait_for_selector("#done")
    assert "已启动特别程序" in page.locator("#done").inner_text()
    assert "特别程序中" in page.locator("#case-facts").inner_text()
    assert "暂停计时" in page.locator("#due").inner_text()
    shown = page.locator("#suspension").inner_text()
    assert "需组织专家对经营场所进行现场评审" in shown and expected_end.isoformat() in shown

    suspended = _case(console, case_no)
    assert suspended.status == "suspended" and suspended.due == due  # the date stays while paused
    assert ("case_suspend", "ok") in console.audit(approver)

    # Days after the due date, the running twin is red-carded; the suspended case is not.
    warned = scan_deadlines(console.hall.engine, today=due + dt.timedelta(days=7), org_codes=(console.hall.org_code,))
    assert [(w.case_no, w.level) for w in warned] == [(running_no, "overdue")]
    assert _case(console, case_no).warning is None

    # The procedure ran for three weeks; ending it moves the date by its working days.
    began = admin.utcnow() - dt.timedelta(days=21)
    with Session(console.hall.engine) as session, session.begin():
        session.execute(update(Case).where(Case.case_no == case_no).values(suspended_at=began))
    page.reload()
    page.fill("#resume-reason", "专家评审意见已出具")
    page.click("#resume-form button[type=submit]")
    page.wait_for_selector("#done")
    calendar = _calendar(console)
    paused = working_days_between(china_date(began), china_date(admin.utcnow()), calendar)
    assert paused > 0
    moved = add_limit(due, paused, "WD", calendar).due
    resumed = _case(console, case_no)
    assert resumed.status == "in_review" and resumed.due == moved and resumed.suspended_at is None
    assert moved.isoformat() in page.locator("#due").inner_text()
    assert f"暂停 {paused} 个工作日：需组织专家对经营场所进行现场评审" in page.locator("#past").inner_text()
    assert ("case_resume", "ok") in console.audit(approver)


def test_pause_forms_refuse_bad_posts_and_change_nothing(console, window, fresh_store):
    case_no = _take(window, fresh_store)
    approver = _staff(console, "approver", "周审批")
    other = console.staff("approver", "吴审批")  # in no department of the case
    form_page = f"/console/cases/{case_no}/pause"
    with _client(console, approver) as client:
        no_reason = _post(client, f"/console/cases/{case_no}/suspend", form_page, reason=" ", expected_end="2099-01-01")
        assert no_reason.status_code == 400 and "启动特别程序必须填写理由" in no_reason.text
        past = _post(client, f"/console/cases/{case_no}/suspend", form_page, reason="听证", expected_end="2020-01-01")
        assert past.status_code == 400 and "预计结束日期不能早于今天" in past.text
        assert "听证" in past.text  # what was typed is shown again
        no_token = client.post(
            f"/console/cases/{case_no}/suspend", data={"reason": "听证", "expected_end": "2099-01-01"}
        )
        assert no_token.status_code == 403 and "提交未被受理" in no_token.text
        not_suspended = _post(client, f"/console/cases/{case_no}/resume", form_page)
        assert not_suspended.status_code == 409 and "不在特别程序中" in not_suspended.text
    with _client(console, other) as client:
        elsewhere = client.get(form_page)
        assert elsewhere.status_code == 403 and "您不在该科室" in elsewhere.text
    assert _case(console, case_no).status == "submitted"
    assert ("case_suspend", "refused") in console.audit(approver)
    assert ("csrf_refused", "refused") in console.audit(approver)
    assert ("case_suspend", "refused") in console.audit(other)


def test_extension_needs_the_head_and_brings_its_notice(page, console, window, fresh_store):
    case_no = _take(window, fresh_store)
    approver = _staff(console, "approver", "陈审批")
    head = _staff(console, "department_head", "赵科长")
    due = _case(console, case_no).due
    assert due is not None

    _signed_in(page, console, approver)
    page.goto(f"{console.url}/console/cases/{case_no}/extend")
    page.fill("#reason", "需会同住建部门对经营场所进行现场核查")
    page.click("#extend-form button[type=submit]")
    page.wait_for_selector("#done")
    assert "待科室负责人审批" in page.locator("#extension").inner_text()
    assert page.locator("#decide-form").count() == 0  # an approver is offered no decision

    # An approver cannot approve it, not even by posting the head's form by hand.
    with _client(console, approver) as client:
        refused = _post(
            client, f"/console/cases/{case_no}/extension", f"/console/cases/{case_no}/extend", decision="approve"
        )
        assert refused.status_code == 403 and "只有科室负责人可以" in refused.text
        assert client.get("/console/extensions").status_code == 403
    assert _case(console, case_no).due == due

    page.context.clear_cookies()
    _signed_in(page, console, head)
    page.goto(f"{console.url}/console/extensions")
    row = page.locator(f"#extensions tr[data-case='{case_no}']")
    assert "需会同住建部门对经营场所进行现场核查" in row.inner_text() and "陈审批" in row.inner_text()
    screenshot(page, "console-extend.png")
    row.locator("button[value=approve]").click()
    page.wait_for_selector("#done")
    extended = add_limit(due, 10, "WD", _calendar(console)).due
    assert _case(console, case_no).due == extended
    shown = page.locator("#extension").inner_text()
    assert "已批准" in shown and extended.isoformat() in shown and "赵科长" in shown
    assert ("extension_decide", "ok") in console.audit(head)

    page.click("#notice-link")
    page.wait_for_load_state("load")  # the page's picture of the notice is in
    picture = page.request.get(f"{console.url}/console/cases/{case_no}/extension-notice.png")
    assert picture.status == 200 and picture.body().startswith(b"\x89PNG")
    screenshot(page, "console-extension-notice.png")
    answer = page.request.get(f"{console.url}/console/cases/{case_no}/extension-notice.pdf")
    assert answer.status == 200 and answer.headers["content-type"] == "application/pdf"
    with pdfplumber.open(io.BytesIO(answer.body())) as pdf:
        text = "".join(p.extract_text() or "" for p in pdf.pages).replace("\n", "")
    assert "延长审批期限告知书" in text and "第四十二条" in text and "王小二" in text
    assert "需会同住建部门对经营场所进行现场核查" in text and "个体工商户设立登记" in text
    assert f"延长后的办理期限至{chinese_date(extended)}" in text and chinese_date(due) in text
    assert "10个工作日" in text
    office = default_templates().office  # the office the window's notices name (nothing published)
    assert office.name in text and f"{office.short_name}延字〔" in text

    # The law allows one extension.
    with _client(console, approver) as client:
        again = _post(client, f"/console/cases/{case_no}/extend", f"/console/cases/{case_no}/extend", reason="再延")
        assert again.status_code == 409 and "依法不能再次延长" in again.text

    # A head asking for their own case's extension needs another head.
    own_no = _take(window, fresh_store)
    decisions.request_extension(console.hall.engine, own_no, "需调取档案", by=head)
    with _client(console, head) as client:
        own = _post(client, f"/console/cases/{own_no}/extension", f"/console/cases/{own_no}/extend", decision="approve")
        assert own.status_code == 403 and "不能审批本人提出的延期申请" in own.text
    assert decisions.extension_of(console.hall.engine, own_no).state == "requested"


def test_tolerated_materials_block_approval_until_the_head_lifts_it(page, console, window, fresh_store):
    case_no = _take(window, fresh_store, tolerated=True)
    approver = _staff(console, "approver", "陈审批")
    head = _staff(console, "department_head", "赵科长")
    with pytest.raises(AdminError) as blocked:
        admin.decide(console.hall.engine, case_no, "approve", by=approver)
    assert blocked.value.code == "tolerance_outstanding" and "经营场所证明" in blocked.value.message
    assert _case(console, case_no).status == "submitted"

    # The 容缺 deadline has passed: the flag the inbox shows.
    yesterday = china_date(admin.utcnow()) - dt.timedelta(days=1)
    with Session(console.hall.engine) as session, session.begin():
        case = session.execute(select(Case).where(Case.case_no == case_no)).scalar_one()
        case.payload = {**case.payload, "supplement_by": yesterday.isoformat()}
    assert tolerance.tolerance_overdue(_case(console, case_no))

    with _client(console, approver) as client:
        tolerance_page = f"/console/cases/{case_no}/tolerance"
        assert "override-form" not in client.get(tolerance_page).text
        refused = _post(client, tolerance_page, tolerance_page, reason="不影响审批")
        assert refused.status_code == 403 and "只有承办科室负责人" in refused.text
    with _client(console, head) as client:
        empty = _post(client, tolerance_page, tolerance_page, reason="  ")
        assert empty.status_code == 400 and "必须填写理由" in empty.text
    assert tolerance.override_of(_case(console, case_no)) is None

    _signed_in(page, console, head)
    page.goto(f"{console.url}{tolerance_page}")
    assert "经营场所证明" in page.locator("#tolerated").inner_text()
    assert page.locator("#tolerance-overdue").inner_text() == "容缺补交已逾期"
    page.fill("#reason", "经营场所已由现场核查确认，证明材料不影响审批结论")
    screenshot(page, "console-tolerance.png")
    page.click("#override-form button[type=submit]")
    page.wait_for_selector("#done")
    assert "赵科长" in page.locator("#override").inner_text()
    assert ("tolerance_override", "ok") in console.audit(head)
    assert ("tolerance_override", "refused") in console.audit(approver)

    done = admin.decide(console.hall.engine, case_no, "approve", by=approver)
    assert done.status == "approved"
