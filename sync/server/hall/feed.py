"""The calls of a hall, pushed to the displays connected to this app process.

A city runs several app processes behind nginx sharing only the database, so a call made
on one process must reach a display connected to another. Each process therefore polls:
one task per hall that has a display connected here asks the database for the hall's
`board.signature` every `poll_seconds` (one small aggregate query), and only when it
changed reads the board and hands it to every display of that hall. The cost is per hall
and process, not per display; a hall without a connected display costs nothing.

A feed lives on the event loop only (no locks): streams subscribe and leave there, and
the database work runs on the thread pool.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from dataclasses import dataclass, field

from fastapi.concurrency import run_in_threadpool
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from . import board

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class HallLimits:
    per_hall: int = 8  # displays of one hall on one process (a hall has one to four screens)
    per_process: int = 64
    poll_seconds: float = 0.4  # a call is on the screens within about this
    heartbeat_seconds: float = 10.0  # a comment line, so proxies keep the stream and a gone client is noticed
    # A stream ends after this and the display reconnects by itself: connections spread again
    # over a city's processes, and a back office stopping waits at most this long for its displays.
    stream_seconds: float = 30.0
    backlog: int = 32  # messages a slow display may fall behind before its stream is ended
    retry_ms: int = 1500  # how soon EventSource reconnects


class Full(Exception):
    """No room for another display stream; `which`: the limit reached."""

    def __init__(self, which: str):
        super().__init__(which)
        self.which = which


@dataclass(eq=False)
class Subscription:
    org_code: str
    queue: asyncio.Queue[str | None]


@dataclass(eq=False)
class _Feed:
    subscribers: set[Subscription] = field(default_factory=set)
    task: asyncio.Task | None = None
    state: str | None = None  # the last board as an SSE message, for a display that joins
    keys: frozenset[str] = frozenset()  # the calls on that board


def sse(event: str, data: dict, event_id: str | None = None) -> str:
    lines = [f"event: {event}"]
    if event_id:
        lines.append(f"id: {event_id}")
    lines.append("data: " + json.dumps(data, ensure_ascii=False, separators=(",", ":")))
    return "\n".join(lines) + "\n\n"


class HallFeeds:
    """The feeds of one app: per hall, the displays connected and the task polling for them."""

    def __init__(self, sessions: sessionmaker[Session], limits: HallLimits):
        self._sessions = sessions
        self.limits = limits
        self._halls: dict[str, _Feed] = {}
        self._open = 0

    @property
    def open_streams(self) -> int:
        return self._open

    def subscribe(self, org_code: str) -> Subscription:
        feed = self._halls.get(org_code)
        if feed is not None and len(feed.subscribers) >= self.limits.per_hall:
            raise Full("hall")
        if self._open >= self.limits.per_process:
            raise Full("process")
        if feed is None:
            feed = self._halls[org_code] = _Feed()
        sub = Subscription(org_code, asyncio.Queue(self.limits.backlog))
        feed.subscribers.add(sub)
        self._open += 1
        if feed.state is not None:
            sub.queue.put_nowait(feed.state)
        if feed.task is None:
            feed.task = asyncio.get_running_loop().create_task(self._poll(org_code, feed))
        return sub

    def leave(self, sub: Subscription) -> None:
        feed = self._halls.get(sub.org_code)
        if feed is None or sub not in feed.subscribers:
            return
        feed.subscribers.discard(sub)
        self._open -= 1
        if not feed.subscribers:
            del self._halls[sub.org_code]
            if feed.task is not None:
                feed.task.cancel()

    def _send(self, feed: _Feed, message: str) -> None:
        for sub in list(feed.subscribers):
            try:
                sub.queue.put_nowait(message)
            except asyncio.QueueFull:  # a display that stopped reading: end its stream
                log.info("hall display of %s fell behind; its stream is ended", sub.org_code)
                with contextlib.suppress(asyncio.QueueEmpty):
                    sub.queue.get_nowait()
                sub.queue.put_nowait(None)

    async def _poll(self, org_code: str, feed: _Feed) -> None:
        seen: tuple | None = None
        while True:
            try:
                mark = await run_in_threadpool(board.signature, self._sessions, org_code)
                if mark != seen:
                    shown = await run_in_threadpool(board.board, self._sessions, org_code)
                    self._publish(feed, shown)
                    seen = mark
                await asyncio.sleep(self.limits.poll_seconds)
            except SQLAlchemyError as exc:  # the database restarting: the displays keep their board
                log.warning("hall %s display feed: database unavailable (%s)", org_code, type(exc).__name__)
                await asyncio.sleep(2.0)
            except Exception:  # a bug must not leave the hall's screens frozen for good: log, go on
                log.exception("hall %s display feed failed; retrying", org_code)
                await asyncio.sleep(2.0)

    def _publish(self, feed: _Feed, shown: board.Board) -> None:
        keys = frozenset(c.key for c in shown.recent)
        if feed.state is not None:  # the first board of a feed announces nothing: those calls are old
            for call in reversed(shown.recent):  # oldest first, as they were made
                if call.key not in feed.keys and call.fresh:
                    self._send(feed, sse("call", board.call_json(call), call.key))
        feed.state = sse("state", shown.as_json())
        feed.keys = keys
        self._send(feed, feed.state)
