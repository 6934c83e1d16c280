"""What console routes depend on, as Annotated types: settings, the posted form, the signed-in
person (`CurrentStaff`) and the CSRF checks (`CsrfChecked`, and `SignInCsrfChecked` for the one
form posted before there is a session).

A failed check raises before the route runs, so a refused post changes nothing but the audit.
"""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, Request

from ..deps import Ctx
from . import audit
from .errors import ConsoleError, SignInRequired
from .forms import read_form
from .pages import CSRF_FIELD, client_address
from .sessions import form_token, look_up
from .settings import ConsoleSettings
from .staff import Staff

CSRF_REFUSED = "页面已失效或来源无法确认，提交未被受理，数据没有任何改动。请返回上一页，刷新后重新提交。"


def _settings(request: Request) -> ConsoleSettings:
    return request.app.state.console_settings


Settings = Annotated[ConsoleSettings, Depends(_settings)]


async def _form(request: Request, settings: Settings) -> dict[str, str]:
    return await read_form(request, settings.max_form_bytes)


FormFields = Annotated[dict[str, str], Depends(_form)]


def _current_staff(request: Request, ctx: Ctx, settings: Settings) -> Staff:
    token = request.cookies.get(settings.session_cookie, "")
    if not token:
        raise SignInRequired()
    found = look_up(ctx.sessions, settings, token)
    if found.staff is None:
        raise SignInRequired("expired" if found.expired else "")
    return found.staff


CurrentStaff = Annotated[Staff, Depends(_current_staff)]


def _csrf_checked(request: Request, ctx: Ctx, settings: Settings, form: FormFields) -> None:
    """The form carries its session's token and comes from this site."""
    token = request.cookies.get(settings.session_cookie, "")
    if token and _same_site(request) and _equal(form.get(CSRF_FIELD, ""), form_token(token)):
        return
    staff = look_up(ctx.sessions, settings, token).staff if token else None
    _refuse(request, ctx, staff.username if staff else "", staff.org_code if staff else None)


CsrfChecked = Annotated[None, Depends(_csrf_checked)]


def _signin_csrf_checked(request: Request, ctx: Ctx, settings: Settings, form: FormFields) -> None:
    """Before a session exists: the form's token equals the sign-in cookie's (double submit)."""
    cookie = request.cookies.get(settings.signin_cookie, "")
    if cookie and _same_site(request) and _equal(form.get(CSRF_FIELD, ""), cookie):
        return
    _refuse(request, ctx, form.get("username", "").strip(), None)


SignInCsrfChecked = Annotated[None, Depends(_signin_csrf_checked)]


def _refuse(request: Request, ctx: Ctx, username: str, org_code: str | None) -> None:
    audit.record_alone(
        ctx.sessions,
        username=username,
        action=audit.CSRF_REFUSED,
        outcome=audit.REFUSED,
        client=client_address(request),
        org_code=org_code,
        detail=f"{request.method} {request.url.path}",
    )
    raise ConsoleError(403, CSRF_REFUSED)


def _equal(sent: str, expected: str) -> bool:
    return bool(sent) and hmac.compare_digest(sent.encode("utf-8"), expected.encode("utf-8"))


def _same_site(request: Request) -> bool:
    """A browser names the page a post came from: it must be this server (when it says)."""
    here = f"{request.url.scheme}://{request.url.netloc}"
    origin = request.headers.get("origin")
    if origin is not None:
        return origin == here
    referer = request.headers.get("referer")
    return referer is None or referer == here or referer.startswith(here + "/")
