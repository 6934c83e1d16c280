"""The approvers' console (审批控制台): server-rendered pages under /console/ of the back office.

`install` mounts it on the back office's app: the routers per topic (signin, home), the
static files, and the handlers that turn a refusal into a Chinese page or the sign-in page.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.staticfiles import StaticFiles
from starlette.responses import RedirectResponse, Response

from . import (
    case_page,
    dashboard,
    deadline_board,
    decide,
    home,
    inbox,
    pause,
    reports,
    routing,
    signin,
    supervision,
    work_orders,
)
from .errors import ConsoleError, SignInRequired
from .pages import STATIC_DIR, forget_cookie, render, templates
from .settings import PREFIX, ConsoleSettings

__all__ = ["ConsoleSettings", "install"]


def install(app: FastAPI, settings: ConsoleSettings | None = None) -> None:
    app.state.console_settings = settings or ConsoleSettings()
    app.mount(f"{PREFIX}/static", StaticFiles(directory=STATIC_DIR), name="console-static")
    app.include_router(signin.router)
    app.include_router(home.router)
    app.include_router(inbox.router)
    app.include_router(case_page.router)
    app.include_router(pause.router)
    app.include_router(decide.router)
    app.include_router(routing.router)
    app.include_router(work_orders.router)
    app.include_router(dashboard.router)
    app.include_router(deadline_board.router)
    app.include_router(supervision.router)
    app.include_router(reports.router)
    templates.env.globals["escalation_count"] = supervision.header_count  # 电子监察's header count
    # Last: any other console address gets a Chinese page, not the API's JSON 404.
    app.add_api_route(f"{PREFIX}/{{rest:path}}", _not_found, methods=["GET", "POST"], include_in_schema=False)

    @app.exception_handler(ConsoleError)
    async def refused(request: Request, exc: ConsoleError) -> Response:
        return render(request, "error.html", {"message": exc.message}, exc.status)

    @app.exception_handler(SignInRequired)
    async def sign_in_first(request: Request, exc: SignInRequired) -> Response:
        target = f"{PREFIX}/login" + (f"?reason={exc.reason}" if exc.reason else "")
        response = RedirectResponse(target, status_code=303)
        if exc.reason:  # the browser's token is dead: forget it
            forget_cookie(response, request, request.app.state.console_settings.session_cookie)
        return response


def _not_found(rest: str) -> None:
    raise ConsoleError(404, "您要打开的页面不存在。请从工作台重新进入。")
