"""What the console refuses, posted the way a script or a forged page would: no browser needed."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from sync.server.app import create_app
from sync.server.db import ConsoleSession, StaffLockout
from tests.console.site import CSRF, form_token


def _sessions(console) -> int:
    with console.sessions() as session:
        return session.execute(select(func.count()).select_from(ConsoleSession)).scalar_one()


def _signed_in(console, client, username: str) -> str:
    """Sign in with `client`; the session's form token, read from the page like a browser does."""
    answer = client.post(
        "/console/login",
        data={"csrf_token": form_token(client), "username": username, "password": console.hall.password},
    )
    assert answer.status_code == 303 and answer.headers["location"] == "/console/"
    home = client.get("/console/")
    assert home.status_code == 200
    return CSRF.search(home.text).group(1)


def test_a_sign_in_posted_without_its_csrf_token_is_refused_and_changes_nothing(console):
    username = console.staff("approver", "吴审批")
    before = _sessions(console)
    with console.client() as client:
        form_token(client)  # the sign-in cookie is there; the form field is not
        answer = client.post("/console/login", data={"username": username, "password": console.hall.password})
        assert answer.status_code == 403
        assert "提交未被受理" in answer.text and "数据没有任何改动" in answer.text
        assert "ow_console_session" not in answer.headers.get("set-cookie", "")
        # A token of another browser (not this one's cookie) is no better.
        with console.client() as other:
            foreign = form_token(other)
        answer = client.post("/console/login", data={"csrf_token": foreign, "username": username, "password": "wrong"})
        assert answer.status_code == 403
    assert _sessions(console) == before
    with console.sessions() as session:
        assert session.get(StaffLockout, username) is None  # the wrong password was never even tried
    assert console.audit(username) == [("csrf_refused", "refused"), ("csrf_refused", "refused")]


def test_a_sign_out_posted_without_its_csrf_token_or_from_another_site_is_refused(console):
    username = console.staff("supervisor", "郑主管")
    with console.client() as client:
        token = _signed_in(console, client, username)
        assert client.post("/console/logout", data={}).status_code == 403
        answer = client.post("/console/logout", data={"csrf_token": token}, headers={"Origin": "http://evil.example"})
        assert answer.status_code == 403
        assert "提交未被受理" in answer.text
        assert client.get("/console/").status_code == 200  # still signed in: nothing changed
        answer = client.post("/console/logout", data={"csrf_token": token})
        assert answer.status_code == 303
        assert client.get("/console/").status_code == 303
    assert console.audit(username) == [
        ("sign_in", "ok"),
        ("csrf_refused", "refused"),
        ("csrf_refused", "refused"),
        ("sign_out", "ok"),
    ]


def test_an_unknown_name_is_locked_out_with_the_same_words_as_a_real_one(console):
    real = console.staff("approver", "冯审批")
    invented = f"nobody-{console.hall.tag}"
    answers: dict[str, list[str]] = {real: [], invented: []}
    with console.client() as client:
        for name in (real, invented):
            for attempt in range(6):
                answer = client.post(
                    "/console/login",
                    data={"csrf_token": form_token(client), "username": name, "password": f"wrong{attempt}"},
                )
                answers[name].append((answer.status_code, answer.text.replace(name, "NAME")))
    assert [status for status, _ in answers[real]] == [401, 401, 401, 401, 429, 429]
    assert answers[real] == answers[invented]  # nothing tells whether the account exists
    assert console.audit(invented)[:5] == [("sign_in", "unknown_account")] * 5


def test_a_right_password_resets_the_count_of_wrong_ones(console):
    username = console.staff("approver", "陈审批")
    with console.client() as client:
        for attempt in range(4):
            client.post(
                "/console/login",
                data={"csrf_token": form_token(client), "username": username, "password": f"wrong{attempt}"},
            )
        token = _signed_in(console, client, username)
        client.post("/console/logout", data={"csrf_token": token})
        for attempt in range(4):
            answer = client.post(
                "/console/login",
                data={"csrf_token": form_token(client), "username": username, "password": f"again{attempt}"},
            )
            assert answer.status_code == 401
        _signed_in(console, client, username)  # four more in a row did not lock it


def test_oversized_forms_and_overlong_fields_are_refused_in_chinese(console):
    username = console.staff("approver", "褚审批")
    with console.client() as client:
        token = form_token(client)
        answer = client.post(
            "/console/login", data={"csrf_token": token, "username": username, "password": "x" * 20_000}
        )
        assert answer.status_code == 413 and "提交的内容过多" in answer.text
        answer = client.post("/console/login", data={"csrf_token": token, "username": "u" * 65, "password": "whatever"})
        assert answer.status_code == 400 and "用户名不能超过 64 个字符" in answer.text
        answer = client.post("/console/login", data={"csrf_token": token, "username": username, "password": "p" * 129})
        assert answer.status_code == 400 and "密码不能超过 128 个字符" in answer.text
        answer = client.post("/console/login", data={"csrf_token": token, "username": "a\x00b", "password": "whatever"})
        assert answer.status_code == 400 and "无效字符" in answer.text
        answer = client.post(
            "/console/login",
            content=b'{"username": "x"}',
            headers={"Content-Type": "application/json"},
        )
        assert answer.status_code == 403 and "提交未被受理" in answer.text  # not our form: no token in it
    with console.sessions() as session:
        assert session.get(StaffLockout, username) is None  # none of these was a password try
    assert console.audit(username) == []


def test_over_tls_the_cookies_are_secure_and_a_second_server_process_knows_the_session(console, tmp_path):
    """A second app on the same database (as a second stateless process behind TLS would be)."""
    username = console.staff("approver", "卫审批")
    app = create_app(console.db_url, tmp_path / "blobs")
    with TestClient(app, base_url="https://console.test", follow_redirects=False) as client:
        page = client.get("/console/login")
        assert "Secure" in page.headers["set-cookie"] and "HttpOnly" in page.headers["set-cookie"]
        answer = client.post(
            "/console/login",
            data={
                "csrf_token": CSRF.search(page.text).group(1),
                "username": username,
                "password": console.hall.password,
            },
        )
        assert answer.status_code == 303
        session_cookie = next(c for c in answer.headers.get_list("set-cookie") if c.startswith("ow_console_session="))
        assert "; Secure" in session_cookie and "; HttpOnly" in session_cookie
        assert "SameSite=strict" in session_cookie and "Path=/console" in session_cookie
        token = session_cookie.split(";", 1)[0].split("=", 1)[1]
    with console.client() as plain:  # the shared back office, the other "process"
        plain.cookies.set("ow_console_session", token)
        home = plain.get("/console/")
    assert home.status_code == 200 and "卫审批" in home.text
    assert home.headers["Cache-Control"] == "no-store"
    assert "frame-ancestors 'none'" in home.headers["Content-Security-Policy"]


def test_an_unknown_console_address_gets_a_chinese_page_and_the_api_keeps_its_json(console):
    with console.client() as client:
        answer = client.get("/console/no-such-page")
        assert answer.status_code == 404 and "页面不存在" in answer.text
        assert answer.headers["content-type"].startswith("text/html")
        assert client.get("/console/static/console.css").status_code == 200
        assert client.get("/console/logout").status_code == 404  # sign-out is a POST only
        assert client.get("/api/v1/no-such-route").json()["code"] == "not_found"
