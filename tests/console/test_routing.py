"""分办 in the console: an administrator finds the unrouted cases of the hall, re-routes a case to
another department with a reason (real headless Chromium against the live back office, cases
taken at a window and synced), and the inboxes follow; hand-made posts that must be refused
change nothing and are audited."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from client.domain.case_numbers import format_case_no
from client.domain.catalog import load_sample_catalog
from client.store.outbox import StoreOutbox
from sync.api import BackOfficeApi
from sync.engine import SyncEngine
from sync.server import admin, departments
from sync.server.db import Case, CaseRoute
from tests.console.site import CSRF, Console, form_token, screenshot, sign_in
from tests.support.back_office import open_hall
from tests.sync.window_cases import MATTER_CODE, enrol_store, queue_case

OLD_CODE = load_sample_catalog().get(MATTER_CODE).department_code  # 市场准入科
NEW_CODE, NEW_NAME = "SCJGK", "市场监管科"
REASON = "市场准入科已并入市场监管科，个体工商户登记改由市场监管科承办"


@dataclass(frozen=True)
class Hall:
    """The console's hall with a window, an old and a new department and their approvers."""

    console: Console
    window: SyncEngine
    store: object
    device_code: str
    old_approver: str
    new_approver: str
    admin: str

    def take(self) -> str:
        """A case accepted at the window and synced to the back office; its number."""
        _, case_no = queue_case(self.store, self.device_code)
        assert self.window.sync_once().ok
        return case_no

    @property
    def org(self) -> str:
        return self.console.hall.org_code


@pytest.fixture
def hall(console, live_server, fresh_store) -> Hall:
    token, device_code = enrol_store(fresh_store, live_server.url, live_server.enrol_code)
    window = SyncEngine(BackOfficeApi(live_server.url, token, timeout=30), StoreOutbox(fresh_store))
    engine = console.hall.engine
    departments.add_department(engine, console.hall.org_code, NEW_CODE, NEW_NAME)
    old_approver = console.staff("approver", "钱准入")
    departments.set_staff_departments(engine, old_approver, add=[OLD_CODE])
    new_approver = console.staff("approver", "孙监管")
    departments.set_staff_departments(engine, new_approver, add=[NEW_CODE])
    return Hall(console, window, fresh_store, device_code, old_approver, new_approver, console.staff("admin", "刘管理"))


def _department(console: Console, case_no: str) -> departments.DepartmentRow | None:
    return departments.case_department(console.hall.engine, case_no)


def _routes(console: Console, *case_nos: str) -> int:
    with Session(console.hall.engine) as session:
        return session.execute(
            select(func.count()).select_from(CaseRoute).join(Case).where(Case.case_no.in_(case_nos))
        ).scalar_one()


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


def _post(client: httpx.Client, case_no: str, form_page: str, **fields: str) -> httpx.Response:
    """Post the re-route form with the token of the page it sits on."""
    found = CSRF.search(client.get(form_page).text)
    assert found is not None
    return client.post(f"/console/cases/{case_no}/reroute", data={"csrf_token": found.group(1), **fields})


def _inbox(console: Console, username: str) -> str:
    with _client(console, username) as client:
        answer = client.get("/console/inbox")
        assert answer.status_code == 200
        return answer.text


def test_admin_reroutes_with_a_reason_and_the_inboxes_follow(page, hall):
    console = hall.console
    routed_no = hall.take()  # arrives while 市场准入科 is active: routed to it
    assert _department(console, routed_no).code == OLD_CODE
    departments.set_department_active(console.hall.engine, hall.org, OLD_CODE, active=False)  # merged away
    unrouted_no = hall.take()  # its department is gone: it waits for an administrator
    assert _department(console, unrouted_no) is None

    sign_in(page, console, hall.admin, console.hall.password)
    page.wait_for_url(f"{console.url}/console/")
    page.click("nav.nav a[href$='/routing']")  # the 分办 link only admins have
    page.wait_for_selector("#unrouted")
    listed = page.locator("#unrouted").inner_text()
    assert format_case_no(unrouted_no) in listed and format_case_no(routed_no) not in listed
    assert "市场准入科（SCZRK）" in listed
    screenshot(page, "console-routing.png")

    # The routed case, found by its number: from 市场准入科 to 市场监管科.
    page.fill("#q", format_case_no(routed_no))
    page.click("#routing-search button[type=submit]")
    page.wait_for_selector("#reroute-form")
    assert "市场准入科" in page.locator("#current").inner_text()
    page.select_option("#target", f"{hall.org}/{NEW_CODE}")
    page.fill("#reason", REASON)
    screenshot(page, "console-reroute.png")
    page.click("#reroute-form button[type=submit]")
    page.wait_for_selector("#done")
    assert NEW_NAME in page.locator("#current").inner_text()
    screenshot(page, "console-reroute-done.png")
    history = page.locator("#history tbody tr").first.inner_text()
    for shown in ("刘管理", "市场准入科", NEW_NAME, REASON):
        assert shown in history

    # The unrouted one, from the list.
    page.goto(f"{console.url}/console/routing")
    page.click(f"#unrouted a[href$='/cases/{unrouted_no}/reroute'] >> nth=0")
    page.wait_for_selector("#reroute-form")
    assert "尚未分派" in page.locator("#current").inner_text()
    page.select_option("#target", f"{hall.org}/{NEW_CODE}")
    page.fill("#reason", "市场准入科已停用，按并入后的科室分派")
    page.click("#reroute-form button[type=submit]")
    page.wait_for_selector("#done")
    assert "（未分派）" in page.locator("#history").inner_text()
    page.goto(f"{console.url}/console/routing")
    assert format_case_no(unrouted_no) not in page.locator("main").inner_text()

    for case_no in (routed_no, unrouted_no):
        assert _department(console, case_no).code == NEW_CODE
    rows = departments.route_history(console.hall.engine, routed_no)
    assert [(r.previous, r.department, r.reason, r.routed_by) for r in rows][-1] == (
        "市场准入科",
        NEW_NAME,
        REASON,
        hall.admin,
    )
    new_inbox, old_inbox = _inbox(console, hall.new_approver), _inbox(console, hall.old_approver)
    for case_no in (routed_no, unrouted_no):
        assert f"/console/cases/{case_no}" in new_inbox
        assert f"/console/cases/{case_no}" not in old_inbox
    assert console.audit(hall.admin).count(("case_reroute", "ok")) == 2
    # The case page's timeline tells the new department's approver who moved it there, and why.
    with _client(console, hall.new_approver) as client:
        shown = client.get(f"/console/cases/{routed_no}")
        assert shown.status_code == 200
        for text in (f"分派承办科室：{NEW_NAME}", REASON, "刘管理"):
            assert text in shown.text
    with _client(console, hall.old_approver) as client:
        assert client.get(f"/console/cases/{routed_no}").status_code == 403


def test_refused_reroutes_change_nothing_and_are_audited(hall):
    console = hall.console
    case_no = hall.take()
    decided_no = hall.take()
    admin.decide(console.hall.engine, decided_no, "approve", by=hall.old_approver, result_name="营业执照")
    form_page = f"/console/cases/{case_no}/reroute"
    target = f"{hall.org}/{NEW_CODE}"
    departments.add_department(console.hall.engine, hall.org, "TYK", "停用科")
    departments.set_department_active(console.hall.engine, hall.org, "TYK", active=False)
    routes_before = _routes(console, case_no, decided_no)

    with _client(console, hall.admin) as client:
        no_token = client.post(form_page, data={"target": target, "reason": REASON})
        assert no_token.status_code == 403 and "提交未被受理" in no_token.text
        no_reason = _post(client, case_no, form_page, target=target, reason="  ")
        assert no_reason.status_code == 400 and "必须填写理由" in no_reason.text
        too_long = _post(client, case_no, form_page, target=target, reason="长" * 301)
        assert too_long.status_code == 400 and "不能超过300个字" in too_long.text
        inactive = _post(client, case_no, form_page, target=f"{hall.org}/TYK", reason=REASON)
        assert inactive.status_code == 400 and "所选科室已停用" in inactive.text
        assert REASON in inactive.text  # what was typed is shown again
        decided = _post(client, decided_no, f"/console/cases/{decided_no}/reroute", target=target, reason=REASON)
        assert decided.status_code == 409 and "不能再改派" in decided.text
        missing = client.get("/console/routing", params={"q": "370702000000-20991231-TXXX-0001"})
        assert missing.status_code == 404 and "没有找到编号为" in missing.text

    elsewhere = open_hall(console.hall.engine)  # another county: its administrator sees nothing of ours
    other_admin = f"admin-{elsewhere.tag}"
    admin.add_user(elsewhere.engine, elsewhere.org_code, other_admin, "外县管理", "admin", elsewhere.password)
    with _client(console, other_admin) as client:
        hidden = client.get(form_page)
        assert hidden.status_code == 404 and "不属于您所在的机构" in hidden.text
        found = client.get("/console/routing", params={"q": case_no})
        assert found.status_code == 404
        token = CSRF.search(client.get("/console/routing").text)
        assert token is not None
        posted = client.post(form_page, data={"csrf_token": token.group(1), "target": target, "reason": REASON})
        assert posted.status_code == 404

    with _client(console, hall.old_approver) as client:
        assert client.get("/console/routing").status_code == 403
        token = CSRF.search(client.get("/console/").text)
        assert token is not None
        posted = client.post(form_page, data={"csrf_token": token.group(1), "target": target, "reason": REASON})
        assert posted.status_code == 403 and "只能由系统管理员办理" in posted.text

    assert _department(console, case_no).code == OLD_CODE
    assert _routes(console, case_no, decided_no) == routes_before
    refused = console.audit(hall.admin)
    assert ("csrf_refused", "refused") in refused
    assert refused.count(("case_reroute", "refused")) == 4  # no reason, too long, inactive, decided
    assert ("routing_view", "refused") in refused
    assert console.audit(other_admin).count(("case_reroute", "refused")) == 2
    assert ("routing_view", "refused") in console.audit(other_admin)
    assert ("case_reroute", "refused") in console.audit(hall.old_approver)
    assert ("routing_view", "refused") in console.audit(hall.old_approver)
    assert ("case_reroute", "ok") not in refused + console.audit(other_admin) + console.audit(hall.old_approver)
