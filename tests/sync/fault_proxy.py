"""A TCP proxy on loopback that breaks connections for real, the way networks do.

Rules are armed by the test and consumed in order, each matching the request line of
a new connection (the client under test sends `Connection: close`, so one connection
carries one request):
  * `drop_response(match, times)`: the request reaches the server whole, the server
    answers (it has committed), and the connection is closed before a byte of the
    answer reaches the client.
  * `reply_503(match, times)`: answer 503 without reaching the server.
  * `cut_upload_after(n, stall=False)`: forward request bytes until `n` have gone up (over
    all connections from now on), then cut both sides mid-transfer; with `stall`, the link
    first hangs there (the returned gate says when) until the test releases it.
  * `hold(match)`: keep the next matching request at the proxy (a slow link) until the
    test releases it; the test learns when it has arrived.
  * `cut_uploads(between, seed)`: a link that keeps breaking: every matching request's bytes
    count toward a budget drawn at random from `between`; when it is spent the connection is
    cut mid-transfer and a new budget is drawn. Stays armed.
  * `drop_answers(match, every)`: the answer of every `every`-th matching request is lost
    after the server has committed. Stays armed.
"""

from __future__ import annotations

import random
import socket
import threading
from dataclasses import dataclass, field

_GONE = b'{"code": "not_found", "message": "not found"}'
_BUSY = b'{"code":"unavailable","message":"\xe5\x90\x8e\xe5\x8f\xb0\xe7\xb9\x81\xe5\xbf\x99"}'


@dataclass
class Gate:
    """A held request: `arrived` is set when it reaches the proxy, `release` lets it on."""

    arrived: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)


@dataclass
class _Rule:
    kind: str
    match: bytes = b""
    times: int = 1
    limit: int = 0
    gate: Gate | None = None
    sent: int = 0  # `cuts`: bytes forwarded against the current budget
    seen: int = 0  # `drop_every`: matching requests so far
    between: tuple[int, int] = (0, 0)
    rng: random.Random | None = None
    budget: _Rule | None = None  # a dropped answer's request still spends the cutting link's budget


@dataclass
class FaultProxy:
    target_port: int
    requests: list[bytes] = field(default_factory=list)  # request lines seen, in order
    bytes_up: int = 0
    cuts: int = 0  # connections cut by `cut_uploads`
    drops: int = 0  # answers lost by `drop_answers`
    _rules: list[_Rule] = field(default_factory=list)
    _cut_sent: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _stop: threading.Event = field(default_factory=threading.Event)

    def start(self) -> FaultProxy:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True, name="fault-proxy").start()
        return self

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        """Stop listening for real: a close alone leaves a blocked accept() holding the port open."""
        self._stop.set()
        try:
            self._listener.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self._listener.close()

    def drop_response(self, match: str, times: int = 1) -> None:
        self._arm(_Rule("drop", match.encode(), times))

    def reply_503(self, match: str, times: int = 1) -> None:
        self._arm(_Rule("503", match.encode(), times))

    def reply_404(self, match: str, times: int = 1) -> None:
        """As a back office from before that route existed would answer."""
        self._arm(_Rule("404", match.encode(), times))

    def cut_upload_after(self, n: int, stall: bool = False) -> Gate | None:
        with self._lock:
            self._cut_sent = 0
        gate = Gate() if stall else None
        self._arm(_Rule("cut", b"", 1, n, gate))
        return gate

    def cut_uploads(self, between: tuple[int, int], seed: int = 0, match: str = "PUT /api/v1/blobs/") -> None:
        rng = random.Random(seed)
        self._arm(_Rule("cuts", match.encode(), limit=rng.randint(*between), between=between, rng=rng))

    def drop_answers(self, match: str, every: int) -> None:
        self._arm(_Rule("drop_every", match.encode(), times=every))

    def hold(self, match: str) -> Gate:
        gate = Gate()
        self._arm(_Rule("hold", match.encode(), 1, gate=gate))
        return gate

    def _arm(self, rule: _Rule) -> None:
        with self._lock:
            self._rules.append(rule)

    def _take(self, line: bytes) -> _Rule | None:
        with self._lock:
            self.requests.append(line)
            # The standing rules first: a request can be both on a cutting link and lose its answer.
            cuts = next((r for r in self._rules if r.kind == "cuts" and r.match in line), None)
            for rule in self._rules:
                if rule.kind == "drop_every" and rule.match in line:
                    rule.seen += 1
                    if rule.seen % rule.times == 0:
                        self.drops += 1
                        return _Rule("drop", rule.match, budget=cuts)
            if cuts is not None:
                return cuts
            for rule in self._rules:
                if rule.kind in ("cuts", "drop_every"):
                    continue
                if rule.kind == "cut" or rule.match in line:
                    if rule.kind != "cut":
                        rule.times -= 1
                        if rule.times <= 0:
                            self._rules.remove(rule)
                    return rule
        return None

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        try:
            first = client.recv(65536)
            if not first:
                return
            rule = self._take(first.split(b"\r\n", 1)[0])
            if rule is not None and rule.kind == "503":
                client.sendall(
                    b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
                    b"Connection: close\r\nContent-Length: %d\r\n\r\n%s" % (len(_BUSY), _BUSY)
                )
                return
            if rule is not None and rule.kind == "404":
                client.sendall(
                    b"HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\n"
                    b"Connection: close\r\nContent-Length: %d\r\n\r\n%s" % (len(_GONE), _GONE)
                )
                return
            if rule is not None and rule.kind == "hold":
                rule.gate.arrived.set()
                rule.gate.release.wait(60)
            upstream = socket.create_connection(("127.0.0.1", self.target_port))
            try:
                if not self._up(first, upstream, rule):
                    return
                pump = threading.Thread(target=self._pump_up, args=(client, upstream, rule), daemon=True)
                pump.start()
                if rule is not None and rule.kind == "drop":
                    upstream.recv(1)  # the server has answered, so it has committed
                    return
                while data := upstream.recv(65536):
                    client.sendall(data)
            finally:
                upstream.close()
        except OSError:
            pass
        finally:
            try:
                client.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            client.close()

    def _up(self, data: bytes, upstream: socket.socket, rule: _Rule | None) -> bool:
        """Forward request bytes; False once a cut rule has fired."""
        if rule is not None and rule.budget is not None:
            rule = rule.budget
        if rule is not None and rule.kind == "cuts":
            with self._lock:
                data = data[: rule.limit - rule.sent]
                rule.sent += len(data)
                self.bytes_up += len(data)
                fired = rule.sent >= rule.limit
                if fired:
                    assert rule.rng is not None
                    rule.sent, rule.limit = 0, rule.rng.randint(*rule.between)
                    self.cuts += 1
            upstream.sendall(data)
            if fired:
                upstream.shutdown(socket.SHUT_RDWR)
                return False
            return True
        if rule is not None and rule.kind == "cut":
            with self._lock:
                room = rule.limit - self._cut_sent
                if room <= 0:
                    return False
                data = data[:room]
                self._cut_sent += len(data)
                fired = self._cut_sent >= rule.limit
                if fired and rule in self._rules:
                    self._rules.remove(rule)
            upstream.sendall(data)
            with self._lock:
                self.bytes_up += len(data)
            if fired:
                if rule.gate is not None:
                    rule.gate.arrived.set()
                    rule.gate.release.wait(60)
                upstream.shutdown(socket.SHUT_RDWR)
                return False
            return True
        upstream.sendall(data)
        with self._lock:
            self.bytes_up += len(data)
        return True

    def _pump_up(self, client: socket.socket, upstream: socket.socket, rule: _Rule | None) -> None:
        try:
            while data := client.recv(65536):
                if not self._up(data, upstream, rule):
                    client.shutdown(socket.SHUT_RDWR)
                    return
        except OSError:
            pass
