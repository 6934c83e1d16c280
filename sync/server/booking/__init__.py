"""云叫号 appointments: a hall's booking slots, the public booking pages (/b/<org>) and API
(/b/api/…), check-in by the ticket request's ID number (sync.server.queue), no-shows,
and the hall's day in figures (`statistics`). See docs/booking.md.
"""

from __future__ import annotations

from fastapi import FastAPI

from ..context import ServerContext
from ..public.limits import PublicLimits
from . import console_page
from .limits import BookingLimits
from .pages import PREFIX, build

__all__ = ["PREFIX", "BookingLimits", "console_page", "install"]


def install(app: FastAPI, ctx: ServerContext | None, limits: BookingLimits | None = None) -> None:
    rules = limits or BookingLimits()
    app.mount(PREFIX, build(ctx, rules, PublicLimits()), name="booking")
