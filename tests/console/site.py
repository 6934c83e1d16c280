"""The console under test: a hall's staff, their audit, a browser's and a plain client's way in."""

from __future__ import annotations

import itertools
import os
import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy.orm import Session, sessionmaker

from sync.server import admin
from sync.server.console import audit
from tests.support.back_office import Hall

CHROMIUM = os.environ.get("ONEWINDOW_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(os.environ.get("ONEWINDOW_ARTIFACTS", Path(__file__).resolve().parents[2] / "artifacts"))
VIEWPORT = {"width": 1366, "height": 768}
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')

_names = itertools.count(1)


class PlaywrightThread:
    """The one thread Playwright's sync API lives on.

    While started, that API leaves its asyncio loop marked as running on its thread; on the
    test's main thread that would break every later test of the worker that runs a loop
    (`asyncio.run`), so the session's browser is kept on a thread of its own.
    """

    def __init__(self) -> None:
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="playwright")

    def call(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        return self._pool.submit(fn, *args, **kwargs).result()

    def close(self) -> None:
        self._pool.shutdown()


class Remote:
    """A Playwright object on the Playwright thread: attribute reads and calls run there, and
    the Playwright objects they give back (pages, locators, contexts) are Remote too."""

    def __init__(self, target: Any, thread: PlaywrightThread):
        self._target = target
        self._thread = thread

    def __getattr__(self, name: str) -> Any:
        value = self._thread.call(getattr, self._target, name)
        if callable(value):
            return lambda *args, **kwargs: self._wrap(self._thread.call(value, *args, **kwargs))
        return self._wrap(value)

    def _wrap(self, value: Any) -> Any:
        return Remote(value, self._thread) if type(value).__module__.startswith("playwright.") else value


@dataclass(frozen=True)
class Console:
    """The console of a live back office, and the hall its staff belong to."""

    url: str  # the back office; the console is under /console/
    db_url: str
    hall: Hall

    @property
    def sessions(self) -> sessionmaker[Session]:
        return sessionmaker(self.hall.engine, expire_on_commit=False)

    def staff(self, role: str, display_name: str) -> str:
        """A new account of this hall with `role`; the username (password: `hall.password`)."""
        username = f"{role}{next(_names)}-{self.hall.tag}"
        admin.add_user(self.hall.engine, self.hall.org_code, username, display_name, role, self.hall.password)
        return username

    def audit(self, username: str) -> list[tuple[str, str]]:
        """(action, outcome) of the user's audit entries, oldest first."""
        return [(e.action, e.outcome) for e in reversed(audit.entries(self.sessions, username))]

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, follow_redirects=False, timeout=30)


def form_token(client: httpx.Client) -> str:
    """Open the sign-in page the way a browser does; the form's CSRF token (its cookie is kept)."""
    answer = client.get("/console/login")
    assert answer.status_code == 200
    found = CSRF.search(answer.text)
    assert found is not None
    return found.group(1)


def sign_in(page, console: Console, username: str, password: str) -> None:
    page.goto(f"{console.url}/console/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("button[type=submit]")


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / name
    page.screenshot(path=str(path))
    return path
