"""The hall's back office under test: its display key, a window that calls, a stream reader."""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from sync.protocol import API
from sync.server.hall.pages import cookie_name

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
VIEWPORT = {"width": 1920, "height": 1080}


@dataclass(frozen=True)
class HallOffice:
    """A back office, the demo hall's display key and an enrolled window's token."""

    url: str
    db_url: str
    org_code: str
    key: str
    token: str

    @property
    def display_url(self) -> str:
        return f"{self.url}/hall/{self.org_code}/display"

    @property
    def stream_url(self) -> str:
        return f"{self.display_url}/stream"

    def cookies(self) -> dict[str, str]:
        return {"Cookie": f"{cookie_name(self.org_code)}={self.key}"}

    def api(self, method: str, path: str, body: dict) -> dict:
        answer = httpx.request(
            method, f"{self.url}{API}{path}", json=body, headers={"Authorization": f"Bearer {self.token}"}, timeout=30
        )
        assert answer.status_code == 200, answer.text
        return answer.json()

    def take(self, category: str = "A") -> dict:
        return self.api("POST", "/queue/tickets", {"category": category})

    def call(self, window: str) -> dict:
        return self.api("POST", "/queue/call", {"window": window})["ticket"]

    def act(self, ticket: dict, action: str) -> dict:
        return self.api("POST", f"/queue/tickets/{ticket['id']}/{action}", {"window": ticket["window"]})


def enrol(url: str, code: str) -> str:
    answer = httpx.post(f"{url}{API}/enrol", json={"code": code, "device_name": "三号窗口"}, timeout=30)
    assert answer.status_code == 200, answer.text
    return answer.json()["token"]


@dataclass
class StreamReader:
    """An open display stream read on a thread: its events as (event, data) in arrival order."""

    url: str
    headers: dict[str, str]
    events: queue.Queue = field(default_factory=queue.Queue)
    status: int | None = None
    comments: list[str] = field(default_factory=list)
    _client: httpx.Client | None = None
    _thread: threading.Thread | None = None
    _opened: threading.Event = field(default_factory=threading.Event)

    def open(self) -> StreamReader:
        self._client = httpx.Client(timeout=httpx.Timeout(30, read=60))
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()
        assert self._opened.wait(30)
        return self

    def _read(self) -> None:
        assert self._client is not None
        try:
            with self._client.stream("GET", self.url, headers=self.headers) as answer:
                self.status = answer.status_code
                self._opened.set()
                event, data = "message", ""
                for line in answer.iter_lines():
                    if line.startswith(":"):
                        self.comments.append(line)
                    elif line.startswith("event: "):
                        event = line[7:]
                    elif line.startswith("data: "):
                        data = line[6:]
                    elif line == "" and data:
                        self.events.put((event, json.loads(data)))
                        event, data = "message", ""
        except httpx.HTTPError:
            pass  # closed by the test or the server
        finally:
            self._opened.set()
            self.events.put(("closed", {}))

    def next(self, event: str, timeout: float = 10.0) -> dict:
        """The next event of this kind (others skipped); fails if the stream ends first."""
        end = time.monotonic() + timeout
        while (left := end - time.monotonic()) > 0:
            try:
                kind, data = self.events.get(timeout=left)
            except queue.Empty:
                break
            if kind == event:
                return data
            assert kind != "closed", f"the stream ended before a {event!r} event"
        raise AssertionError(f"no {event!r} event within {timeout} s")

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
        if self._thread is not None:
            self._thread.join(10)


class ServerProcess:
    """`onewindow-server serve` as a process of its own, on a fixed port: to be killed and started again."""

    def __init__(self, db_url: str, blobs: Path, port: int, env: dict[str, str] | None = None):
        self.db_url, self.blobs, self.port = db_url, blobs, port
        self.env = env or {}
        self.url = f"http://127.0.0.1:{port}"
        self._process: subprocess.Popen | None = None

    def start(self) -> None:
        self._process = subprocess.Popen(
            [sys.executable, "-m", "sync.server", "serve", "--db", self.db_url, "--blobs", str(self.blobs)]
            + ["--port", str(self.port), "--no-access-log"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            env=dict(os.environ, PYTHONPATH=os.getcwd(), **self.env),
        )
        end = time.monotonic() + 60
        while time.monotonic() < end:
            assert self._process.poll() is None, self._process.stderr.read().decode() if self._process.stderr else ""
            try:
                if httpx.get(f"{self.url}{API}/health", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise AssertionError("the back office did not start")

    def kill(self) -> None:
        """Gone at once, as after a crash or a power cut (open display streams cut too)."""
        if self._process is not None:
            self._process.kill()
            self._process.wait(30)
            self._process = None
