"""Who is calling: passwords, device tokens, enrolment codes, clerk login.

Secrets are stored only as hashes: scrypt for passwords (slow on purpose),
SHA-256 for random device tokens and enrolment codes (already high-entropy or
one-time and short-lived).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass
from typing import get_args

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from sync import protocol

from .db import Device, EnrolCode, OrgUnit, Role, User, rows_matched, utcnow
from .errors import ApiError

log = logging.getLogger(__name__)
# How stale a device's "last seen" may get: every window pulls every 30 s, and a write on
# each pull would be most of the database's work for a city's idle windows.
LAST_SEEN_EVERY = dt.timedelta(minutes=5)

_SCRYPT_N, _SCRYPT_R, _SCRYPT_P = 2**14, 8, 1
# No I, L, O, 0, 1: the code is read aloud and typed by hand.
ENROL_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
ENROL_CODE_LENGTH = 8
_BASE36 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"

ROLES: tuple[Role, ...] = get_args(Role)
# What a window may be told (protocol.LoginResponse.role); a department head signs in to the console only.
WINDOW_ROLES: tuple[str, ...] = get_args(protocol.LoginResponse.model_fields["role"].annotation)


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=_SCRYPT_N, r=_SCRYPT_R, p=_SCRYPT_P, dklen=32)
    return f"scrypt${_SCRYPT_N}${_SCRYPT_R}${_SCRYPT_P}${salt.hex()}${digest.hex()}"


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        actual = hashlib.scrypt(
            password.encode("utf-8"), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p), dklen=len(digest) // 2
        )
    except ValueError:
        return False
    return hmac.compare_digest(actual.hex(), digest)


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def new_enrol_code() -> str:
    return "".join(secrets.choice(ENROL_ALPHABET) for _ in range(ENROL_CODE_LENGTH))


def normalize_enrol_code(text: str) -> str:
    """Forgive case, spaces and hyphens in a typed code."""
    return (text or "").strip().upper().replace("-", "").replace(" ", "")


@dataclass(frozen=True)
class DeviceIdentity:
    """The enrolled device behind a request; everything is scoped to its org unit."""

    id: str
    device_code: str
    name: str
    org_code: str


def enrol(sessions: sessionmaker[Session], code: str, device_name: str) -> protocol.EnrolResponse:
    """Trade a one-time code for a device id and token (the token is shown only now)."""
    device_name = (device_name or "").strip()
    if not device_name:
        raise ApiError(400, "bad_device_name", "请填写设备名称")
    code_hash = sha256_hex(normalize_enrol_code(code))
    now = utcnow()
    token = secrets.token_urlsafe(32)
    with sessions() as session, session.begin():
        row = session.get(EnrolCode, code_hash)
        if row is None:
            raise ApiError(403, "bad_enrol_code", "注册码不存在，请核对后重新输入")
        if row.used:
            raise ApiError(403, "bad_enrol_code", "注册码已被使用，请向管理员申请新的注册码")
        if row.expires_at <= now:
            raise ApiError(403, "bad_enrol_code", "注册码已过期，请向管理员申请新的注册码")
        # Conditional update: of two devices racing for one code only one wins.
        won = rows_matched(
            session,
            update(EnrolCode)
            .where(EnrolCode.code_hash == code_hash, EnrolCode.used.is_(False))
            .values(used=True, used_at=now),
        )
        if won != 1:
            raise ApiError(403, "bad_enrol_code", "注册码已被使用，请向管理员申请新的注册码")
        device = Device(
            device_code=_free_device_code(session),
            name=device_name,
            org_code=row.org_code,
            token_hash=sha256_hex(token),
            enrolled_at=now,
            last_seen_at=now,
        )  # enrolling is the device's first contact
        session.add(device)
        session.flush()
        row.device_id = device.id
        org = session.get_one(OrgUnit, row.org_code)  # the code's unit: a foreign key
        answer = protocol.EnrolResponse(
            device_id=device.id,
            device_code=device.device_code,
            token=token,
            org_unit=protocol.OrgUnitInfo(code=org.code, name=org.name, region_code=org.region_code, level=org.level),
        )
    log.info("device %s (%s) enrolled for org unit %s", answer.device_id, answer.device_code, answer.org_unit.code)
    return answer


def _free_device_code(session: Session) -> str:
    for _ in range(50):
        candidate = "".join(secrets.choice(_BASE36) for _ in range(4))
        if session.execute(select(Device.id).where(Device.device_code == candidate)).first() is None:
            return candidate
    raise RuntimeError("no free device code left")


def authenticate(sessions: sessionmaker[Session], authorization: str | None) -> DeviceIdentity:
    """Resolve `Authorization: Bearer <token>` to an enrolled, unrevoked device."""
    with sessions() as session, session.begin():
        return identify(session, authorization)


def identify(session: Session, authorization: str | None) -> DeviceIdentity:
    """`authenticate` inside a transaction the caller holds (and commits): a route that reads
    right after, such as the pull every window makes every 30 s, saves a transaction."""
    scheme, _, token = (authorization or "").partition(" ")
    headers = {"WWW-Authenticate": "Bearer"}
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(401, "unauthorized", "本设备尚未注册或凭据无效，请重新注册", headers)
    device = session.execute(select(Device).where(Device.token_hash == sha256_hex(token.strip()))).scalar_one_or_none()
    if device is None:
        raise ApiError(401, "unauthorized", "本设备尚未注册或凭据无效，请重新注册", headers)
    if device.revoked:
        raise ApiError(401, "device_revoked", "本设备已被停用，请联系管理员", headers)
    now = utcnow()
    if device.last_seen_at is None or now - device.last_seen_at > LAST_SEEN_EVERY:
        device.last_seen_at = now
    return DeviceIdentity(device.id, device.device_code, device.name, device.org_code)


def login(
    sessions: sessionmaker[Session], device: DeviceIdentity, username: str, password: str
) -> protocol.LoginResponse:
    """Check a clerk's credentials; only users of the device's org unit may log in."""
    with sessions() as session:
        user = session.execute(
            select(User).where(User.username == (username or "").strip(), User.org_code == device.org_code)
        ).scalar_one_or_none()
        if user is None or not (user.active and verify_password(password or "", user.password_hash)):
            log.info("failed login for %r on device %s", username, device.id)
            raise ApiError(401, "bad_credentials", "用户名或密码错误")
        if user.role not in WINDOW_ROLES:
            raise ApiError(403, "console_only", "此账号只能登录后台审批控制台，不能在窗口登录")
        # Validated, not constructed: the role was checked against the wire's roles just above.
        return protocol.LoginResponse.model_validate(
            {
                "username": user.username,
                "display_name": user.display_name,
                "role": user.role,
                "org_unit_code": user.org_code,
            }
        )


def enrol_code_expiry(ttl_hours: float) -> dt.datetime:
    return utcnow() + dt.timedelta(hours=ttl_hours)
