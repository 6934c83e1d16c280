"""Who a console user is: the back office's `users` row and the roles that may sign in (their
labels are the back office's own, `departments.ROLE_LABELS`)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..db import OrgUnit, Role, User
from ..departments import ROLE_LABELS

# Window roles (clerk, social_worker, bus_staff) work at the counter, not in the console.
CONSOLE_ROLES: tuple[Role, ...] = ("approver", "department_head", "supervisor", "admin")


@dataclass(frozen=True)
class Staff:
    """The signed-in person, as every console page shows them."""

    user_id: int
    username: str
    display_name: str
    role: str
    org_code: str
    org_name: str
    demo: bool = False  # an `init-demo` account: its password is published

    @property
    def role_label(self) -> str:
        label = ROLE_LABELS.get(self.role, self.role)
        return f"{label}（演示账号）" if self.demo else label


def staff_of(user: User, org: OrgUnit) -> Staff:
    return Staff(user.id, user.username, user.display_name, user.role, org.code, org.name, user.demo)


def load_staff(session: Session, user_id: int) -> Staff | None:
    """The user if they may still use the console (active, a console role), else None."""
    row = session.execute(
        select(User, OrgUnit).join(OrgUnit, OrgUnit.code == User.org_code).where(User.id == user_id)
    ).first()
    if row is None:
        return None
    user, org = row
    if not user.active or user.role not in CONSOLE_ROLES:
        return None
    return staff_of(user, org)
