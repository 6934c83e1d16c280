"""The live status page of a kiosk's ticket (扫码查看排队进度): /q/<token>, and the API that makes the token.

A sub-application mounted at /q, outside the API's schema: the QR printed on the kiosk's ticket
opens it on the citizen's phone. See docs/kiosk.md.
"""

from __future__ import annotations

from fastapi import FastAPI

from ..context import ServerContext
from .links import PREFIX, make_link, router, ticket_state
from .pages import build, redact_tokens

__all__ = ["PREFIX", "install", "make_link", "router", "ticket_state"]


def install(app: FastAPI, ctx: ServerContext | None) -> None:
    app.mount(PREFIX, build(ctx), name="ticket-page")
    redact_tokens()  # the token is a capability: never in an access log line
