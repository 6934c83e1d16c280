"""A form on one case: load it for the signed-in staff, render it, refuse a post, audit.

The decision forms (decide.py) and the pause, extension and 容缺 forms (pause.py) all work the
same way: the case is read only if the person may see it (`visible_case`: another org unit's
case is a 404, another department's a 403) and their role may act; a refused post changes
nothing and shows the form again with what was typed and a Chinese message (403 for a person
who may not, 409 for a state that no longer allows it, 400 for bad input); and success and
refusal alike go to the staff audit. One copy of that here keeps the forms from drifting apart.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, Generic, Protocol, TypeVar

from fastapi import Depends, Request
from sqlalchemy.orm import Session
from starlette.responses import RedirectResponse, Response

from ..admin import AdminError
from ..context import ServerContext
from ..db import Case
from ..departments import STAFF_ROLES
from ..deps import Ctx
from . import audit
from .case_view import Refused, case_number, visible_case
from .deps import CsrfChecked, CurrentStaff, FormFields, Settings
from .errors import ConsoleError
from .pages import client_address, render_for
from .settings import ConsoleSettings
from .staff import Staff

# Refusal codes of a person who may not act (whatever the case's state): 403.
FORBIDDEN = frozenset({"role_refused", "other_department", "other_org", "unrouted", "own_request"})

T = TypeVar("T")


class CaseShown(Protocol):
    """What every form's view of a case has: its stored number."""

    @property
    def case_no(self) -> str: ...


V = TypeVar("V", bound=CaseShown)


def audit_case(
    ctx: ServerContext,
    request: Request,
    staff: Staff,
    action: str,
    case_no: str,
    detail: str = "",
    *,
    refused: bool = False,
) -> None:
    """Usernames, case numbers and refusal codes only: no citizen's data in the audit."""
    audit.record_alone(
        ctx.sessions,
        username=staff.username,
        action=action,
        outcome=audit.REFUSED if refused else audit.OK,
        client=client_address(request),
        org_code=staff.org_code,
        detail=f"case {case_no[:40]}" + (f"; {detail}" if detail else ""),
    )


@dataclass(frozen=True)
class Desk:
    """The signed-in person at one request, and the form they posted (empty for a page): what
    every route of a case form gets from FastAPI in one piece (`SignedIn`, `Posted`)."""

    ctx: ServerContext
    request: Request
    settings: ConsoleSettings
    staff: Staff
    form: dict[str, str]

    def audit(self, action: str, case_no: str, detail: str = "", *, refused: bool = False) -> None:
        audit_case(self.ctx, self.request, self.staff, action, case_no, detail, refused=refused)


def _signed_in(request: Request, ctx: Ctx, settings: Settings, staff: CurrentStaff) -> Desk:
    return Desk(ctx, request, settings, staff, {})


def _posted(
    request: Request, ctx: Ctx, settings: Settings, staff: CurrentStaff, _csrf: CsrfChecked, form: FormFields
) -> Desk:
    """A post: signed in first (else the sign-in page), then its CSRF token, as every form checks."""
    return Desk(ctx, request, settings, staff, form)


SignedIn = Annotated[Desk, Depends(_signed_in)]
Posted = Annotated[Desk, Depends(_posted)]


def load_case(
    desk: Desk,
    case_no: str,
    action: str,
    build: Callable[[Session, Case], T],
    *,
    roles: tuple[str, ...] | None = STAFF_ROLES,
    role_message: str = "",
) -> T:
    """`build` of the case if the person may see it and (unless `roles` is None) has one of
    `roles`; otherwise the refusal, audited, as a ConsoleError page."""
    try:
        number = case_number(case_no)
        with desk.ctx.sessions() as session:
            case = visible_case(session, desk.staff, number)
            if roles is not None and desk.staff.role not in roles:
                raise Refused(403, role_message, "role_refused")
            return build(session, case)
    except Refused as refused:
        desk.audit(action, case_no, refused.code, refused=True)
        raise ConsoleError(refused.status, refused.message) from None


@dataclass(frozen=True)
class CaseForm(Generic[V]):
    """One form on one case for one request: who asks, which case (as typed in the URL), the
    audit action and template, and how its module reads, words and refuses it."""

    desk: Desk
    case_no: str
    action: str
    template: str
    build: Callable[[Session, Case], V]
    role_message: str
    conflicts: frozenset[str]  # refusal codes of a state that no longer allows it: 409
    roles: tuple[str, ...] | None = STAFF_ROLES  # None: whoever may see the case
    reword: Callable[[V], str] | None = None  # the message of a 409, from the fresh view
    context: Callable[[], dict[str, Any]] = dict  # the module's extra page context

    def load(self) -> V:
        return load_case(
            self.desk, self.case_no, self.action, self.build, roles=self.roles, role_message=self.role_message
        )

    def page(self, view: V, *, error: str = "", done: str = "", status: int = 200, typed: bool = False) -> Response:
        """The form; `typed`: filled in with what was posted."""
        desk = self.desk
        context = {
            "case": view,
            "error": error,
            "typed": desk.form if typed else {},
            "done": done,
            **self.context(),
        }
        return render_for(desk.request, desk.settings, desk.staff, self.template, context, status)

    def refuse(self, view: V, message: str, code: str) -> Response:
        """Audit the refusal and show the form again, as the case is now, with what was typed."""
        self.desk.audit(self.action, view.case_no, code, refused=True)
        fresh = self.load()
        status = 400
        if code in self.conflicts:
            status = 409
            if self.reword is not None:
                message = self.reword(fresh)
        elif code in FORBIDDEN:
            status = 403
        return self.page(fresh, error=message, status=status, typed=True)

    def submit(self, view: V, run: Callable[[], object], detail: str, url: str) -> Response:
        """Run the back office's function: its refusal (AdminError) shows the form again; its
        success is audited with `detail` and goes on to `url` (303: no repost on reload)."""
        try:
            run()
        except AdminError as exc:
            return self.refuse(view, exc.message, exc.code)
        self.desk.audit(self.action, view.case_no, detail)
        return RedirectResponse(url, status_code=303)
