"""Rendering console pages: the Jinja2 templates (package data) and the headers every page gets."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.templating import Jinja2Templates

from .sessions import form_token
from .settings import PREFIX, ConsoleSettings
from .staff import Staff

CSRF_FIELD = "csrf_token"  # the hidden field of every form

TEMPLATES_DIR = Path(__file__).parent / "templates"
STATIC_DIR = Path(__file__).parent / "static"

templates = Jinja2Templates(directory=TEMPLATES_DIR)
templates.env.globals["static"] = f"{PREFIX}/static"
templates.env.globals["console"] = PREFIX

# No inline script or style, no framing, forms post only back here.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; "
        "form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


def render(request: Request, name: str, context: dict[str, Any], status: int = 200) -> Response:
    response = templates.TemplateResponse(request, name, context, status_code=status)
    response.headers.update(SECURITY_HEADERS)
    return response


def render_for(
    request: Request, settings: ConsoleSettings, staff: Staff, name: str, context: dict[str, Any], status: int = 200
) -> Response:
    """A page of a signed-in person: the header (who, org unit, 退出) needs them and their form token."""
    token = form_token(request.cookies.get(settings.session_cookie, ""))
    return render(request, name, {"staff": staff, "csrf_field": CSRF_FIELD, "csrf_token": token, **context}, status)


def client_address(request: Request) -> str:
    return request.client.host if request.client is not None else ""


def is_tls(request: Request) -> bool:
    """Whether the cookie must be Secure: the request came over TLS to this server."""
    return request.url.scheme == "https"


def set_cookie(response: Response, request: Request, name: str, value: str, max_age: dt.timedelta) -> None:
    """Every console cookie: HTTP-only, SameSite=Strict, only for /console, Secure over TLS."""
    response.set_cookie(
        name,
        value,
        max_age=int(max_age.total_seconds()),
        path=PREFIX,
        secure=is_tls(request),
        httponly=True,
        samesite="strict",
    )


def forget_cookie(response: Response, request: Request, name: str) -> None:
    response.delete_cookie(name, path=PREFIX, secure=is_tls(request), httponly=True, samesite="strict")
