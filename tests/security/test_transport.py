"""Issue #19 point 10, in transit: the device token over plain HTTP, and a back office's
certificate swapped on the way.

Real parts: the back office on loopback; a listener on this machine's own non-loopback address
standing for a back office reached over a network in clear; a TLS front (the standard library's
`ssl`, certificates made with `openssl`) forwarding to the back office, as nginx does in the
stack, for pinning.
"""

from __future__ import annotations

import contextlib
import socket
import ssl
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from client.services.enrolment import EnrolmentService
from client.services.errors import ServiceError
from client.store.secrets import SecretStore
from sync.api import BackOfficeApi, ServerError, ServerUnreachable
from sync.server import admin


def _own_network_address() -> str | None:
    """This machine's address on its network (not loopback), if it has one."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("203.0.113.1", 9))  # no packet is sent: only the route is chosen
        except OSError:
            return None
        address = probe.getsockname()[0]
    return None if address.startswith("127.") else address


@dataclass
class Listener:
    """A TCP listener that records whatever reaches it."""

    sock: socket.socket
    received: list[bytes] = field(default_factory=list)

    def serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                conn.settimeout(2)
                with contextlib.suppress(OSError):
                    self.received.append(conn.recv(65536))


@pytest.fixture
def plain_http_elsewhere() -> Iterator[tuple[str, Listener]]:
    address = _own_network_address()
    if address is None:
        pytest.skip("this machine has no network address besides loopback")
    sock = socket.create_server((address, 0))
    listener = Listener(sock)
    threading.Thread(target=listener.serve, daemon=True).start()
    yield f"http://{address}:{sock.getsockname()[1]}", listener
    sock.close()


def test_the_token_is_never_sent_over_plain_http_to_another_host(plain_http_elsewhere):
    url, listener = plain_http_elsewhere
    api = BackOfficeApi(url, "a-device-token")
    with pytest.raises(ServerError) as refused:
        api.pull(0)
    assert refused.value.code == "insecure_transport" and "https://" in refused.value.message
    with pytest.raises(ServerError):
        api.login("clerk01", "123456")
    assert listener.received == []  # not even a connection


def test_enrolment_and_settings_refuse_plain_http_to_another_host(plain_http_elsewhere, fresh_store, live_server):
    url, listener = plain_http_elsewhere
    enrolment = EnrolmentService(fresh_store, SecretStore())
    with pytest.raises(ServiceError, match="必须以 https:// 开头"):
        enrolment.enrol(url, live_server.enrol_code)
    assert listener.received == []
    ident = enrolment.enrol(live_server.url, live_server.enrol_code)  # loopback: allowed, code unburnt
    assert ident.server_url == live_server.url
    with pytest.raises(ServiceError, match="必须以 https:// 开头"):
        enrolment.set_server_url(url)
    assert enrolment.identity().server_url == live_server.url  # type: ignore[union-attr]


def test_the_demo_may_use_plain_http(plain_http_elsewhere):
    url, listener = plain_http_elsewhere
    with pytest.raises(ServerUnreachable):  # sent (the listener answers nothing): not refused
        BackOfficeApi(url, "demo-token", timeout=1, demo=True).health()
    assert listener.received and listener.received[0].startswith(b"GET ")


# Pinning ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Certificate:
    cert: Path
    key: Path
    sha256: str  # as openssl prints it: AB:CD:…


def _certificate(folder: Path, name: str) -> Certificate:
    cert, key = folder / f"{name}.pem", folder / f"{name}.key"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        + ["-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"]
        + ["-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )
    printed = subprocess.run(
        ["openssl", "x509", "-noout", "-fingerprint", "-sha256", "-in", str(cert)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return Certificate(cert, key, printed.strip().split("=", 1)[1])


@dataclass
class TlsFront:
    """TLS on a loopback port, forwarding to the back office (what nginx does in the stack);
    records every byte a client sent after the handshake."""

    listener: socket.socket
    context: ssl.SSLContext
    backend_port: int
    received: list[bytes] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.listener.getsockname()[1]}"

    def serve(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._forward, args=(conn,), daemon=True).start()

    def _forward(self, conn: socket.socket) -> None:
        try:
            tls = self.context.wrap_socket(conn, server_side=True)
        except (ssl.SSLError, OSError):
            conn.close()
            return
        with tls, socket.create_connection(("127.0.0.1", self.backend_port)) as backend:
            threading.Thread(target=self._pump, args=(backend, tls, None), daemon=True).start()
            self._pump(tls, backend, self.received)

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket, record: list[bytes] | None) -> None:
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                if record is not None:
                    record.append(data)
                sink.sendall(data)
        with contextlib.suppress(OSError):
            sink.shutdown(socket.SHUT_WR)


@pytest.fixture
def certificates(tmp_path) -> tuple[Certificate, Certificate]:
    return _certificate(tmp_path, "back-office"), _certificate(tmp_path, "impostor")


@pytest.fixture
def tls_front(live_server, certificates) -> Iterator[TlsFront]:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(certificates[0].cert, certificates[0].key)
    front = TlsFront(socket.create_server(("127.0.0.1", 0)), context, live_server.port)
    threading.Thread(target=front.serve, daemon=True).start()
    yield front
    front.listener.close()


def test_a_pinned_window_talks_only_to_the_pinned_certificate(tls_front, certificates, fresh_store, live_server):
    right, impostor = certificates
    enrolment = EnrolmentService(fresh_store, SecretStore())
    with pytest.raises(ServiceError, match="无法连接后台服务器"):
        enrolment.enrol(tls_front.url, live_server.enrol_code, pin_sha256=impostor.sha256)
    assert tls_front.received == []  # the handshake ended it: no request, no code

    ident = enrolment.enrol(tls_front.url, live_server.enrol_code, pin_sha256=right.sha256)
    assert ident.server_url == tls_front.url  # the code was not burnt by the refused attempt
    assert enrolment.pin() == right.sha256.replace(":", "").lower()
    api = enrolment.api(enrolment.token())
    assert api.pull(0).cursor >= 0  # every later connection is checked against the pin
    assert b"Authorization: Bearer" in b"".join(tls_front.received)


def test_a_wrong_pin_sends_no_token(tls_front, certificates, live_server):
    right, impostor = certificates
    token = (
        BackOfficeApi(live_server.url)
        .enrol(admin.issue_enrol_code(live_server.db_url, live_server.hall.org_code), "pin-test")
        .token
    )
    assert BackOfficeApi(tls_front.url, token, pin_sha256=right.sha256).pull(0).cursor >= 0
    tls_front.received.clear()
    with pytest.raises(ServerUnreachable):
        BackOfficeApi(tls_front.url, token, pin_sha256=impostor.sha256).pull(0)
    assert tls_front.received == []
    with pytest.raises(ServerUnreachable):  # unpinned, a self-signed certificate fails the CA check
        BackOfficeApi(tls_front.url, token).pull(0)
    assert tls_front.received == []


def test_a_malformed_pin_is_refused_in_chinese(fresh_store, live_server):
    with pytest.raises(ServiceError, match="证书指纹格式不正确"):
        EnrolmentService(fresh_store, SecretStore()).enrol(
            "https://127.0.0.1:1", live_server.enrol_code, pin_sha256="not-a-fingerprint"
        )
