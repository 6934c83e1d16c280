"""The booking API under /b/api/ (JSON, no sign-in: the code and phone are the holder's
credentials), for a hall's own app or mini-program; the same actions and limits as the page.
It lives beside the pages, not under /api/v1/, where every route answers enrolled devices only."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from client.domain.tickets import CATEGORIES

from ..console.pages import client_address
from ..db import utcnow
from ..deps import Ctx
from . import desk, slots
from .book import Booked
from .limits import BookingLimits
from .rules import BOOK_AHEAD_DAYS, STATUS_LABELS, BookingError, hall_code

API_PREFIX = "/api"
MAX_ID = 2**31 - 1  # an integer column on PostgreSQL


class SlotOut(BaseModel):
    id: int
    category: str
    category_label: str
    starts_at: dt.datetime
    capacity: int
    free: int


class BookingIn(BaseModel):
    slot_id: int = Field(ge=1, le=MAX_ID)
    name: str
    id_number: str
    phone: str
    matter_code: str | None = None


class CodeIn(BaseModel):
    code: str
    phone: str


class ChangeIn(CodeIn):
    slot_id: int = Field(ge=1, le=MAX_ID)


class BookingOut(BaseModel):
    category: str
    starts_at: dt.datetime
    matter_code: str | None
    matter_name: str
    status: str
    status_label: str
    code: str = ""  # only in the answer to a booking or a change


def _out(booked: Booked) -> BookingOut:
    return BookingOut(
        category=booked.category,
        starts_at=booked.starts_at,
        matter_code=booked.matter_code,
        matter_name=booked.matter_name,
        status=booked.status,
        status_label=STATUS_LABELS[booked.status],
        code=booked.code,
    )


def router_for(rules: BookingLimits) -> APIRouter:
    """The routes; the fixed paths come before /{org_code}, which would take them."""
    router = APIRouter(prefix=API_PREFIX)

    @router.get("/{org_code}/slots", response_model=list[SlotOut])
    def list_slots(org_code: str, ctx: Ctx, category: str | None = None) -> list[SlotOut]:
        if category is not None and category not in CATEGORIES:
            raise BookingError("bad_category", f"没有这个号类，可选：{'、'.join(CATEGORIES)}")
        with ctx.sessions() as session:
            found = slots.open_slots(session, hall_code(org_code), utcnow(), BOOK_AHEAD_DAYS, category)
        return [SlotOut(**{**s.__dict__, "category_label": CATEGORIES[s.category]}) for s in found]

    @router.post("/lookup", response_model=BookingOut)
    def lookup(body: CodeIn, request: Request, ctx: Ctx) -> BookingOut:
        return _out(desk.look_up(ctx, rules, client_address(request), body.code, body.phone))

    @router.post("/cancel", response_model=BookingOut)
    def cancel(body: CodeIn, request: Request, ctx: Ctx) -> BookingOut:
        return _out(desk.cancel(ctx, rules, client_address(request), body.code, body.phone))

    @router.post("/change", response_model=BookingOut)
    def change(body: ChangeIn, request: Request, ctx: Ctx) -> BookingOut:
        return _out(desk.change(ctx, rules, client_address(request), body.code, body.phone, body.slot_id))

    @router.post("/{org_code}", response_model=BookingOut)
    def make(org_code: str, body: BookingIn, request: Request, ctx: Ctx) -> BookingOut:
        return _out(
            desk.make_booking(
                ctx,
                rules,
                client_address(request),
                hall_code(org_code),
                body.slot_id,
                body.name,
                body.id_number,
                body.phone,
                body.matter_code,
            )
        )

    return router
