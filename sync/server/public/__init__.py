"""The public pages behind the QR on every receipt and notice (背靠背 rating): /p/<token>.

No sign-in and no JavaScript: the token in the address is the capability. `GET /p/<token>`
shows the case's progress with personal data masked and, while the applicant may rate, the
rating form; `POST /p/<token>` stores the rating (扫码评价, 一事一评). No form token is needed:
a cross-site post would have to know the token, and a repeated post is refused by the
one-rating rule (the page then shows what was recorded).

A sub-application mounted at /p: outside the API's schema and dependencies, with its own
not-found page, identical for every wrong address under /p/.
"""

from __future__ import annotations

from fastapi import FastAPI

from ..context import ServerContext
from .access_log import redact_tokens
from .limits import PublicLimits
from .pages import PREFIX, build

__all__ = ["PREFIX", "PublicLimits", "install"]


def install(app: FastAPI, ctx: ServerContext | None, limits: PublicLimits | None = None) -> None:
    app.mount(PREFIX, build(ctx, limits or PublicLimits()), name="public")
    redact_tokens()  # the token is a capability: never in an access log line
