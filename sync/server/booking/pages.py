"""The public booking pages under /b/<org>: book a slot, then look up, cancel or change it
with the code and phone. No sign-in and no script (forms only), the public pages' security
headers and per-address request budget, and the booking's own limits (`limits`)."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response
from starlette.templating import Jinja2Templates

from client.domain.tickets import CATEGORIES
from sync import protocol

from ..console.errors import ConsoleError
from ..console.forms import read_form
from ..console.pages import client_address
from ..context import ServerContext
from ..db import OrgUnit, utcnow
from ..errors import ApiError
from ..public import limits as public_limits
from ..public.pages import SECURITY_HEADERS
from . import desk, slots
from .api import API_PREFIX, router_for
from .book import Booked
from .limits import BookingLimits
from .rules import BOOK_AHEAD_DAYS, STATUS_LABELS, BookingError, hall_code

PREFIX = "/b"
MAX_FORM_BYTES = 2048
MAX_MATTERS = 300  # the matter list offered; the rest are named at the window
TEMPLATES_DIR = Path(__file__).parent / "templates"
WEEKDAYS = "一二三四五六日"


def _days(found: list[slots.Slot]) -> list[tuple[str, list[slots.Slot]]]:
    return [
        (f"{day:%m月%d日} 星期{WEEKDAYS[day.weekday()]}", list(group))
        for day, group in itertools.groupby(found, key=lambda s: s.day)
    ]


def _slot_id(text: str) -> int:
    if not (text or "").isascii() or not (text or "").isdigit() or len(text) > 9:  # within an int column
        raise BookingError("no_slot", "请选择一个预约时段")
    return int(text)


def _json_error(status: int, code: str, message: str) -> Response:
    body = protocol.ErrorBody(code=code, message=message).model_dump()
    return JSONResponse(body, status_code=status, headers=SECURITY_HEADERS)


def build(ctx: ServerContext | None, rules: BookingLimits, page_limits: public_limits.PublicLimits) -> FastAPI:
    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
    app.state.ctx = ctx
    app.include_router(router_for(rules))  # /b/api/…, before /b/{org} would take its paths
    templates = Jinja2Templates(directory=TEMPLATES_DIR)
    templates.env.globals.update(
        static=f"{PREFIX}/static", prefix=PREFIX, labels=CATEGORIES, statuses=STATUS_LABELS, ahead=BOOK_AHEAD_DAYS
    )
    app.mount("/static", StaticFiles(directory=Path(__file__).parent / "static"), name="booking-static")

    def context() -> ServerContext:
        assert ctx is not None, "the booking pages need a database"
        return ctx

    def render(request: Request, name: str, values: dict[str, Any], status: int = 200) -> Response:
        response = templates.TemplateResponse(request, name, values, status_code=status)
        response.headers.update(SECURITY_HEADERS)
        return response

    def message(request: Request, heading: str, text: str, status: int) -> Response:
        return render(request, "message.html", {"heading": heading, "message": text}, status)

    async def admitted(request: Request) -> Response | None:
        """The public pages' request budget per address; a booking's own limits come after."""
        verdict = await run_in_threadpool(
            public_limits.admit, context().sessions, page_limits, client_address(request), False, utcnow()
        )
        if verdict.allowed:
            return None
        response = message(request, "访问过于频繁", "您的网络在短时间内访问次数过多，请稍后再试。", 429)
        response.headers["Retry-After"] = str(verdict.retry_after_s)
        return response

    def hall_and_slots(org: str, category: str) -> tuple[bool, list[slots.Slot], list[tuple[str, str]]]:
        try:
            hall_code(org)
        except BookingError:
            return False, [], []
        with context().sessions() as session:
            if session.get(OrgUnit, org) is None:
                return False, [], []
            found = slots.open_slots(session, org, utcnow(), BOOK_AHEAD_DAYS, category or None)
            catalog = context().current_catalog(session)
        matters = [(m.code, m.name) for m in catalog.matters[:MAX_MATTERS]]
        return True, found, matters

    async def booking_page(request: Request, org: str, category: str, status: int = 200, **extra: Any) -> Response:
        category = category if category in CATEGORIES else ""
        known, found, matters = await run_in_threadpool(hall_and_slots, org, category)
        if not known:
            return message(request, "未找到大厅", "该预约地址无效，请向办事大厅咨询正确的预约地址。", 404)
        values = {"org": org, "category": category, "categories": list(CATEGORIES.items()), "form": {}}
        return render(request, "book.html", values | {"days": _days(found), "matters": matters} | extra, status)

    def done(request: Request, org: str, heading: str, booked: Booked) -> Response:
        return render(request, "done.html", {"org": org, "heading": heading, "b": booked})

    @app.get("/{org}", include_in_schema=False)
    async def show(request: Request, org: str, category: str = "") -> Response:
        return await admitted(request) or await booking_page(request, org, category)

    async def posted_form(request: Request) -> Response | dict[str, str]:
        """A posted form within the address's budget and the size bound, or the page refusing it."""
        refused = await admitted(request)
        if refused is not None:
            return refused
        try:
            return await read_form(request, MAX_FORM_BYTES)
        except ConsoleError as exc:
            return message(request, "提交未被受理", exc.message, exc.status)

    @app.post("/{org}", include_in_schema=False)
    async def post(request: Request, org: str) -> Response:
        fields = await posted_form(request)
        if isinstance(fields, Response):
            return fields
        try:
            booked = await run_in_threadpool(
                desk.make_booking,
                context(),
                rules,
                client_address(request),
                org,
                _slot_id(fields.get("slot", "")),
                fields.get("name", ""),
                fields.get("id_number", ""),
                fields.get("phone", ""),
                fields.get("matter") or None,
            )
        except BookingError as exc:
            return await booking_page(request, org, "", exc.status, error=exc.message, form=fields)
        return done(request, org, "预约成功", booked)

    async def mine_page(request: Request, org: str, status: int = 200, **extra: Any) -> Response:
        known, found, _matters = await run_in_threadpool(hall_and_slots, org, "")
        if not known:
            return message(request, "未找到大厅", "该预约地址无效，请向办事大厅咨询正确的预约地址。", 404)
        return render(request, "mine.html", {"org": org, "days": _days(found), "form": {}} | extra, status)

    @app.get("/{org}/mine", include_in_schema=False)
    async def mine(request: Request, org: str) -> Response:
        return await admitted(request) or await mine_page(request, org)

    @app.post("/{org}/mine", include_in_schema=False)
    async def mine_post(request: Request, org: str) -> Response:
        fields = await posted_form(request)
        if isinstance(fields, Response):
            return fields
        code, phone, action = fields.get("code", ""), fields.get("phone", ""), fields.get("action", "look")
        address = client_address(request)
        try:
            if action == "cancel":
                booked = await run_in_threadpool(desk.cancel, context(), rules, address, code, phone)
                return done(request, org, "预约已取消", booked)
            if action == "change":
                slot = _slot_id(fields.get("slot", ""))
                booked = await run_in_threadpool(desk.change, context(), rules, address, code, phone, slot)
                return done(request, org, "改约成功", booked)
            booked = await run_in_threadpool(desk.look_up, context(), rules, address, code, phone)
            return done(request, org, "我的预约", booked)
        except BookingError as exc:
            return await mine_page(request, org, exc.status, error=exc.message, form=fields)

    @app.exception_handler(ApiError)
    async def api_error(_request: Request, exc: ApiError) -> Response:
        return _json_error(exc.status, exc.code, exc.message)

    @app.exception_handler(RequestValidationError)
    async def invalid(_request: Request, _exc: RequestValidationError) -> Response:
        return _json_error(422, "invalid_request", "请求数据格式不正确")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        status = 404 if exc.status_code in (404, 405) else exc.status_code
        if request.url.path.startswith(f"{PREFIX}{API_PREFIX}/"):
            return _json_error(status, "not_found", "请求的服务不存在")
        return message(request, "未找到页面", "该地址无效。", status)

    return app
