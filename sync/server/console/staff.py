"""Who a console user is: the back office's `users` row, the roles that may sign in, their labels."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..db import OrgUnit, Role, User

# Window roles (clerk, social_worker, bus_staff) work at the counter, not in the console.
CONSOLE_ROLES: tuple[Role, ...] = ("approver", "department_head", "supervisor", "admin")

ROLE_LABELS: dict[str, str] = {
    "clerk": "窗口人员",
    "social_worker": "村（社区）代办员",
    "bus_staff": "直通车工作人员",
    "approver": "审批人员",
    "department_head": "科室负责人",
    "supervisor": "窗口主管",
    "admin": "系统管理员",
}


@dataclass(frozen=True)
class Staff:
    """The signed-in person, as every console page shows them."""

    user_id: int
    username: str
    display_name: str
    role: str
    org_code: str
    org_name: str

    @property
    def role_label(self) -> str:
        return ROLE_LABELS.get(self.role, self.role)


def staff_of(user: User, org: OrgUnit) -> Staff:
    return Staff(user.id, user.username, user.display_name, user.role, org.code, org.name)


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
