"""Large request bodies read straight into reusable buffers, around uvicorn's body handling.

uvicorn's httptools protocol copies every 256 KB read three more times on its way to the
app (parser callback, bytearray, bytes) and stops and restarts the socket for each one. For
a 64 MB scan that costs the event loop more CPU than hashing the scan, and on a two-core
machine it halves the upload speed. So a route that streams a big body may take that body
over (`body.DIRECT_BODY`): the transport is handed (asyncio's `set_protocol`) to a
BufferedProtocol that receives into a small pool of 1 MB buffers, and handed back with a
fresh parser once Content-Length bytes are in. Routing, auth, the response and keep-alive
stay uvicorn's.
"""

from __future__ import annotations

import asyncio
import collections
from collections.abc import AsyncIterator, Callable

import httptools
from starlette.requests import ClientDisconnect
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol, RequestResponseCycle

from .body import DIRECT_BODY, BodyPiece

PIECE = 1 << 20  # one receive buffer; hashing and writing take it whole
POOL = 8  # buffers in flight per upload: reading pauses when all are taken


class DirectBodyProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol, offering requests with a Content-Length a DirectBody."""

    _body_seen = 0

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._body_seen = 0

    def on_headers_complete(self) -> None:
        super().on_headers_complete()
        cycle = self.cycle
        if cycle is None or cycle.scope is not self.scope:  # an upgrade: no cycle for it
            return
        length = _content_length(self.headers)
        if length:
            # uvicorn's scope types an extension as a dict (the ASGI spec's shape); this one is
            # the DirectBody object itself, for the app to call.
            self.scope.setdefault("extensions", {})[DIRECT_BODY] = DirectBody(self, cycle, length)  # type: ignore[assignment]

    def on_body(self, body: bytes) -> None:
        self._body_seen += len(body)
        super().on_body(body)

    def _resume_parsing(self) -> None:
        """The body went around the parser, so the next request starts on a fresh one."""
        self.parser = httptools.HttpRequestParser(self)
        try:
            self.parser.set_dangerous_leniencies(lenient_data_after_close=True)
        except AttributeError:  # older httptools, as in uvicorn
            pass
        self.transport.set_protocol(self)


def _content_length(headers: list[tuple[bytes, bytes]]) -> int | None:
    lengths = [value for name, value in headers if name == b"content-length"]
    if len(lengths) != 1 or any(name == b"transfer-encoding" for name, _ in headers):
        return None
    try:
        return int(lengths[0])
    except ValueError:
        return None


class DirectBody:
    """One request's body, taken over from uvicorn when the app asks for it."""

    def __init__(self, owner: DirectBodyProtocol, cycle: RequestResponseCycle, length: int):
        self._owner, self._cycle, self._length = owner, cycle, length
        self._queue: collections.deque[BodyPiece] = collections.deque()
        self._ready = asyncio.Event()
        self._receiver: _Receiver | None = None
        self._finished = self._lost = False
        self._seen: Callable[[memoryview], None] | None = None

    @property
    def finished(self) -> bool:
        """Every byte of the body has arrived (and been queued for the app)."""
        return self._finished

    def take(self, seen: Callable[[memoryview], None] | None = None) -> AsyncIterator[BodyPiece] | None:
        """Start reading the rest of the body directly; None when this connection cannot
        (it moved on, or went away) and the app should read `request.stream()`.

        `seen` is given every byte of the body in order, on the event loop, the moment it
        arrives, while it is still in the CPU's cache (the scan's hash: reading it again
        later from another core costs more than computing it).
        """
        owner, cycle = self._owner, self._cycle
        if owner.cycle is not cycle or cycle.disconnected or cycle.response_complete or owner.transport.is_closing():
            return None
        self._seen = seen
        if cycle.body:
            first = bytes(cycle.body)
            cycle.body = bytearray()
            if seen is not None:
                seen(memoryview(first))
            self._queue.append(BodyPiece(first))
        left = self._length - owner._body_seen
        if not cycle.more_body or left <= 0:
            self._finished = True
        else:
            self._receiver = _Receiver(self, left)
            owner.transport.set_protocol(self._receiver)
            owner.flow.resume_reading()
            owner.transport.resume_reading()
        return self._pieces()

    async def _pieces(self) -> AsyncIterator[BodyPiece]:
        while True:
            if self._queue:
                yield self._queue.popleft()
            elif self._finished:
                return
            elif self._lost:
                raise ClientDisconnect()
            else:
                self._ready.clear()
                await self._ready.wait()

    def abandon(self) -> None:
        """The app stops before the end (an error answer): the rest is read and dropped, and
        the connection closes after the answer rather than parse body bytes as a request."""
        self._cycle.keep_alive = False
        if self._receiver is not None:
            self._receiver.drop_rest()
        self._queue.clear()

    # Called by the receiver, on the event loop.
    def _deliver(self, piece: BodyPiece) -> None:
        self._queue.append(piece)
        self._ready.set()

    def _complete(self) -> None:
        self._finished = True
        self._ready.set()
        self._cycle.more_body = False
        self._cycle.message_event.set()
        self._owner._resume_parsing()

    def _connection_lost(self) -> None:
        self._lost = True
        self._ready.set()


class _Receiver(asyncio.BufferedProtocol):
    """Owns the transport while the body arrives; forwards everything else to uvicorn."""

    def __init__(self, body: DirectBody, left: int):
        self.body, self.owner, self.left = body, body._owner, left
        self.loop = asyncio.get_running_loop()
        self.made = 0
        self.free: list[bytearray] = []
        self.current: bytearray | None = self._new_buffer()
        self.fill = 0
        self.waiting = self.dropping = self.done = False

    def _new_buffer(self) -> bytearray | None:
        if self.free:
            return self.free.pop()
        if self.made < POOL:
            self.made += 1
            return bytearray(PIECE)
        return None

    def get_buffer(self, sizehint: int) -> memoryview:
        if self.current is None:  # only while reading was paused; asyncio should not ask
            self.current = bytearray(PIECE)
        return memoryview(self.current)[self.fill : self.fill + min(PIECE - self.fill, self.left)]

    def buffer_updated(self, nbytes: int) -> None:
        current = self.current
        assert current is not None  # asyncio filled what get_buffer handed out
        if self.body._seen is not None and not self.dropping:
            self.body._seen(memoryview(current)[self.fill : self.fill + nbytes])
        self.fill += nbytes
        self.left -= nbytes
        if self.fill < PIECE and self.left > 0:
            return
        if self.dropping:
            self.fill = 0
        else:
            self.current = None
            self.body._deliver(BodyPiece(memoryview(current)[: self.fill], self._releaser(current)))
            self.fill = 0
        if self.left == 0:
            self.done = True
            self.body._complete()
            return
        if self.current is None:
            self.current = self._new_buffer()
            if self.current is None:
                self.waiting = True
                self.owner.transport.pause_reading()

    def _releaser(self, buffer: bytearray) -> Callable[..., None]:
        def release(_future: object = None) -> None:
            self.loop.call_soon_threadsafe(self._recycle, buffer)

        return release

    def _recycle(self, buffer: bytearray) -> None:
        if self.done:
            return
        if self.waiting:
            self.waiting = False
            self.current = buffer
            self.owner.transport.resume_reading()
        else:
            self.free.append(buffer)

    def drop_rest(self) -> None:
        self.dropping = True
        if self.current is None:
            self.current = self.free.pop() if self.free else bytearray(PIECE)
        if self.waiting:
            self.waiting = False
            self.owner.transport.resume_reading()

    def connection_lost(self, exc: Exception | None) -> None:
        """What arrived before the cut still goes to the app, so the blob keeps it."""
        if self.fill and not self.dropping and not self.done and self.current is not None:
            self.body._deliver(BodyPiece(memoryview(self.current)[: self.fill]))
            self.current, self.fill = None, 0
        self.done = True
        self.body._connection_lost()
        self.owner.connection_lost(exc)

    def eof_received(self) -> bool | None:
        self.owner.eof_received()  # uvicorn's answers None: close the transport
        return None

    def pause_writing(self) -> None:
        self.owner.pause_writing()

    def resume_writing(self) -> None:
        self.owner.resume_writing()
