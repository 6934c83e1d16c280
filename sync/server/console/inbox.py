"""The approver's inbox page (GET /console/inbox): what `inbox_query` finds, with its filters.

Every parameter comes from the address bar and is checked there (`check_filter`); a refusal is
a Chinese page, and asking for a department that is not the person's is in the audit log.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from ..deps import Ctx
from . import audit
from .deps import CurrentStaff, Settings
from .inbox_query import (
    COLOUR_LABELS,
    FLAG_LABELS,
    PAGE_SIZE,
    SORT_LABELS,
    InboxRefused,
    inbox_page,
    parse_filter,
)
from .pages import client_address, render_for
from .settings import PREFIX

router = APIRouter(prefix=PREFIX, include_in_schema=False)

VIEW_INBOX = "view_inbox"  # the audit action of a refused inbox request


@router.get("/inbox")
def inbox(
    request: Request,
    ctx: Ctx,
    settings: Settings,
    staff: CurrentStaff,
    sort: str = "due",
    colour: str = "",
    flag: str = "",
    matter: str = "",
    dept: str = "",
    q: str = "",
    after: str = "",
    page: str = "1",
) -> Response:
    number = int(page) if len(page) <= 6 and page.isascii() and page.isdigit() and int(page) > 0 else 1
    try:
        filt = parse_filter(sort=sort, colour=colour, flag=flag, matter=matter, department=dept, search=q, after=after)
        with ctx.sessions() as session:
            found = inbox_page(session, staff, filt, ctx.current_catalog(session))
    except InboxRefused as exc:
        raise audit.refused_view(ctx.sessions, exc, staff, VIEW_INBOX, client_address(request)) from None
    return render_for(
        request,
        settings,
        staff,
        "inbox.html",
        {
            "found": found,
            "filt": filt,
            "page_number": number,
            "first_on_page": (number - 1) * PAGE_SIZE + 1,
            "sort_labels": SORT_LABELS,
            "colour_labels": COLOUR_LABELS,
            "flag_labels": FLAG_LABELS,
            "filtered": bool(filt.colour or filt.flag or filt.matter or filt.department or filt.search),
        },
    )
