"""`onewindow-server`: a department head is made like any user, and `serve` names the console."""

from __future__ import annotations

import io
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from sync.server import admin, cli
from sync.server.console.accounts import sign_in
from sync.server.console.settings import ConsoleSettings
from sync.server.db import make_engine, session_factory

ROOT = Path(__file__).resolve().parents[2]


def test_user_add_makes_a_department_head_who_may_sign_in(tmp_path, capsys, monkeypatch):
    db = f"sqlite:///{(tmp_path / 'server.sqlite').as_posix()}"
    monkeypatch.setattr("sys.stdin", io.StringIO("S3cret!-Weicheng\n"))
    assert cli.main(["org-add", "370702", "潍坊市潍城区政务服务中心", "--region", "370702000000", "--db", db]) == 0
    code = cli.main(
        ["user-add", "370702", "head01", "孙科长", "--role", "department_head", "--password-stdin", "--db", db]
    )
    assert code == 0
    assert "head01 孙科长（department_head" in capsys.readouterr().out
    assert admin.get_user(db, "head01").role == "department_head"
    engine = make_engine(db)
    try:
        signed = sign_in(session_factory(engine), ConsoleSettings(), "head01", "S3cret!-Weicheng", "")
    finally:
        engine.dispose()
    assert signed.staff is not None and signed.staff.role_label == "科室负责人"


def test_serve_prints_the_console_address_and_serves_it(tmp_path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    db = f"sqlite:///{(tmp_path / 'server.sqlite').as_posix()}"
    server = subprocess.Popen(
        [sys.executable, "-m", "sync.server", "serve", "--db", db, "--port", str(port)],
        cwd=ROOT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        lines = [server.stdout.readline() for _ in range(2)]
        assert lines[1].startswith(f"审批控制台：http://127.0.0.1:{port}/console/")
        deadline = time.monotonic() + 60  # only catches a hang
        while True:
            try:
                answer = httpx.get(f"http://127.0.0.1:{port}/console/", follow_redirects=True)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline and server.poll() is None
                time.sleep(0.1)
        assert answer.status_code == 200 and "工作人员登录" in answer.text
    finally:
        server.terminate()
        server.wait(30)
