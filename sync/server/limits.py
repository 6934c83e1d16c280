"""Bounds on what a request may make the server hold or wait for, in the app itself.

A pure ASGI middleware, so the embedded server (no nginx in front) is as safe as a city's:

- a body longer than its route's bound is refused with 413: by its declared
  `Content-Length` before any byte is read, or, sent chunked, as soon as the bytes that
  arrived pass the bound;
- an API route that needs a device refuses a request that carries a body but no
  well-formed `Authorization: Bearer <token>` header with 401 before any byte of the body
  is read;
- a body that stops arriving (no byte for `read_timeout` seconds) drops the request: the
  route is told the client went away (a scan upload keeps what arrived, for resuming)
  and the client gets 408 on a closed connection.

Refusals carry the API's `ErrorBody` with a Chinese message and close the connection, so an
unread body is never waited for.
"""

from __future__ import annotations

import asyncio
import json
import re
from dataclasses import dataclass

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sync import protocol

from .blobs import MAX_BLOB_BYTES

MIB = 1024 * 1024
_BLOB_PUT = re.compile(rf"^{re.escape(protocol.API)}/blobs/[^/]+$")
_OPEN_API = frozenset({f"{protocol.API}/health", f"{protocol.API}/enrol"})  # the routes without a device
_SMALL_JSON = frozenset({f"{protocol.API}/enrol", f"{protocol.API}/login"})
_CONSOLE = "/console/"
_UNAUTHORIZED = ("unauthorized", "本设备尚未注册或凭据无效，请重新注册")
_TOO_LARGE = ("body_too_large", "提交的数据超过了后台允许的大小")
_TOO_SLOW = ("body_timeout", "数据传输长时间中断，后台已断开连接，请检查网络后重试")


@dataclass(frozen=True)
class BodyLimits:
    """The bounds a back-office process applies (settings can shorten the timeout for tests)."""

    api_bytes: int = 16 * MIB  # a JSON route: a push of 50 events is well under this
    small_bytes: int = 64 * 1024  # enrolment and login carry a few short strings
    console_bytes: int = 2 * MIB  # the console's own form reader stops at a few KB
    other_bytes: int = 64 * 1024  # no route takes a body here
    blob_bytes: int = MAX_BLOB_BYTES  # the scan PUT: its route checks the declared length too
    read_timeout: float = 30.0  # seconds without a byte of the body before the request is dropped

    def body_bound(self, method: str, path: str) -> int:
        """The longest body a request to `path` may carry."""
        if path.startswith(protocol.API + "/"):
            if method == "PUT" and _BLOB_PUT.match(path):
                return self.blob_bytes
            return self.small_bytes if path in _SMALL_JSON else self.api_bytes
        if path.startswith(_CONSOLE):
            return self.console_bytes
        return self.other_bytes


def needs_device(path: str) -> bool:
    """Whether an API route answers only an enrolled device (every one but health and enrol)."""
    return path.startswith(protocol.API + "/") and path.rstrip("/") not in _OPEN_API


def well_formed_bearer(value: str) -> bool:
    scheme, _, token = value.partition(" ")
    return scheme.lower() == "bearer" and bool(token.strip())


class _Cut(Exception):
    """The body broke a bound; the answer is the middleware's, whatever the route said."""

    def __init__(self, status: int, reason: tuple[str, str]):
        super().__init__(reason[0])
        self.status, self.reason = status, reason


class BodyLimitMiddleware:
    """Bounds every HTTP request's body in size and in silence (see the module's doc)."""

    def __init__(self, app: ASGIApp, limits: BodyLimits | None = None):
        self.app = app
        self.limits = limits or BodyLimits()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path, method = scope["path"], scope["method"]
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        declared = headers.get("content-length", "").strip()
        has_body = declared not in ("", "0") or "chunked" in headers.get("transfer-encoding", "").lower()
        # Without a body there is nothing to protect: the route's own check answers (and an
        # unknown address its 404).
        if has_body and needs_device(path) and not well_formed_bearer(headers.get("authorization", "")):
            await _refuse(send, 401, _UNAUTHORIZED, {"www-authenticate": "Bearer"})
            return
        bound = self.limits.body_bound(method, path)
        if declared.isdigit() and int(declared) > bound:
            await _refuse(send, 413, _TOO_LARGE)
            return
        guard = _Guard(receive, bound, self.limits.read_timeout, has_body)
        await guard.run(self.app, scope, send)


class _Guard:
    """One request: counts its body as it arrives, times each read, and swaps the route's
    answer for the refusal once a bound is broken. A route that answers before the body is
    read whole (a refused upload) closes the connection: the rest is never read."""

    def __init__(self, receive: Receive, bound: int, timeout: float, has_body: bool):
        self._receive, self._bound, self._timeout = receive, bound, timeout
        self._seen = 0
        self._body_done = not has_body
        self.cut: _Cut | None = None
        self._started = False

    async def receive(self) -> Message:
        if self.cut is not None:
            return {"type": "http.disconnect"}
        if self._body_done:  # after the body only a disconnect can come: no clock on it
            return await self._receive()
        try:
            # A deadline on the running task, not `wait_for`'s task per read: a 500 KB scan
            # comes in dozens of reads, and every window sends scans.
            async with asyncio.timeout(self._timeout):
                message = await self._receive()
        except TimeoutError:
            return self._cut_off(408, _TOO_SLOW)
        if message["type"] == "http.request":
            self._seen += len(message.get("body", b""))
            if self._seen > self._bound:
                return self._cut_off(413, _TOO_LARGE)
            self._body_done = not message.get("more_body", False)
        return message

    def _cut_off(self, status: int, reason: tuple[str, str]) -> Message:
        """Tell the route the client went away, so it stops reading and keeps what it can."""
        self.cut = _Cut(status, reason)
        return {"type": "http.disconnect"}

    async def run(self, app: ASGIApp, scope: Scope, send: Send) -> None:
        async def guarded_send(message: Message) -> None:
            if self.cut is not None and not self._started:
                return  # the route's answer to a body it never got whole: the refusal replaces it
            if message["type"] == "http.response.start":
                self._started = True
                if not self._body_done:
                    message = {**message, "headers": [*message.get("headers", []), (b"connection", b"close")]}
            await send(message)

        try:
            await app(scope, self.receive, guarded_send)
        except Exception:
            if self.cut is None or self._started:
                raise  # not ours: the server's error handling answers it
        if self.cut is not None and not self._started:
            await _refuse(send, self.cut.status, self.cut.reason)


async def _refuse(send: Send, status: int, reason: tuple[str, str], extra: dict[str, str] | None = None) -> None:
    """An `ErrorBody` answer that closes the connection (any unread body is never read)."""
    code, message = reason
    body = json.dumps(protocol.ErrorBody(code=code, message=message).model_dump(), ensure_ascii=False).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"connection", b"close"),
        *((k.encode(), v.encode()) for k, v in (extra or {}).items()),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
