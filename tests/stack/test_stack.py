"""The whole local stack (scripts/stack.py, `make stack`): real PostgreSQL, SeaweedFS, two app
processes and nginx, reached the way a window reaches a city's back office: over HTTPS through
nginx, the certificate checked against the one made at set-up.

One stack per module. Its folder is under /tmp, open to other users, not under tmp_path: as
root, PostgreSQL runs as the `postgres` user, which cannot enter pytest's private folders.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from scripts.stack import StackInfo, StackPorts, down, up
from sync.api import BackOfficeApi
from sync.server.demo import DEMO_ORG_CODE

HEALTH = "/api/v1/health"


# One stack for the module, on one test worker (`make test` runs `--dist loadgroup`): two
# stacks at once would only compete for the two cores and for free ports.
pytestmark = pytest.mark.xdist_group("stack")


@pytest.fixture(scope="module")
def stack() -> Iterator[StackInfo]:
    root = Path(tempfile.mkdtemp(prefix="onewindow-stack-", dir="/tmp"))
    root.chmod(0o755)
    try:
        yield up(apps=2, root=root, ports=StackPorts.free(apps=2))
    finally:
        down(root)
        shutil.rmtree(root, ignore_errors=True)


def https(stack: StackInfo, method: str, path: str, **kw) -> requests.Response:
    """A request through nginx that trusts only the stack's own certificate. `verify` goes with
    each request: requests lets REQUESTS_CA_BUNDLE override a session's `verify`."""
    return requests.request(method, stack.api_base + path, verify=str(stack.cert), timeout=30, **kw)


def _running(pid: int) -> bool:
    """Whether the process still runs: an exited one may linger as a zombie until init reaps it."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _enrolment_code(stack: StackInfo) -> str:
    """A fresh one-time code for the demo org unit, as an administrator issues it."""
    exe = Path(sys.executable).parent / "onewindow-server"
    out = subprocess.run(
        [str(exe), "enrol-code", DEMO_ORG_CODE, "--db", stack.postgres_url], capture_output=True, text=True, check=True
    ).stdout
    found = re.search(r"[A-Z0-9]{8}", out)
    assert found, "enrol-code printed no code"
    return found.group(0)


def test_health_answers_through_nginx_over_verified_https(stack):
    resp = https(stack, "GET", HEALTH)

    assert resp.status_code == 200
    assert resp.json()["ok"] is True


def test_plain_http_redirects_to_https(stack):
    resp = requests.get(stack.http_url + HEALTH, allow_redirects=False, timeout=10)

    assert resp.status_code == 301
    assert resp.headers["Location"] == stack.api_base + HEALTH


def test_requests_are_spread_over_both_app_processes(stack):
    answered_by = {https(stack, "GET", HEALTH).headers["X-Upstream"] for _ in range(10)}

    assert answered_by == {url.removeprefix("http://") for url in stack.app_urls}


def test_an_oversized_json_body_is_refused_by_nginx_with_a_message_for_the_clerk(stack):
    body = b"[" + b" " * (17 * 1024 * 1024) + b"]"  # over the API's 16 MiB

    resp = https(stack, "POST", "/api/v1/events", data=body, headers={"Content-Type": "application/json"})

    assert resp.status_code == 413
    assert "X-Upstream" not in resp.headers  # nginx answered: no app process saw it
    assert resp.json()["code"] == "too_large"


def test_a_scan_larger_than_the_json_limit_streams_through_nginx_into_the_object_store(stack, monkeypatch):
    """The blob route takes up to 520 MiB, streamed: a window's 20 MiB scan goes through nginx
    and an app process into SeaweedFS, checked by its SHA-256."""
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(stack.cert))  # what the window's requests trusts
    api = BackOfficeApi(stack.api_base, timeout=60)
    api.token = api.enrol(_enrolment_code(stack), "一号窗口").token
    scan = random.Random(18).randbytes(20 * 1024 * 1024)
    sha = hashlib.sha256(scan).hexdigest()
    pieces = (scan[i : i + 1024 * 1024] for i in range(0, len(scan), 1024 * 1024))

    status = api.blob_put(sha, 0, pieces, len(scan))

    assert status.complete and status.size == len(scan)
    assert api.blob_held(sha) == len(scan)


def test_the_console_login_page_loads(stack):
    resp = https(stack, "GET", "/console/login")

    assert resp.status_code == 200
    assert "工作人员登录" in resp.text


def test_sign_in_attempts_from_one_address_are_limited_by_nginx(stack):
    """30 a minute with a burst of 10: 20 attempts at once cannot all pass, whatever the speed.
    (After this test the console's sign-in stays limited for about 20 s: it runs after the others.)"""
    statuses = [https(stack, "GET", "/console/login").status_code for _ in range(20)]

    assert statuses[0] == 200
    assert 429 in statuses
    assert set(statuses) == {200, 429}


def test_a_second_up_returns_the_running_stack_and_starts_nothing(stack):
    before = (stack.root / "pids.json").read_text()

    again = up(apps=2, root=stack.root)

    assert again == stack
    assert (stack.root / "pids.json").read_text() == before


def test_when_an_app_process_is_killed_nginx_sends_its_requests_to_the_other(stack):
    """(Runs after the tests that need both processes.)"""
    started = json.loads((stack.root / "pids.json").read_text())
    first_app = next(p for p in started if p["name"].startswith("app-"))
    os.kill(first_app["pid"], signal.SIGKILL)

    statuses = [https(stack, "GET", HEALTH).status_code for _ in range(10)]

    assert statuses == [200] * 10


def test_down_stops_every_process_it_started_and_is_safe_twice(stack):
    started = json.loads((stack.root / "pids.json").read_text())
    alive = [p["name"] for p in started if _running(p["pid"])]  # an app process may have been killed above

    stopped = down(stack.root)

    assert stopped == alive[::-1]
    assert [p["name"] for p in started if _running(p["pid"])] == []
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", stack.ports.https), timeout=2).close()
    assert down(stack.root) == []
