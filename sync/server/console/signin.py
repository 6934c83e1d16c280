"""Signing in and out: GET/POST /console/login, POST /console/logout."""

from __future__ import annotations

import re

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from ..deps import Ctx
from .accounts import sign_in, sign_out
from .deps import CsrfChecked, CurrentStaff, FormFields, Settings, SignInCsrfChecked
from .pages import CSRF_FIELD, client_address, forget_cookie, render, set_cookie
from .sessions import look_up, new_token
from .settings import PREFIX, ConsoleSettings

_TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{32,100}")

router = APIRouter(prefix=PREFIX, include_in_schema=False)

# Why the sign-in page is shown again: a fixed set, so nothing from the URL reaches the page.
NOTES = {
    "expired": "登录已失效（长时间未操作或已超过当日最长登录时间），请重新登录。",
    "signed_out": "您已安全退出。",
}


@router.get("/login")
def login_page(request: Request, ctx: Ctx, settings: Settings, reason: str = "") -> Response:
    token = request.cookies.get(settings.session_cookie, "")
    if token and look_up(ctx.sessions, settings, token).staff is not None:
        return RedirectResponse(f"{PREFIX}/", status_code=303)
    return _form_page(request, settings, note=NOTES.get(reason, ""))


@router.post("/login")
async def login(request: Request, ctx: Ctx, settings: Settings, _csrf: SignInCsrfChecked, form: FormFields) -> Response:
    username, password = form.get("username", "").strip(), form.get("password", "")
    problem = _check_input(settings, username, password)
    if problem:
        return _form_page(request, settings, error=problem, username=username, status=400)
    result = await run_in_threadpool(sign_in, ctx.sessions, settings, username, password, client_address(request))
    if result.staff is None:
        return _form_page(request, settings, error=result.message, username=username, status=result.status)
    response = RedirectResponse(f"{PREFIX}/", status_code=303)
    set_cookie(response, request, settings.session_cookie, result.token, settings.absolute_timeout)
    forget_cookie(response, request, settings.signin_cookie)
    return response


@router.post("/logout")
def logout(request: Request, ctx: Ctx, settings: Settings, _csrf: CsrfChecked, staff: CurrentStaff) -> Response:
    sign_out(ctx.sessions, request.cookies.get(settings.session_cookie, ""), staff, client_address(request))
    response = RedirectResponse(f"{PREFIX}/login?reason=signed_out", status_code=303)
    forget_cookie(response, request, settings.session_cookie)
    return response


def _check_input(settings: ConsoleSettings, username: str, password: str) -> str:
    if not username or not password:
        return "请输入用户名和密码。"
    if len(username) > settings.max_username:
        return f"用户名不能超过 {settings.max_username} 个字符。"
    if len(password) > settings.max_password:
        return f"密码不能超过 {settings.max_password} 个字符。"
    if any(ord(char) < 32 or ord(char) == 127 for char in username + password):
        return "用户名或密码中含有无效字符。"
    return ""


def _form_page(
    request: Request,
    settings: ConsoleSettings,
    *,
    note: str = "",
    error: str = "",
    username: str = "",
    status: int = 200,
) -> Response:
    """The sign-in form with its double-submit token, in the form and in a cookie (the browser's
    token is kept, so two open sign-in tabs both still work)."""
    token = request.cookies.get(settings.signin_cookie, "")
    if not _TOKEN_SHAPE.fullmatch(token):
        token = new_token()
    response = render(
        request,
        "login.html",
        {"note": note, "error": error, "username": username, "csrf_field": CSRF_FIELD, "csrf_token": token},
        status,
    )
    set_cookie(response, request, settings.signin_cookie, token, settings.signin_cookie_age)
    return response
