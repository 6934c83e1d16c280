"""The routes of the public pages and how they answer: progress, rating, not found, too many.

Every wrong token gets the same 404 page (no template variable differs), counted as a miss
for the address's rate limit; every request is counted first, so an address over any budget
gets the same 429 page for right and wrong tokens alike.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response
from starlette.templating import Jinja2Templates

from client.domain.ratings import BAD_REASONS, LEVELS

from ..console.errors import ConsoleError
from ..console.forms import read_form
from ..console.pages import client_address
from ..context import ServerContext
from ..db import utcnow
from ..rating_links import find_case
from . import limits, rating
from .progress import Progress, progress_of

log = logging.getLogger(__name__)

PREFIX = "/p"
MAX_FORM_BYTES = 4096  # five fields, a comment of 200 characters (up to 3 bytes each, encoded)
TEMPLATES_DIR = Path(__file__).parent / "templates"
STATIC_DIR = Path(__file__).parent / "static"

# No script at all, styles only from here, no framing, forms post only back here; the token is
# in the address, so no page may send it on as a referrer, and none is cached or indexed.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; "
        "frame-ancestors 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "X-Robots-Tag": "noindex, nofollow",
}


@dataclass(frozen=True)
class _Shown:
    """A case found: its progress and whether (and at which round) it may be rated."""

    progress: Progress
    standing: rating.Standing


@dataclass(frozen=True)
class _Rated:
    given: rating.Given | None  # None: rated already, nothing rectified since
    shown: _Shown


@dataclass(frozen=True)
class _Refused:
    """The form could not be taken: the page again, with why."""

    refusal: rating.Refusal
    shown: _Shown


def build(ctx: ServerContext | None, rules: limits.PublicLimits) -> FastAPI:
    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
    templates = Jinja2Templates(directory=TEMPLATES_DIR)
    templates.env.globals["static"] = f"{PREFIX}/static"
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="public-static")

    def render(request: Request, name: str, context: dict[str, Any], status: int = 200) -> Response:
        response = templates.TemplateResponse(request, name, context, status_code=status)
        response.headers.update(SECURITY_HEADERS)
        return response

    def not_found(request: Request) -> Response:
        return render(request, "not_found.html", {}, 404)

    def context() -> ServerContext:
        assert ctx is not None, "the public pages need a database"
        return ctx

    async def admitted(request: Request, posting: bool) -> Response | None:
        verdict = await run_in_threadpool(
            limits.admit, context().sessions, rules, client_address(request), posting, utcnow()
        )
        if verdict.allowed:
            return None
        response = render(request, "too_many.html", {}, 429)
        response.headers["Retry-After"] = str(verdict.retry_after_s)
        return response

    async def missed(request: Request) -> Response:
        await run_in_threadpool(limits.count_miss, context().sessions, rules, client_address(request), utcnow())
        return not_found(request)

    def page(request: Request, shown: _Shown, status: int = 200, **extra: Any) -> Response:
        return render(
            request,
            "progress.html",
            {
                "p": shown.progress,
                "standing": shown.standing,
                "levels": sorted(LEVELS.items(), reverse=True),
                "reasons": list(BAD_REASONS.items()),
                "max_comment": rating.MAX_COMMENT,
                "form": {},
                **extra,
            },
            status,
        )

    def look(token: str) -> _Shown | None:
        with context().sessions() as session:
            case = find_case(session, token)
            if case is None:
                return None
            return _Shown(progress_of(session, case), rating.standing(session, case))

    def rate(token: str, fields: dict[str, str]) -> _Rated | _Refused | None:
        with context().sessions() as session, session.begin():
            case = find_case(session, token)
            if case is None:
                return None
            parsed = rating.read_form(fields)
            if isinstance(parsed, rating.Refusal):
                return _Refused(parsed, _Shown(progress_of(session, case), rating.standing(session, case)))
            given = rating.rate(session, case, *parsed)
            if given is not None:
                log.info("online rating of case %s stored (round %d)", case.id, given.round)
            return _Rated(given, _Shown(progress_of(session, case), rating.standing(session, case)))

    @app.get("/{token}", include_in_schema=False)
    async def show(request: Request, token: str) -> Response:
        refused = await admitted(request, posting=False)
        if refused is not None:
            return refused
        shown = await run_in_threadpool(look, token)
        if shown is None:
            return await missed(request)
        return page(request, shown)

    @app.post("/{token}", include_in_schema=False)
    async def post(request: Request, token: str) -> Response:
        refused = await admitted(request, posting=True)
        if refused is not None:
            return refused
        try:
            fields = await read_form(request, MAX_FORM_BYTES)
        except ConsoleError as exc:
            return render(request, "refused.html", {"message": exc.message}, exc.status)
        outcome = await run_in_threadpool(rate, token, fields)
        if outcome is None:
            return await missed(request)
        if isinstance(outcome, _Refused):
            return page(request, outcome.shown, 400, error=outcome.refusal.message, form=fields)
        if outcome.given is None:
            return render(request, "thanks.html", {"given": outcome.shown.standing.last, "already": True}, 409)
        return render(request, "thanks.html", {"given": outcome.given, "already": False, "p": outcome.shown.progress})

    @app.api_route("/{rest:path}", methods=["GET", "POST", "HEAD", "PUT", "DELETE", "PATCH"], include_in_schema=False)
    async def anything_else(request: Request, rest: str) -> Response:
        refused = await admitted(request, posting=False)
        if refused is not None:
            return refused
        return await missed(request)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        return (
            not_found(request)
            if exc.status_code in (404, 405)
            else render(request, "refused.html", {}, exc.status_code)
        )

    return app
