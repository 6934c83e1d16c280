"""Scan bodies read around uvicorn's parser (sync/server/direct_body.py), on a real socket.

Raw sockets, so the test decides exactly how bytes arrive: headers and body split at odd
places, the next request glued to the end of the body, a connection cut mid-body, a
body longer than announced. Each time the blob on disk, the answers and the connection
that carries on must be exactly what the ordinary path would give.
"""

from __future__ import annotations

import hashlib
import json
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest

from sync import protocol
from sync.server.demo import ensure_demo
from sync.server.direct_body import PIECE
from sync.server.runner import http_protocol, start_in_thread

pytestmark = pytest.mark.skipif(isinstance(http_protocol(), str), reason="httptools not installed")


@dataclass(frozen=True)
class LiveServer:
    port: int
    token: str
    blob_dir: object


@pytest.fixture
def live_server(tmp_path, db_url) -> Iterator[LiveServer]:
    demo = ensure_demo(db_url)
    server = start_in_thread(db_url, tmp_path / "blobs")
    try:
        with httpx.Client(base_url=server.url + protocol.API, timeout=10) as http:
            token = http.post("/enrol", json={"code": demo.enrol_code, "device_name": "direct"}).json()["token"]
        yield LiveServer(server.port, token, tmp_path / "blobs")
    finally:
        server.stop()


def put_head(live: LiveServer, digest: str, offset: int, total: int, length: int) -> bytes:
    return (
        f"PUT {protocol.API}/blobs/{digest}?offset={offset} HTTP/1.1\r\nHost: t\r\n"
        f"Authorization: Bearer {live.token}\r\nX-Blob-Length: {total}\r\n"
        f"Content-Type: application/octet-stream\r\nContent-Length: {length}\r\n\r\n"
    ).encode()


def get_health() -> bytes:
    return f"GET {protocol.API}/health HTTP/1.1\r\nHost: t\r\n\r\n".encode()


def read_response(sock: socket.socket, buffer: bytearray) -> tuple[int, dict, bytes]:
    """One HTTP/1.1 response with a Content-Length, leaving any bytes after it in `buffer`."""
    while b"\r\n\r\n" not in buffer:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("closed before a response")
        buffer += chunk
    head, _, rest = bytes(buffer).partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    length = int(headers.get("content-length", "0"))
    while len(rest) < length:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("closed inside a response")
        rest += chunk
    buffer[:] = rest[length:]
    return int(lines[0].split()[1]), headers, rest[:length]


def head_size(live: LiveServer, digest: str) -> int:
    with httpx.Client(base_url=f"http://127.0.0.1:{live.port}{protocol.API}", timeout=10) as http:
        return int(
            http.head(f"/blobs/{digest}", headers={"Authorization": f"Bearer {live.token}"}).headers["X-Blob-Size"]
        )


def scan(size: int, seed: int) -> bytes:
    return hashlib.sha256(str(seed).encode()).digest() * (size // 32) + b"\x07" * (size % 32)


def test_body_split_anywhere_then_next_request_on_the_same_connection(live_server):
    data = scan(3 * PIECE + 12345, seed=1)
    digest = hashlib.sha256(data).hexdigest()
    request = put_head(live_server, digest, 0, len(data), len(data)) + data
    # Headers with the first 1,000 body bytes, then odd-sized pieces, and the end of the
    # body glued to the next request, so the parser must start afresh right after it.
    cuts = [len(request) - len(data) + 1000, len(request) - len(data) + 700_001, len(request) - 5]
    with socket.create_connection(("127.0.0.1", live_server.port)) as sock:
        start = 0
        for cut in cuts:
            sock.sendall(request[start:cut])
            start = cut
            time.sleep(0.05)
        sock.sendall(request[start:] + get_health())
        buffer = bytearray()
        status, _, body = read_response(sock, buffer)
        assert status == 200, body
        answer = protocol.BlobStatus.model_validate_json(body)
        assert answer.complete and answer.size == len(data)
        status, _, body = read_response(sock, buffer)
        assert status == 200 and json.loads(body)["ok"] is True
    stored = live_server.blob_dir / digest[:2] / digest
    assert stored.read_bytes() == data


def test_a_cut_mid_body_keeps_what_arrived_and_the_next_put_resumes(live_server):
    data = scan(4 * PIECE + 999, seed=2)
    digest = hashlib.sha256(data).hexdigest()
    sent = 2 * PIECE + 4321
    with socket.create_connection(("127.0.0.1", live_server.port)) as sock:
        sock.sendall(put_head(live_server, digest, 0, len(data), len(data)) + data[:sent])
        time.sleep(0.3)
    deadline = time.monotonic() + 10
    while (held := head_size(live_server, digest)) == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert held == sent  # everything that arrived, nothing invented
    with socket.create_connection(("127.0.0.1", live_server.port)) as sock:
        sock.sendall(put_head(live_server, digest, held, len(data), len(data) - held) + data[held:])
        status, _, body = read_response(sock, bytearray())
    assert status == 200 and protocol.BlobStatus.model_validate_json(body).complete
    assert (live_server.blob_dir / digest[:2] / digest).read_bytes() == data


def test_a_body_longer_than_the_blob_is_refused_and_the_connection_closed(live_server):
    data = scan(PIECE + 10, seed=3)
    digest = hashlib.sha256(data).hexdigest()
    body = data + b"x" * (2 * PIECE)  # claims the blob is len(data) but sends more
    with socket.create_connection(("127.0.0.1", live_server.port)) as sock:
        sock.sendall(put_head(live_server, digest, 0, len(data), len(body)) + body)
        buffer = bytearray()
        status, _, answer = read_response(sock, buffer)
        assert status == 422 and json.loads(answer)["code"] == "blob_too_long"
        sock.settimeout(10)
        tail = sock.recv(65536)
        assert tail == b"" and not buffer  # closed: the extra bytes never parsed as a request
    assert head_size(live_server, digest) <= len(data)


def test_a_damaged_body_is_discarded_and_the_connection_carries_on(live_server):
    data = scan(2 * PIECE + 77, seed=4)
    digest = hashlib.sha256(data).hexdigest()
    damaged = data[:-1] + b"\x00"
    with socket.create_connection(("127.0.0.1", live_server.port)) as sock:
        sock.sendall(put_head(live_server, digest, 0, len(data), len(data)) + damaged + get_health())
        buffer = bytearray()
        status, _, answer = read_response(sock, buffer)
        assert status == 422 and json.loads(answer)["code"] == "hash_mismatch"
        status, _, answer = read_response(sock, buffer)
        assert status == 200 and json.loads(answer)["ok"] is True
    assert head_size(live_server, digest) == 0
