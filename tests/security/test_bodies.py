"""Issue #19 point 1: bodies that would fill the server's memory or hold its sockets.

The attacks run against a real back office on loopback (a thread of the test process, and
once the real `onewindow-server serve` command), over raw sockets so nothing on the client
side shortens or buffers them. Each test passes only when the attack fails: the request is
refused before its body is read (or cut at the route's bound) and the server's resident
memory stays within a bound far below what the attack sends.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from sync import protocol
from sync.server.demo import ensure_demo
from sync.server.limits import BodyLimits
from sync.server.runner import RunningServer, start_in_thread
from tests.support.back_office import sqlite_url

API = protocol.API
GIB = 1024**3
MIB = 1024**2
RSS_BOUND = 64 * MIB  # what the server may grow by while refusing a gigabyte
READ_TIMEOUT = 1.0  # the body timeout the servers here are started with (30 s in production)
WAIT = 30.0  # how long a test waits for an answer before calling the server stuck


@dataclass(frozen=True)
class BackOffice:
    server: RunningServer
    enrol_code: str

    @property
    def port(self) -> int:
        return self.server.port


@pytest.fixture
def back_office(tmp_path: Path) -> Iterator[BackOffice]:
    """A back office on a thread of this process, with a one-second body timeout."""
    db_url = sqlite_url(tmp_path)
    demo = ensure_demo(db_url)
    server = start_in_thread(db_url, tmp_path / "blobs", limits=BodyLimits(read_timeout=READ_TIMEOUT))
    try:
        yield BackOffice(server, demo.enrol_code)
    finally:
        server.stop()


def enrolled_token(url: str, code: str) -> str:
    response = requests.post(f"{url}{API}/enrol", json={"code": code, "device_name": "安全测试"}, timeout=WAIT)
    assert response.status_code == 200, response.text
    return response.json()["token"]


def rss(pid: str = "self") -> int:
    """Resident memory of a process, in bytes (Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


@dataclass(frozen=True)
class RawAnswer:
    status: int
    headers: dict[str, str]
    body: dict
    sent: int  # body bytes the server took before it answered or closed


def head(method: str, path: str, headers: dict[str, str]) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", *(f"{k}: {v}" for k, v in headers.items())]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def read_answer(conn: socket.socket, sent: int) -> RawAnswer:
    """The server's answer, read until it closes the connection (a refusal closes it)."""
    conn.settimeout(WAIT)
    data = b""
    while True:
        try:
            piece = conn.recv(65536)
        except ConnectionResetError:
            break
        if not piece:
            break
        data += piece
    assert data, "the server closed the connection without an answer"
    head_part, _, body = data.partition(b"\r\n\r\n")
    status_line, *header_lines = head_part.decode("latin-1").split("\r\n")
    headers = dict((k.strip().lower(), v.strip()) for k, _, v in (h.partition(":") for h in header_lines))
    return RawAnswer(int(status_line.split()[1]), headers, json.loads(body) if body.startswith(b"{") else {}, sent)


def send_declared(port: int, path: str, length: int, headers: dict[str, str] | None = None) -> RawAnswer:
    """Declare `length` bytes, send a first piece, then keep sending until the server answers."""
    with socket.create_connection(("127.0.0.1", port), timeout=WAIT) as conn:
        wire = {"Content-Type": "application/json", "Content-Length": str(length), **(headers or {})}
        conn.sendall(head("POST", path, wire) + b'{"events": [')
        return read_answer(conn, _push_until_answered(conn, length, 128 * MIB))


def send_chunked(port: int, method: str, path: str, headers: dict[str, str], limit: int = 128 * MIB) -> RawAnswer:
    """A chunked body that never ends (up to `limit`, far past every bound of the server)."""
    with socket.create_connection(("127.0.0.1", port), timeout=WAIT) as conn:
        wire = {"Content-Type": "application/json", "Transfer-Encoding": "chunked", **headers}
        conn.sendall(head(method, path, wire))
        return read_answer(conn, _push_until_answered(conn, limit, limit, chunked=True))


def _push_until_answered(conn: socket.socket, length: int, cap: int, chunked: bool = False) -> int:
    """Send filler until the server stops taking it (answered and closed) or `cap` is sent."""
    piece = b" " * (256 * 1024)
    framed = b"%x\r\n" % len(piece) + piece + b"\r\n" if chunked else piece
    sent = 0
    conn.settimeout(2.0)  # a server that stopped reading: the answer is waiting
    try:
        while sent < min(length, cap):
            conn.sendall(framed)
            sent += len(piece)
    except (TimeoutError, BrokenPipeError, ConnectionResetError):
        pass
    return sent


def test_a_gigabyte_declared_without_a_token_is_refused_before_reading(back_office: BackOffice):
    before = rss()
    for path in (f"{API}/events", f"{API}/enrol", f"{API}/blobs/status", "/console/login"):
        answer = send_declared(back_office.port, path, GIB)
        assert answer.status in (401, 413), (path, answer)
        assert answer.body["code"] in ("unauthorized", "body_too_large")
        assert answer.headers.get("connection") == "close"
        assert answer.sent < RSS_BOUND, f"{path}: the server took {answer.sent} bytes of a refused body"
    assert rss() - before < RSS_BOUND


def test_a_gigabyte_declared_with_a_token_is_refused_before_reading(back_office: BackOffice):
    token = enrolled_token(back_office.server.url, back_office.enrol_code)
    before = rss()
    answer = send_declared(back_office.port, f"{API}/events", GIB, {"Authorization": f"Bearer {token}"})
    assert answer.status == 413
    assert answer.body == {"code": "body_too_large", "message": answer.body["message"]}
    assert answer.sent < RSS_BOUND
    assert rss() - before < RSS_BOUND


def test_the_small_routes_have_small_bounds(back_office: BackOffice):
    """Enrolment carries a code and a name: a megabyte is refused unread."""
    answer = send_declared(back_office.port, f"{API}/enrol", MIB)
    assert answer.status == 413
    assert answer.body["code"] == "body_too_large"


def test_an_endless_chunked_body_without_a_token_is_refused_before_reading(back_office: BackOffice):
    before = rss()
    answer = send_chunked(back_office.port, "POST", f"{API}/events", {})
    assert answer.status == 401
    assert answer.body["code"] == "unauthorized"
    assert answer.headers.get("www-authenticate") == "Bearer"
    assert answer.sent < RSS_BOUND
    assert rss() - before < RSS_BOUND


def test_an_endless_chunked_body_is_cut_at_the_routes_bound(back_office: BackOffice):
    token = enrolled_token(back_office.server.url, back_office.enrol_code)
    before = rss()
    answer = send_chunked(back_office.port, "POST", f"{API}/events", {"Authorization": f"Bearer {token}"})
    assert answer.status == 413
    assert answer.body["code"] == "body_too_large"
    assert answer.sent < 128 * MIB, "the server kept reading an endless body"
    assert rss() - before < RSS_BOUND
    # The server is fine afterwards: a real push goes through.
    ok = requests.post(
        f"{back_office.server.url}{API}/events",
        json={"events": []},
        headers={"Authorization": f"Bearer {token}"},
        timeout=WAIT,
    )
    assert ok.status_code == 200, ok.text


def test_a_huge_request_head_is_refused(back_office: BackOffice):
    """A header line that never ends: the server (no nginx in front) refuses it at its head
    bound instead of holding it whole."""
    before = rss()
    with socket.create_connection(("127.0.0.1", back_office.port), timeout=WAIT) as conn:
        conn.sendall(b"GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Filler: ")
        answer = read_answer(conn, _push_until_answered(conn, 64 * MIB, 64 * MIB))
    assert answer.status in (400, 431)
    assert answer.sent < 64 * MIB, "the server kept taking the request head"
    assert rss() - before < RSS_BOUND


def test_a_trickled_body_is_dropped(back_office: BackOffice):
    """A body that stops arriving: the request is dropped with 408 and the socket closed,
    instead of the connection and a worker waiting for ever."""
    token = enrolled_token(back_office.server.url, back_office.enrol_code)
    with socket.create_connection(("127.0.0.1", back_office.port), timeout=WAIT) as conn:
        wire = {"Authorization": f"Bearer {token}", "Content-Type": "application/json", "Content-Length": "1000"}
        conn.sendall(head("POST", f"{API}/events", wire) + b'{"events": [')
        answer = read_answer(conn, 0)  # nothing more is sent: only the server's timeout ends this
    assert answer.status == 408
    assert answer.body["code"] == "body_timeout"
    assert answer.headers.get("connection") == "close"


def test_a_stalled_scan_upload_is_dropped_and_resumes(back_office: BackOffice):
    """The scan PUT keeps its own bound (declared length) and the same timeout: what
    arrived before the stall is kept and the upload resumes from it."""
    import hashlib

    token = enrolled_token(back_office.server.url, back_office.enrol_code)
    auth = {"Authorization": f"Bearer {token}"}
    data = bytes(range(256)) * 4096  # 1 MiB
    digest = hashlib.sha256(data).hexdigest()
    first = data[: 300 * 1024]
    with socket.create_connection(("127.0.0.1", back_office.port), timeout=WAIT) as conn:
        wire = {
            **auth,
            "Content-Type": "application/octet-stream",
            "Content-Length": str(len(data)),
            "X-Blob-Length": str(len(data)),
        }
        conn.sendall(head("PUT", f"{API}/blobs/{digest}?offset=0", wire) + first)
        answer = read_answer(conn, len(first))
    assert answer.status == 408
    status = requests.post(f"{back_office.server.url}{API}/blobs/status", json={"sha256": [digest]}, headers=auth)
    [held] = status.json()["blobs"]
    assert 0 < held["size"] <= len(first) and not held["complete"]
    rest = requests.put(
        f"{back_office.server.url}{API}/blobs/{digest}",
        params={"offset": held["size"]},
        data=data[held["size"] :],
        headers={**auth, "X-Blob-Length": str(len(data))},
        timeout=WAIT,
    )
    assert rest.status_code == 200, rest.text
    assert rest.json()["complete"] is True


def test_a_scan_longer_than_declared_is_refused(back_office: BackOffice):
    token = enrolled_token(back_office.server.url, back_office.enrol_code)
    answer = send_chunked(
        back_office.port,
        "PUT",
        f"{API}/blobs/{'a' * 64}?offset=0",
        {"Authorization": f"Bearer {token}", "X-Blob-Length": str(MIB)},
        limit=64 * MIB,
    )
    assert answer.status in (413, 422)  # past its declared length: the upload's own refusal
    assert answer.sent < 64 * MIB


@pytest.fixture
def serve_process(tmp_path: Path) -> Iterator[tuple[subprocess.Popen, int, str]]:
    """The real `onewindow-server serve` command (SQLite), with a one-second body timeout."""
    db_url = sqlite_url(tmp_path)
    demo = ensure_demo(db_url)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    log = (tmp_path / "serve.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "sync.server", "serve", "--db", db_url, "--port", str(port)]
        + ["--blobs", str(tmp_path / "blobs"), "--body-timeout", str(READ_TIMEOUT), "--no-access-log"],
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        cwd=Path(__file__).resolve().parents[2],
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, (tmp_path / "serve.log").read_text()
            try:
                if requests.get(f"http://127.0.0.1:{port}{API}/health", timeout=1).ok:
                    break
            except requests.RequestException:
                pass
            assert time.monotonic() < deadline, "onewindow-server serve did not start"
            time.sleep(0.1)
        yield process, port, demo.enrol_code
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)
        log.close()


def test_the_serve_command_holds_its_memory_under_the_attacks(serve_process):
    process, port, code = serve_process
    token = enrolled_token(f"http://127.0.0.1:{port}", code)
    before = rss(str(process.pid))
    assert send_declared(port, f"{API}/events", GIB).status == 401
    assert send_declared(port, f"{API}/events", GIB, {"Authorization": f"Bearer {token}"}).status == 413
    assert send_chunked(port, "POST", f"{API}/events", {}).status == 401
    assert send_chunked(port, "POST", f"{API}/events", {"Authorization": f"Bearer {token}"}).status == 413
    with socket.create_connection(("127.0.0.1", port), timeout=WAIT) as conn:
        wire = {"Authorization": f"Bearer {token}", "Content-Type": "application/json", "Content-Length": "100"}
        conn.sendall(head("POST", f"{API}/events", wire) + b"{")
        assert read_answer(conn, 0).status == 408
    assert rss(str(process.pid)) - before < RSS_BOUND
    assert process.poll() is None
