"""The HTTP face of the back office: routes of `sync.protocol`, nothing else.

Handlers only translate HTTP to the library functions in auth, events and blobs;
errors come back as `ErrorBody` with a Chinese message the window can show.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from fastapi import Depends, FastAPI, Header, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect

from sync import protocol

from . import auth, blobs, booking, console, events, hall, outreach, public, queue, restore, ticket_page, wipe
from .blobstore.base import BlobStore
from .context import ServerContext
from .deps import Authorization, Ctx, Dev
from .errors import ApiError, error_paths
from .limits import BodyLimitMiddleware, BodyLimits
from .storable import refuse_unstorable_text

log = logging.getLogger(__name__)

API = protocol.API
_RAW_BODY = {
    "requestBody": {
        "required": True,
        "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
    }
}
_ERRORS = {401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed"}


def create_app(
    db_url: str, blob_store: Path | BlobStore, limits: BodyLimits | None = None, blob_quota: int | None = None
) -> FastAPI:
    """Build the server for one database and one blob store — a folder or a connected
    object store (schema migrated to head); `blob_quota`: bytes of scans per org unit."""
    ctx = ServerContext.open(db_url, blob_store, blob_quota)
    settled = blobs.settle_parts(ctx)  # a crash between an upload's last byte and its promotion
    if settled:
        log.warning("%d whole but unverified uploads verified and completed at start-up", settled)
    return build_app(ctx, limits)


def openapi_document() -> dict:
    """The OpenAPI spec of the routes, without opening any database (for docs/openapi.json)."""
    return build_app(None).openapi()


def build_app(ctx: ServerContext | None, limits: BodyLimits | None = None) -> FastAPI:
    """The routes over one context; `None` only to describe the API."""

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        if ctx is not None:
            ctx.close()

    app = FastAPI(
        title="OneWindow back office",
        version=str(protocol.PROTOCOL_VERSION),
        lifespan=lifespan,
        dependencies=[Depends(refuse_unstorable_text)],  # every route: no text the databases cannot hold
    )
    app.state.ctx = ctx
    app.add_middleware(BodyLimitMiddleware, limits=limits)  # bodies bounded before a route reads them
    uploads = _Count()  # on the event loop only
    device_uploads: collections.Counter[str] = collections.Counter()  # on the event loop only
    _install_error_handlers(app)

    @app.get(f"{API}/health")
    def health() -> dict:
        return {"ok": True, "protocol": protocol.PROTOCOL_VERSION}

    @app.post(f"{API}/enrol", response_model=protocol.EnrolResponse)
    def enrol(body: protocol.EnrolRequest, ctx: Ctx) -> protocol.EnrolResponse:
        return auth.enrol(ctx.sessions, body.code, body.device_name)

    @app.post(f"{API}/login", response_model=protocol.LoginResponse, responses={401: {"model": protocol.ErrorBody}})
    def login(body: protocol.LoginRequest, ctx: Ctx, dev: Dev) -> protocol.LoginResponse:
        return auth.login(ctx.sessions, dev, body.username, body.password)

    @app.post(
        f"{API}/device/wiped", response_model=protocol.WipedResponse, responses={401: {"model": protocol.ErrorBody}}
    )
    def device_wiped(ctx: Ctx, authorization: Authorization) -> protocol.WipedResponse:
        return wipe.acknowledge_wipe(ctx.sessions, authorization)  # taken from a revoked device too

    @app.post(f"{API}/events", response_model=protocol.PushResponse)
    def push(body: protocol.PushRequest, ctx: Ctx, dev: Dev) -> protocol.PushResponse:
        if body.protocol > protocol.PROTOCOL_VERSION:
            raise ApiError(400, "unsupported_protocol", "后台版本过旧，暂不支持此客户端版本")
        return protocol.PushResponse(results=events.push_events(ctx, dev, body.events))

    @app.get(f"{API}/changes", response_model=protocol.PullResponse)
    def pull(
        ctx: Ctx,
        authorization: Authorization,
        cursor: int = 0,
        limit: Annotated[int, Query(ge=1)] = events.DEFAULT_PULL,
    ) -> protocol.PullResponse:
        return events.pull_for(ctx, authorization, cursor, limit)

    @app.post(f"{API}/blobs/status", response_model=protocol.BlobStatusList)
    def blob_statuses(query: protocol.BlobQuery, ctx: Ctx, dev: Dev) -> protocol.BlobStatusList:
        return protocol.BlobStatusList(blobs=blobs.blob_statuses(ctx, query.sha256, dev.org_code))

    @app.head(f"{API}/blobs/{{sha256}}")
    def blob_head(sha256: str, ctx: Ctx, dev: Dev) -> Response:
        status = blobs.blob_status(ctx, sha256, dev.org_code)
        if status is None:
            return Response(status_code=404, headers={"X-Blob-Size": "0"})
        return Response(
            status_code=200,
            headers={"X-Blob-Size": str(status.size), "X-Blob-Complete": "true" if status.complete else "false"},
        )

    @app.put(f"{API}/blobs/{{sha256}}", response_model=protocol.BlobStatus, openapi_extra=_RAW_BODY)
    async def blob_put(
        sha256: str,
        request: Request,
        ctx: Ctx,
        dev: Dev,
        offset: Annotated[int, Query(ge=0)] = 0,
        x_blob_length: Annotated[int | None, Header()] = None,
    ) -> protocol.BlobStatus | Response:  # the Response only to a client that went away
        if uploads.value >= MAX_UPLOADS:
            raise ApiError(503, "busy", "后台正在接收的上传过多，请稍后重试", {"Retry-After": "5"})
        if device_uploads[dev.id] >= MAX_DEVICE_UPLOADS:
            raise ApiError(429, "too_many_uploads", "本设备同时上传的文件过多，请稍后重试", {"Retry-After": "5"})
        uploads.value += 1
        device_uploads[dev.id] += 1
        try:
            writer = await run_in_threadpool(blobs.begin_put, ctx, sha256, offset, x_blob_length, dev.org_code, dev.id)
            if isinstance(writer, protocol.BlobStatus):
                return writer
            try:
                return await _stream_into(request.stream(), writer)
            except ClientDisconnect:
                log.info("upload of blob %s cut after %d bytes; kept for resuming", sha256, writer.held)
                return Response(status_code=400)  # nobody is listening any more
        finally:
            uploads.value -= 1
            device_uploads[dev.id] -= 1
            if not device_uploads[dev.id]:
                del device_uploads[dev.id]

    @app.get(f"{API}/catalog")
    def catalog(ctx: Ctx, dev: Dev) -> dict:
        with ctx.sessions() as session:
            return ctx.current_catalog(session).to_dict()

    app.include_router(queue.router, prefix=API)
    app.include_router(restore.router, prefix=API)
    app.include_router(outreach.router, prefix=API)
    app.include_router(ticket_page.router, prefix=API)  # the kiosk asks for its ticket's QR link
    app.include_router(booking.console_page.router)  # 叫号与预约统计, before the console's catch-all
    console.install(app)  # the approvers' pages under /console/, kept out of the API's schema
    public.install(app, ctx)  # the applicants' progress and rating pages under /p/ (no sign-in)
    hall.install(app, ctx)  # the hall's calling display under /hall/ (a display key per hall)
    booking.install(app, ctx)  # 云叫号: the public booking pages and their JSON API under /b/
    ticket_page.install(app, ctx)  # a kiosk ticket's live status page under /q/ (its QR)
    return app


MAX_UPLOADS = 32  # scan uploads one app process takes at once (each holds a lock's connection)
MAX_DEVICE_UPLOADS = 4  # of which one device may hold (a window sends one page at a time)
PIECE = 1 << 20  # the body is handed to the store in pieces of about this size
IN_FLIGHT = 4  # pieces queued for the store before reading pauses


@dataclass
class _Count:
    value: int = 0


async def _stream_into(chunks: AsyncIterator[bytes], writer: blobs.BlobWriter) -> protocol.BlobStatus:
    """Append the request body (ASGI's `request.stream()`) to the blob as it arrives.

    The small chunks the server reads are gathered into pieces of about a megabyte, each
    handed to the store on the writer's thread while the next is read; at most IN_FLIGHT
    pieces wait, so a slow store slows the reading instead of filling memory.
    """
    queued: collections.deque[asyncio.Future] = collections.deque()
    piece = bytearray()
    try:
        async for chunk in chunks:
            piece += chunk
            if len(piece) < PIECE:
                continue
            queued.append(asyncio.wrap_future(writer.submit(piece)))
            piece = bytearray()
            while len(queued) >= IN_FLIGHT or (queued and queued[0].done()):
                await queued.popleft()
        if piece:
            queued.append(asyncio.wrap_future(writer.submit(piece)))
        while queued:
            await queued.popleft()
    except OSError as exc:  # the store failed under a piece (a full disk, an object store gone)
        await run_in_threadpool(writer.keep_partial)
        log.error("blob %s: the store failed: %s", writer.sha, exc)
        raise blobs.storage_error(exc) from exc
    except ClientDisconnect:
        # What arrived before the cut is handed over too: the store keeps what it can.
        if piece and not writer.failed:
            with contextlib.suppress(ApiError):  # too long: the whole body was refused anyway
                queued.append(asyncio.wrap_future(writer.submit(piece)))
        await asyncio.gather(*queued, return_exceptions=True)
        await run_in_threadpool(writer.keep_partial)
        raise
    except BaseException:
        await run_in_threadpool(writer.keep_partial)
        raise
    return await run_in_threadpool(writer.finish)


def _error(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    body = protocol.ErrorBody(code=code, message=message).model_dump()
    return JSONResponse(body, status_code=status, headers=headers)


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def api_error(_request: Request, exc: ApiError) -> JSONResponse:
        return _error(exc.status, exc.code, exc.message, exc.headers)

    @app.exception_handler(RequestValidationError)
    async def invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        log.info("invalid request: %s", error_paths(exc.errors()))
        return _error(422, "invalid_request", "请求数据格式不正确")

    @app.exception_handler(DataError)
    @app.exception_handler(OverflowError)
    async def unstorable(request: Request, exc: Exception) -> JSONResponse:
        # A value the database cannot take (PostgreSQL: NUL, too long; SQLite: an integer
        # beyond 64 bits) is the request's fault: a 400, not a 500.
        log.info(
            "%s %s: value the database cannot hold: %s", request.method, request.url.path, str(exc).splitlines()[0]
        )
        return _error(400, "invalid_value", "请求中含有无效字符或超出范围的数据")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = _ERRORS.get(exc.status_code, f"http_{exc.status_code}")
        return _error(exc.status_code, code, "请求的服务不存在或暂不可用", getattr(exc, "headers", None))
