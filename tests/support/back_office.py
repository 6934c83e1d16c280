"""One back office per test worker, and a fresh hall (org unit, users, enrolment codes) per test.

Starting a back office costs a process, migrations and a seed: paid once per worker
instead of once per test. Tests stay apart because everything a window sees is scoped
to its org unit; a test that publishes server-wide data (catalog, calendar, policy) or
kills the server asks for a back office of its own with `@pytest.mark.own_back_office`.
"""

from __future__ import annotations

import itertools
import os
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.engine import Engine

from sync.server import admin, departments
from sync.server.demo import (
    DEMO_ORG_NAME,
    DEMO_PASSWORD,
    DEMO_REGION_CODE,
    DEMO_USERS,
    DEMO_VILLAGE_NAME,
    DEMO_VILLAGE_REGION,
    DEMO_VILLAGE_USERS,
)

_serial = itertools.count(1)


@dataclass(frozen=True)
class Hall:
    """A county hall with a village station below it, each with the demo's roles.

    Accounts are made on first use: a password hash costs 50 ms on purpose, and most
    tests log in only the clerk."""

    engine: Engine
    tag: str
    org_code: str
    village_code: str
    enrol_code: str
    village_enrol_code: str
    password: str = DEMO_PASSWORD
    _made: set[str] = field(default_factory=set, repr=False, compare=False)

    def user(self, demo_name: str) -> str:
        """This hall's username for the demo's `demo_name` (clerk01, supervisor01, worker02, …)."""
        username = f"{demo_name}-{self.tag}"
        if demo_name not in self._made:
            org, (display_name, role) = _ACCOUNTS[demo_name]
            admin.add_user(
                self.engine,
                self.village_code if org == "village" else self.org_code,
                username,
                display_name,
                role,
                self.password,
            )
            if role in departments.STAFF_ROLES:  # the hall's approver decides in every department
                codes = [d.code for d in departments.list_departments(self.engine, self.org_code)]
                departments.set_staff_departments(self.engine, username, add=codes)
            self._made.add(demo_name)
        return username

    @property
    def clerk(self) -> str:
        return self.user("clerk01")

    @property
    def supervisor(self) -> str:
        return self.user("supervisor01")

    @property
    def approver(self) -> str:
        return self.user("approver01")

    @property
    def worker(self) -> str:
        """The village station's social worker (demo: worker02)."""
        return self.user("worker02")


_ACCOUNTS = {name: ("county", (display, role)) for name, display, role in DEMO_USERS} | {
    name: ("village", (display, role)) for name, display, role in DEMO_VILLAGE_USERS
}


def open_hall(engine: Engine) -> Hall:
    """A new org unit (same region codes as the demo, so case numbers look alike); its
    usernames carry the hall's tag so halls never share a login."""
    tag = f"{os.getpid() % 100:02d}{next(_serial):04d}"
    org_code, village_code = f"9{tag}", f"9{tag}v"
    admin.create_org_unit(engine, org_code, DEMO_ORG_NAME, DEMO_REGION_CODE, level="county")
    admin.create_org_unit(
        engine, village_code, DEMO_VILLAGE_NAME, DEMO_VILLAGE_REGION, level="village", parent_code=org_code
    )
    departments.departments_from_catalog(engine, org_code)  # as the demo: the village's cases go up to them
    return Hall(
        engine,
        tag,
        org_code,
        village_code,
        admin.issue_enrol_code(engine, org_code),
        admin.issue_enrol_code(engine, village_code),
    )


@dataclass(frozen=True)
class SharedBackOffice:
    url: str
    port: int
    db_url: str
    blob_dir: Path
    engine: Engine  # migrated once; halls are made through it


def sqlite_url(folder: Path) -> str:
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{(folder / 'server.sqlite').as_posix()}"
