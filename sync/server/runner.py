"""Run the server: blocking (the CLI) or on a background thread (demo mode, end-to-end tests)."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from pathlib import Path

import uvicorn

from .app import create_app
from .blobstore.base import BlobStore
from .limits import BodyLimits
from .settings import ServerSettings


def server_url(host: str, port: int) -> str:
    return f"http://{host}:{port}"


def console_url(host: str, port: int) -> str:
    """Where staff open the approvers' console in a browser."""
    return f"{server_url(host, port)}/console/"


def serve(settings: ServerSettings, log_level: str = "info") -> None:
    """Run one app process until stopped. Behind nginx, `forwarded_allow_ips` names nginx's
    address, so the client address the console logs is the real one and nobody else can
    claim one with a header."""
    limits = BodyLimits(read_timeout=settings.body_read_timeout)
    uvicorn.run(
        create_app(settings.db_url, settings.open_store(), limits, settings.blob_quota),
        host=settings.host,
        port=settings.port,
        log_level=log_level,
        proxy_headers=bool(settings.forwarded_allow_ips),
        forwarded_allow_ips=settings.forwarded_allow_ips or None,
        # A line per request costs an app process a tenth of an empty pull's CPU; nginx keeps
        # the access log in front of it (errors and the app's own messages are still logged).
        access_log=settings.access_log,
        **connection_bounds(settings.max_connections, settings.keep_alive_timeout, bool(settings.forwarded_allow_ips)),
    )


def connection_bounds(max_connections: int, keep_alive_timeout: int, behind_proxy: bool) -> dict:
    """uvicorn's public bounds on sockets: idle kept-alive connections closed, connections
    beyond the limit answered 503, the listen queue, and the size of a request's head.

    uvicorn bounds the head only with h11: with httptools a 32 MB header line is held
    whole. So a server that clients reach directly parses with h11; behind nginx, whose
    `large_client_header_buffers` bound the head, the faster httptools is kept (the fleet's
    app processes). A slow request head has no timeout in uvicorn: see docs/security.md, "Bounds on requests"."""
    return dict(
        http="httptools" if behind_proxy else "h11",
        timeout_keep_alive=keep_alive_timeout,
        limit_concurrency=max_connections,
        backlog=2048,
        h11_max_incomplete_event_size=MAX_HEAD_BYTES,
    )


MAX_HEAD_BYTES = 16 * 1024  # request line and headers (h11's own default, made explicit)


@dataclass(frozen=True)
class RunningServer:
    url: str
    port: int
    _server: uvicorn.Server
    _thread: threading.Thread

    def stop(self, timeout: float = 10.0) -> None:
        self._server.should_exit = True
        self._thread.join(timeout)


def start_in_thread(
    db_url: str,
    blob_store: Path | BlobStore,
    host: str = "127.0.0.1",
    port: int = 0,
    timeout: float = 10.0,
    forwarded_allow_ips: str = "",
    limits: BodyLimits | None = None,
    max_connections: int = ServerSettings.max_connections,
    blob_quota: int | None = None,
) -> RunningServer:
    """Start on a daemon thread and wait until it listens; port 0 picks a free port."""
    config = uvicorn.Config(
        create_app(db_url, blob_store, limits, blob_quota),
        host=host,
        port=port,
        log_level="warning",
        proxy_headers=bool(forwarded_allow_ips),
        forwarded_allow_ips=forwarded_allow_ips or None,
        **connection_bounds(max_connections, ServerSettings.keep_alive_timeout, bool(forwarded_allow_ips)),
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="onewindow-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            raise RuntimeError("back-office server did not start")
        time.sleep(0.02)
    bound = server.servers[0].sockets[0].getsockname()[1]
    return RunningServer(server_url(host, bound), bound, server, thread)
