"""The display key of a hall: set by an administrator, shown once, kept as its SHA-256.

The screen PC opens the display's address with `?key=…` once; the page keeps the key in a
cookie for the hall's path, so the address bar (and any photo of the screen) no longer
shows it. A wrong key, a hall without a key and an unknown hall look the same.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from ..db import HallDisplay, OrgUnit, session_factory, utcnow

KEY_BYTES = 16  # 128 bits


class UnknownHall(LookupError):
    pass


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def set_display_key(engine: Engine, org_code: str) -> str:
    """A new key for the hall's displays (the old one stops working); the key, to show once."""
    key = secrets.token_urlsafe(KEY_BYTES)
    with session_factory(engine)() as session, session.begin():
        if session.get(OrgUnit, org_code) is None:
            raise UnknownHall(org_code)
        row = session.get(HallDisplay, org_code)
        if row is None:
            session.add(HallDisplay(org_code=org_code, key_sha=_digest(key), set_at=utcnow()))
        else:
            row.key_sha, row.set_at = _digest(key), utcnow()
    return key


def key_matches(sessions: sessionmaker[Session], org_code: str, key: str | None) -> bool:
    if not key or len(key) > 128:
        return False
    with sessions() as session:
        stored = session.execute(select(HallDisplay.key_sha).where(HallDisplay.org_code == org_code)).scalar()
    return stored is not None and hmac.compare_digest(stored, _digest(key))
