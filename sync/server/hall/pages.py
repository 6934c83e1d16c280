"""The routes of the hall's display: the page, its event stream, the chime and the clips.

`GET /hall/<org>/display?key=…` checks the hall's display key, keeps it in a cookie for
the hall's path and sends the screen on to the bare address; `GET /hall/<org>/display`
then shows the page, whose script opens `GET /hall/<org>/display/stream` (server-sent
events: `state` with the whole board, `call` for each call or recall to announce).
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
from collections.abc import AsyncIterator
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.staticfiles import StaticFiles
from starlette.responses import FileResponse, RedirectResponse, Response, StreamingResponse
from starlette.templating import Jinja2Templates

from ..context import ServerContext
from . import keys
from .chime import chime_wav
from .feed import Full, HallFeeds, HallLimits, Subscription

log = logging.getLogger(__name__)

PREFIX = "/hall"
TEMPLATES_DIR = Path(__file__).parent / "templates"
STATIC_DIR = Path(__file__).parent / "static"
VOICE_ENV = "ONEWINDOW_HALL_VOICE_DIR"  # a folder of recorded clips (docs/hall-display.md)
CLIP = re.compile(r"^[A-Za-z0-9-]{1,24}$")
ORG = re.compile(r"^[A-Za-z0-9_-]{1,32}$")

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; media-src 'self'; "
        "img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "X-Robots-Tag": "noindex, nofollow",
}


def cookie_name(org_code: str) -> str:
    return f"ow_display_{org_code}"


def build(ctx: ServerContext | None, limits: HallLimits, voice_dir: Path | None) -> FastAPI:
    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
    templates = Jinja2Templates(directory=TEMPLATES_DIR)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    feeds = HallFeeds(ctx.sessions, limits) if ctx is not None else None
    app.state.feeds = feeds
    chime = chime_wav()
    clips = voice_dir is not None and voice_dir.is_dir()

    def refused(request: Request) -> Response:
        return templates.TemplateResponse(
            request, "refused.html", {"prefix": PREFIX}, status_code=403, headers=SECURITY_HEADERS
        )

    async def allowed(org_code: str, key: str | None) -> bool:
        if ctx is None or not ORG.match(org_code):
            return False
        return await run_in_threadpool(keys.key_matches, ctx.sessions, org_code, key)

    @app.get("/{org_code}/display")
    async def display(request: Request, org_code: str, key: str | None = None) -> Response:
        if key is not None:
            if not await allowed(org_code, key):
                log.info("hall display of %s: wrong key", org_code if ORG.match(org_code) else "?")
                return refused(request)
            answer = RedirectResponse(f"{PREFIX}/{org_code}/display", status_code=303, headers=SECURITY_HEADERS)
            answer.set_cookie(
                cookie_name(org_code),
                key,
                max_age=400 * 24 * 3600,
                path=f"{PREFIX}/{org_code}/",
                httponly=True,
                samesite="strict",
                secure=request.url.scheme == "https",
            )
            return answer
        if not await allowed(org_code, request.cookies.get(cookie_name(org_code))):
            return refused(request)
        page = {
            "prefix": PREFIX,
            "stream": f"{PREFIX}/{org_code}/display/stream",
            "clips": clips,
        }
        return templates.TemplateResponse(request, "display.html", page, headers=SECURITY_HEADERS)

    @app.get("/{org_code}/display/stream")
    async def stream(request: Request, org_code: str) -> Response:
        if feeds is None or not await allowed(org_code, request.cookies.get(cookie_name(org_code))):
            return Response("forbidden\n", status_code=403, media_type="text/plain")
        try:
            sub = feeds.subscribe(org_code)
        except Full as full:
            log.info("hall display of %s refused: %s limit reached", org_code, full.which)
            return Response(
                "显示屏连接过多，请稍后重试\n",
                status_code=503,
                media_type="text/plain; charset=utf-8",
                headers={"Retry-After": "10"},
            )
        headers = {"Cache-Control": "no-store", "X-Accel-Buffering": "no", "X-Content-Type-Options": "nosniff"}
        return StreamingResponse(_events(request, feeds, sub), media_type="text/event-stream", headers=headers)

    @app.get("/chime.wav")
    async def chime_file() -> Response:
        return Response(chime, media_type="audio/wav", headers={"Cache-Control": "public, max-age=86400"})

    @app.get("/voice/{name}.wav")
    async def voice_clip(name: str) -> Response:
        path = voice_dir / f"{name}.wav" if voice_dir is not None and CLIP.match(name) else None
        if path is None or not path.is_file():
            return Response(status_code=404)
        return FileResponse(path, media_type="audio/wav", headers={"Cache-Control": "public, max-age=3600"})

    return app


async def _events(request: Request, feeds: HallFeeds, sub: Subscription) -> AsyncIterator[str]:
    """The stream of one display: until it goes away, falls behind, or has lived its time."""
    limits = feeds.limits
    loop = asyncio.get_running_loop()
    end = loop.time() + limits.stream_seconds
    try:
        yield f"retry: {limits.retry_ms}\n: 一窗通叫号显示\n\n"
        while (left := end - loop.time()) > 0:
            try:
                message = await asyncio.wait_for(sub.queue.get(), min(limits.heartbeat_seconds, left))
            except TimeoutError:
                if await request.is_disconnected():
                    break
                yield ": heartbeat\n\n"
                continue
            if message is None:
                break
            yield message
    finally:
        feeds.leave(sub)


def voice_dir_from_env() -> Path | None:
    folder = os.environ.get(VOICE_ENV, "").strip()
    return Path(folder) if folder else None
