"""The real counter window the UI benches drive: a virtual display, a demo back office as its own
process, a demo client enrolled with it, and the main window on its login screen.

One set-up for every bench that measures through the window, so their figures come from the
same machine state (the same display size, the same demo data).
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import keyring
from pyvirtualdisplay import Display

if TYPE_CHECKING:
    from client.app import Runtime
    from client.embedded_server import EmbeddedServer
    from client.ui.mainwindow import MainWindow

SCREEN = (1366, 768)  # the counter laptops' screen


@dataclass(frozen=True)
class WindowSession:
    win: MainWindow
    runtime: Runtime  # its devices (the card reader) and services, for what a bench sets up
    server: EmbeddedServer

    def close(self) -> None:
        try:
            self.win.close()
        finally:
            self.server.stop()
            self.runtime.close()


def open_window(name: str) -> WindowSession:
    """The main window over a fresh demo back office, on a display already running; `name` tags
    the temporary folder holding both."""
    from client.app import ClientConfig, build_runtime
    from client.embedded_server import EmbeddedServer
    from client.store.memory_keyring import MemoryKeyring
    from client.ui.mainwindow import MainWindow
    from sync.server.demo import ensure_demo

    keyring.set_keyring(MemoryKeyring())
    root_dir = Path(tempfile.mkdtemp(prefix=f"onewindow-bench-{name}-"))
    db = f"sqlite:///{root_dir / 'server.sqlite'}"
    demo = ensure_demo(db)
    server = EmbeddedServer.start(db, root_dir / "blobs", root_dir / "server.log")
    runtime = build_runtime(ClientConfig(data_dir=root_dir / "client", demo=True))
    try:
        runtime.enrolment.enrol(server.url, demo.enrol_code, "bench")
        return WindowSession(MainWindow(runtime.services), runtime, server)
    except BaseException:
        server.stop()
        runtime.close()
        raise


@contextmanager
def bench_window(name: str) -> Iterator[WindowSession]:
    """A virtual display and the window on it, all closed when the block ends."""
    with Display(size=SCREEN):
        session = open_window(name)
        try:
            yield session
        finally:
            session.close()
