"""Running the back office as a child process on loopback (demo mode and tests).

A separate process, not a thread: the window and the server then talk real HTTP,
and closing the window can always stop the server, whatever state it is in.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import requests

log = logging.getLogger(__name__)


def free_port(preferred: int | None = None) -> int:
    for port in ([preferred] if preferred else []) + [0]:
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return sock.getsockname()[1]
    raise RuntimeError("no free port")


def _die_with_parent() -> None:
    """In the child, before exec: the kernel sends SIGTERM when the window's process dies.

    Tk exits the process straight from its X error handler when the display goes away,
    so no Python cleanup runs and the back office would otherwise be left running.
    """
    import ctypes

    pr_set_pdeathsig = 1
    ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


@dataclass
class EmbeddedServer:
    process: subprocess.Popen
    url: str
    log_path: Path

    @classmethod
    def start(
        cls, db_url: str, blob_dir: Path, log_path: Path, port: int | None = None, timeout: float = 30.0
    ) -> EmbeddedServer:
        port = free_port(port)
        log_path.parent.mkdir(parents=True, exist_ok=True)
        out = open(log_path, "ab")
        cmd = [
            sys.executable,
            "-m",
            "sync.server",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--db",
            db_url,
            "--blobs",
            str(blob_dir),
        ]
        process = subprocess.Popen(
            cmd,
            stdout=out,
            stderr=subprocess.STDOUT,
            env=dict(os.environ),
            preexec_fn=_die_with_parent if sys.platform == "linux" else None,
        )
        out.close()
        server = cls(process, f"http://127.0.0.1:{port}", log_path)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"back office exited with {process.returncode}; see {log_path}")
            try:
                if requests.get(server.url + "/api/v1/health", timeout=1).ok:
                    log.info("back office up at %s (pid %d)", server.url, process.pid)
                    return server
            except requests.RequestException:
                pass
            time.sleep(0.1)
        server.stop()
        raise RuntimeError(f"back office did not answer within {timeout:.0f}s; see {log_path}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
