"""A window's acknowledgement that it erased itself after a wipe order.

The route takes the device token even when the device is revoked: a wipe is usually
followed by a revoke, and the acknowledgement is the administrator's evidence that the
case data on the laptop are unreadable. The acknowledgement also revokes the device,
because a window without its store key has nothing left to sync with that identity.
"""

from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from sync import protocol

from .auth import sha256_hex
from .db import Device, utcnow
from .errors import ApiError

log = logging.getLogger(__name__)


def acknowledge_wipe(sessions: sessionmaker[Session], authorization: str | None) -> protocol.WipedResponse:
    """Record when the device erased itself; idempotent (a retried acknowledgement keeps the first time)."""
    scheme, _, token = (authorization or "").partition(" ")
    headers = {"WWW-Authenticate": "Bearer"}
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(401, "unauthorized", "本设备尚未注册或凭据无效，请重新注册", headers)
    with sessions() as session, session.begin():
        device = session.execute(
            select(Device).where(Device.token_hash == sha256_hex(token.strip()))
        ).scalar_one_or_none()
        if device is None:
            raise ApiError(401, "unauthorized", "本设备尚未注册或凭据无效，请重新注册", headers)
        if device.wipe_ordered_at is None:
            raise ApiError(409, "no_wipe_ordered", "后台未对本设备下发擦除指令")
        now = utcnow()
        if device.wiped_at is None:
            device.wiped_at = now
            log.info("device %s acknowledged its wipe", device.id)
        if not device.revoked:
            device.revoked, device.revoked_at = True, now
        return protocol.WipedResponse(device_id=device.id, wiped_at=device.wiped_at)
