"""Staff sign-in to the approvers' console, in a real headless Chromium."""

from __future__ import annotations

import datetime as dt

import httpx
from sqlalchemy import select, update

from sync.server import departments
from sync.server.db import ConsoleSession, StaffLockout, User
from sync.server.demo import DEMO_ORG_NAME
from tests.console.site import screenshot, sign_in


def _session_of(console, username: str) -> ConsoleSession | None:
    with console.sessions() as session:
        user_id = session.execute(select(User.id).where(User.username == username)).scalar_one()
        return session.execute(select(ConsoleSession).where(ConsoleSession.user_id == user_id)).scalar_one_or_none()


def test_an_approver_signs_in_sees_who_they_are_and_signs_out(page, console):
    username = console.staff("approver", "王建国")
    departments.add_department(console.hall.engine, console.hall.org_code, "SCJG", "市场监管科")
    departments.add_department(console.hall.engine, console.hall.org_code, "MZ", "民政科")
    departments.set_staff_departments(console.hall.engine, username, add=["SCJG", "MZ"])

    page.goto(f"{console.url}/console/")
    assert page.url == f"{console.url}/console/login"  # nobody signed in yet
    assert page.locator("h1").inner_text() == "工作人员登录"
    screenshot(page, "console-sign-in.png")

    sign_in(page, console, username, console.hall.password)
    page.wait_for_url(f"{console.url}/console/")
    assert page.locator("h1").inner_text() == "工作台"
    header = page.locator("header").inner_text()
    assert "王建国" in header and "审批人员" in header and DEMO_ORG_NAME in header
    facts = page.locator("dl.facts").inner_text()
    assert username in facts and console.hall.org_code in facts
    assert "民政科、市场监管科" in facts  # their departments, in code order
    screenshot(page, "console-home.png")
    token = next(c["value"] for c in page.context.cookies() if c["name"] == "ow_console_session")

    page.click("text=退出")
    page.wait_for_url(f"{console.url}/console/login?reason=signed_out")
    assert "您已安全退出" in page.locator(".note").inner_text()
    page.goto(f"{console.url}/console/")
    assert page.url == f"{console.url}/console/login"
    assert _session_of(console, username) is None
    # The token the browser held is dead on the server, not only forgotten by the browser.
    with httpx.Client(base_url=console.url, cookies={"ow_console_session": token}) as client:
        answer = client.get("/console/")
    assert answer.status_code == 303
    assert console.audit(username) == [("sign_in", "ok"), ("sign_out", "ok")]


def test_a_wrong_password_gets_a_message_and_keeps_the_name(page, console):
    username = console.staff("supervisor", "赵主管")
    sign_in(page, console, username, "not-the-password")
    assert "用户名或密码错误" in page.locator(".error").inner_text()
    assert "再输错 4 次" in page.locator(".error").inner_text()
    assert page.input_value("#username") == username  # what the person typed stays
    assert page.input_value("#password") == ""
    assert not [c for c in page.context.cookies() if c["name"] == "ow_console_session"]
    assert console.audit(username) == [("sign_in", "bad_password")]


def test_five_wrong_passwords_lock_the_account_even_against_the_right_one(page, console):
    username = console.staff("approver", "钱审批")
    for attempt in range(1, 5):
        sign_in(page, console, username, f"wrong-{attempt}")
        assert f"再输错 {5 - attempt} 次" in page.locator(".error").inner_text()
    sign_in(page, console, username, "wrong-5")
    assert "账号已被锁定 15 分钟" in page.locator(".error").inner_text()

    sign_in(page, console, username, console.hall.password)  # the 6th, right this time
    message = page.locator(".error").inner_text()
    assert "账号已被锁定 15 分钟" in message and "15 分钟后再试" in message
    assert page.url == f"{console.url}/console/login"
    screenshot(page, "console-locked.png")
    assert _session_of(console, username) is None
    with console.sessions() as session:
        lock = session.get(StaffLockout, username)
        assert lock is not None and lock.failures == 5
        assert lock.locked_until - lock.last_failure_at == dt.timedelta(minutes=15)
    assert console.audit(username) == [("sign_in", "bad_password")] * 5 + [
        ("lock_out", "locked"),
        ("sign_in", "locked"),
    ]

    # Fifteen minutes on (the lock moved into the past), the right password works again.
    with console.sessions() as session, session.begin():
        session.execute(
            update(StaffLockout)
            .where(StaffLockout.username == username)
            .values(locked_until=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1))
        )
    sign_in(page, console, username, console.hall.password)
    page.wait_for_url(f"{console.url}/console/")
    with console.sessions() as session:
        assert session.get(StaffLockout, username) is None  # a success resets the count


def test_a_clerk_cannot_sign_in_to_the_console(page, console):
    clerk = console.hall.clerk
    sign_in(page, console, clerk, console.hall.password)
    message = page.locator(".error").inner_text()
    assert "没有登录审批控制台的权限" in message and "窗口程序" in message
    assert page.url == f"{console.url}/console/login"
    assert not [c for c in page.context.cookies() if c["name"] == "ow_console_session"]
    assert _session_of(console, clerk) is None
    assert console.audit(clerk) == [("sign_in", "role_refused")]


def test_an_idle_session_goes_back_to_sign_in_with_a_message(page, console):
    username = console.staff("department_head", "孙科长")
    sign_in(page, console, username, console.hall.password)
    page.wait_for_url(f"{console.url}/console/")
    assert "科室负责人" in page.locator("header").inner_text()

    # 31 minutes without a request (the server's clock is the judge: the row is moved back).
    with console.sessions() as session, session.begin():
        row = _session_of(console, username)
        session.execute(
            update(ConsoleSession)
            .where(ConsoleSession.id == row.id)
            .values(last_seen_at=row.last_seen_at - dt.timedelta(minutes=31))
        )
    page.reload()
    assert page.url == f"{console.url}/console/login?reason=expired"
    assert "登录已失效" in page.locator(".note").inner_text()
    assert _session_of(console, username) is None
    assert not [c for c in page.context.cookies() if c["name"] == "ow_console_session"]

    # Signed in again, in use all along, but past the absolute limit of 12 hours.
    sign_in(page, console, username, console.hall.password)
    page.wait_for_url(f"{console.url}/console/")
    with console.sessions() as session, session.begin():
        row = _session_of(console, username)
        session.execute(
            update(ConsoleSession)
            .where(ConsoleSession.id == row.id)
            .values(created_at=row.created_at - dt.timedelta(hours=12), expires_at=dt.datetime.now(dt.UTC))
        )
    page.goto(f"{console.url}/console/")
    assert page.url == f"{console.url}/console/login?reason=expired"


def test_the_session_cookie_is_http_only_strict_and_only_its_hash_is_stored(page, console):
    username = console.staff("admin", "周管理")
    sign_in(page, console, username, console.hall.password)
    page.wait_for_url(f"{console.url}/console/")
    cookie = next(c for c in page.context.cookies() if c["name"] == "ow_console_session")
    assert cookie["httpOnly"] is True
    assert cookie["sameSite"] == "Strict"
    assert cookie["secure"] is False  # plain HTTP here; over TLS see test_signin_http
    assert cookie["path"] == "/console"
    assert len(cookie["value"]) >= 43  # 32 random bytes
    assert page.evaluate("document.cookie") == ""  # no script can read it
    row = _session_of(console, username)
    assert row.token_hash != cookie["value"] and len(row.token_hash) == 64
    assert row.expires_at - row.created_at == dt.timedelta(hours=12)


def test_the_browser_leaves_the_test_thread_free_for_asyncio(page, console):
    """The session's browser runs on a thread of its own, so later tests of the worker may run a loop."""
    import asyncio

    page.goto(f"{console.url}/console/login")
    assert asyncio.run(asyncio.sleep(0, result="free")) == "free"
