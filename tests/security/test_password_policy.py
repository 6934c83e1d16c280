"""Issue #19 point 8: weak passwords for real accounts, and passwords on command lines.

`onewindow-server user-add` runs as a real process: it has no `--password` any more, reads the
password from stdin (`--password-stdin`) or a prompt asked twice, refuses what breaks the
policy with a Chinese message naming the rule, and while it waits for the password its
`/proc/<pid>/cmdline` (what `ps` shows every local user) holds none.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from sync.server import admin
from sync.server.auth import verify_password
from sync.server.db import User, engine_for
from sync.server.password_policy import password_problem

ROOT = Path(__file__).resolve().parents[2]
STRONG = "Weicheng#Hall-2026"


@pytest.fixture
def db(tmp_path) -> str:
    url = f"sqlite:///{(tmp_path / 'server.sqlite').as_posix()}"
    admin.create_org_unit(url, "370702", "潍坊市潍城区政务服务中心", "370702000000")
    return url


def _user_add(db: str, username: str, *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "sync.server", "user-add", "370702", username, "张敏", *extra, "--db", db],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # no controlling terminal: getpass falls back to stdin
    )


def _cmdline_once_started(pid: int) -> bytes:
    """The process's command line as `ps` shows it, once it has become `user-add` (between fork
    and exec it still shows the test's own)."""
    for _ in range(600):
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        if b"user-add" in cmdline:
            return cmdline
        time.sleep(0.05)
    raise AssertionError("user-add did not start")


def _stored_hash(db: str, username: str) -> str | None:
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    with engine_for(db) as engine, Session(engine) as session:
        return session.execute(select(User.password_hash).where(User.username == username)).scalar_one_or_none()


def test_the_password_never_reaches_the_process_list(db):
    process = _user_add(db, "clerk09", "--password-stdin")
    try:
        cmdline = _cmdline_once_started(process.pid)
        listed = subprocess.run(["ps", "-ww", "-o", "args=", "-p", str(process.pid)], capture_output=True, text=True)
        out, err = process.communicate(STRONG + "\n", timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
    assert b"user-add" in cmdline and STRONG.encode() not in cmdline
    assert "user-add" in listed.stdout and STRONG not in listed.stdout
    assert process.returncode == 0, err
    assert "已新增用户：clerk09" in out
    assert verify_password(STRONG, _stored_hash(db, "clerk09") or "")


def test_a_password_on_the_command_line_is_refused(db):
    process = _user_add(db, "clerk09", "--password", STRONG)
    out, err = process.communicate("", timeout=120)
    assert process.returncode == 1 and "密码不能写在命令行上" in err and "--password-stdin" in err
    assert STRONG not in out + err  # refused without echoing it back
    assert _stored_hash(db, "clerk09") is None


def test_the_prompt_asks_twice(db):
    process = _user_add(db, "clerk09")
    out, err = process.communicate(f"{STRONG}\n{STRONG}x\n", timeout=120)
    assert process.returncode == 1 and "两次输入的密码不一致" in err
    assert _stored_hash(db, "clerk09") is None
    process = _user_add(db, "clerk09")
    out, err = process.communicate(f"{STRONG}\n{STRONG}\n", timeout=120)
    assert process.returncode == 0, err
    assert STRONG not in out + err


@pytest.mark.parametrize(
    ("password", "rule"),
    [
        ("123456", "至少需要 10 个字符"),
        ("weichenghall", "至少 3 类"),
        ("Clerk09-is-me", "不能包含用户名"),
        ("Password123!", "过于常见"),
        ("P@ssw0rd123", "过于常见"),
    ],
)
def test_weak_passwords_are_refused_naming_the_rule(db, password, rule):
    process = _user_add(db, "clerk09", "--password-stdin")
    out, err = process.communicate(password + "\n", timeout=120)
    assert process.returncode == 1
    assert rule in err and "规则：至少 10 个字符" in err
    assert password not in out + err
    assert _stored_hash(db, "clerk09") is None


def test_the_policy_accepts_a_strong_password_and_checks_each_rule_alone():
    assert password_problem("clerk09", STRONG) == ""
    assert password_problem("clerk09", "短Aa1!") != ""
    assert password_problem("clerk09", "长长长长长长长长长长") != ""  # one class only
    assert password_problem("clerk09", "政务服务Hall2026") == ""  # non-ASCII counts as a symbol class


# The demo's accounts keep their easy password, marked as demo ---------------------------------


def test_demo_accounts_are_marked_and_serving_them_on_a_network_warns(tmp_path):
    from sync.server.console.accounts import sign_in
    from sync.server.console.settings import ConsoleSettings
    from sync.server.db import make_engine, session_factory
    from sync.server.demo import DEMO_PASSWORD, ensure_demo

    db = f"sqlite:///{(tmp_path / 'server.sqlite').as_posix()}"
    ensure_demo(db)
    process = _user_add(db, "clerk09", "--password-stdin")
    assert process.communicate(STRONG + "\n", timeout=120)[0]

    listed = subprocess.run(
        [sys.executable, "-m", "sync.server", "users", "list", "--org", "370702", "--db", db],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    lines = {line.split()[1]: line for line in listed.splitlines() if line.startswith("370702 ")}
    assert "演示账号" in lines["clerk01"] and "演示账号" in lines["approver01"]
    assert "演示账号" not in lines["clerk09"]

    engine = make_engine(db)
    try:
        signed = sign_in(session_factory(engine), ConsoleSettings(), "approver01", DEMO_PASSWORD, "")
    finally:
        engine.dispose()
    assert signed.staff is not None and "演示账号" in signed.staff.role_label  # on every console page

    assert "演示账号" in _serve_start_up(db, "0.0.0.0")
    assert "演示账号" not in _serve_start_up(db, "127.0.0.1")


def _serve_start_up(db: str, host: str) -> str:
    """What `serve` says on stderr before it serves (it is stopped once it has started)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-m", "sync.server", "serve", "--db", db, "--host", host, "--port", str(port)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # The scans' folder is on an encrypted disk (point 10's requirement for local blobs).
        env={**os.environ, "ONEWINDOW_BLOBS_AT_REST": "luks"},
    )
    try:
        for _ in range(600):
            if server.poll() is not None:
                raise AssertionError(f"serve stopped: {server.stderr.read() if server.stderr else ''}")
            try:
                if httpx.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        else:
            raise AssertionError("serve did not start")
    finally:
        server.terminate()
        _, err = server.communicate(timeout=60)
    return err
