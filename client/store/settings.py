"""Facts about this installation kept in the store: enrolment identity and sync cursor."""

from __future__ import annotations

from dataclasses import dataclass
from typing import overload

from sqlalchemy.orm import Session

from .models import Setting


@dataclass(frozen=True)
class DeviceIdentity:
    device_id: str
    device_code: str
    org_code: str
    org_name: str
    region_code: str
    server_url: str


_IDENTITY_KEYS = ("device_id", "device_code", "org_code", "org_name", "region_code", "server_url")


@overload
def get_setting(session: Session, key: str) -> str | None: ...
@overload
def get_setting(session: Session, key: str, default: str) -> str: ...
@overload
def get_setting(session: Session, key: str, default: str | None) -> str | None: ...


def get_setting(session: Session, key: str, default: str | None = None) -> str | None:
    row = session.get(Setting, key)
    return row.value if row else default


def put_setting(session: Session, key: str, value: str) -> None:
    row = session.get(Setting, key)
    if row is None:
        session.add(Setting(key=key, value=value))
    else:
        row.value = value


def load_identity(session: Session) -> DeviceIdentity | None:
    values = {k: get_setting(session, k) for k in _IDENTITY_KEYS}
    present = {k: v for k, v in values.items() if v is not None}
    if len(present) != len(values):
        return None
    return DeviceIdentity(**present)


def save_identity(session: Session, identity: DeviceIdentity) -> None:
    for key in _IDENTITY_KEYS:
        put_setting(session, key, getattr(identity, key))
