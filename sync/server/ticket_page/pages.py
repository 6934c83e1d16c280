"""The ticket's status page, `GET /q/<token>`: number, status, people ahead; reloads every 15 s.

No sign-in and no script (a meta refresh does the reloading): the token is the capability.
Every wrong token gets the same plain not-found page and counts as a miss of the address, in
the same budget as the case pages' (/p/): a guesser is cut off on both. Right tokens are not
counted, since a hall's phones often share one address and each reloads four times a minute.
The token never reaches the access log.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.staticfiles import StaticFiles
from sqlalchemy.orm import Session, sessionmaker
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response
from starlette.templating import Jinja2Templates

from sync import protocol

from ..console.pages import client_address
from ..context import ServerContext
from ..db import PublicHit, utcnow
from ..public import limits
from .links import PREFIX, ticket_state

log = logging.getLogger(__name__)

TEMPLATES_DIR = Path(__file__).parent / "templates"
STATIC_DIR = Path(__file__).parent / "static"
REFRESH_S = 15

SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "X-Robots-Tag": "noindex, nofollow",
}


class TokenRedactor(logging.Filter):
    """Logs uvicorn's access lines for /q/<token> with the token left out."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str):
            path = args[2]
            if path.startswith(f"{PREFIX}/") and not path.startswith(f"{PREFIX}/static/"):
                record.args = (*args[:2], f"{PREFIX}/<token>", *args[3:])
        return True


def redact_tokens() -> None:
    logger = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, TokenRedactor) for f in logger.filters):
        logger.addFilter(TokenRedactor())


def guessing_for(sessions: sessionmaker[Session], rules: limits.PublicLimits, address: str) -> int:
    """Seconds until this address may look again after too many wrong tokens; 0 if it may now."""
    now = utcnow()
    with sessions() as session:
        missed = session.get(PublicHit, limits.key(limits.MISSES, address))
        if missed is None or missed.period_start + rules.period <= now or missed.hits < rules.misses:
            return 0
        return max(1, int((missed.period_start + rules.period - now).total_seconds()))


def build(ctx: ServerContext | None, rules: limits.PublicLimits | None = None) -> FastAPI:
    rules = rules or limits.PublicLimits()
    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
    templates = Jinja2Templates(directory=TEMPLATES_DIR)
    templates.env.globals["static"] = f"{PREFIX}/static"
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="ticket-static")

    def render(request: Request, name: str, context: dict[str, Any], status: int = 200) -> Response:
        response = templates.TemplateResponse(request, name, context, status_code=status)
        response.headers.update(SECURITY_HEADERS)
        return response

    @app.exception_handler(StarletteHTTPException)
    async def any_miss(request: Request, _exc: StarletteHTTPException) -> Response:
        return render(request, "not_found.html", {}, 404)

    @app.get("/{token}", include_in_schema=False)
    async def show(request: Request, token: str) -> Response:
        if ctx is None:
            return render(request, "not_found.html", {}, 404)
        address = client_address(request)
        wait = await run_in_threadpool(guessing_for, ctx.sessions, rules, address)
        if wait:
            response = render(request, "too_many.html", {}, 429)
            response.headers["Retry-After"] = str(wait)
            return response
        state = await run_in_threadpool(ticket_state, ctx.sessions, token)
        if state is None:
            await run_in_threadpool(limits.count_miss, ctx.sessions, rules, address, utcnow())
            return render(request, "not_found.html", {}, 404)
        issued = state.issued_at.astimezone(protocol.CST).strftime("%H:%M")
        return render(request, "status.html", {"t": state, "issued": issued, "refresh": REFRESH_S})

    return app
