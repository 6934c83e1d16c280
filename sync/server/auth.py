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

from . import login_guard
from .db import Device, EnrolCode, OrgUnit, Role, User, rows_matched, utcnow
from .errors import ApiError
from .login_guard import LoginRules

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


# Checked when no account has the typed name, so an unknown name costs one scrypt like a known one.
_NOBODY_HASH = hash_password("onewindow-window-nobody")


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
    if device.revoked and device.wipe_ordered_at is not None and device.wiped_at is None:
        # A window revoked before it pulled its wipe order still learns of it from this answer.
        raise ApiError(401, protocol.ERROR_DEVICE_WIPE, "本设备已被停用并被命令擦除本机数据", headers)
    if device.revoked:
        raise ApiError(401, "device_revoked", "本设备已被停用，请联系管理员", headers)
    now = utcnow()
    if device.last_seen_at is None or now - device.last_seen_at > LAST_SEEN_EVERY:
        device.last_seen_at = now
    return DeviceIdentity(device.id, device.device_code, device.name, device.org_code)


def login(
    sessions: sessionmaker[Session],
    device: DeviceIdentity,
    username: str,
    password: str,
    rules: LoginRules = LoginRules(),
) -> protocol.LoginResponse:
    """Check a clerk's credentials; only users of the device's org unit may log in.

    Every answer costs one scrypt or none: an unknown name is checked against a dummy hash,
    and a locked name or throttled device is refused before any check, known or not. The
    check runs outside any transaction (on SQLite a transaction holds the write lock)."""
    name = (username or "").strip()
    plain = login_guard.is_plain_name(name)
    now = utcnow()
    with sessions() as session:
        standing = login_guard.standing(session, name if plain else "", device.id, now)
        user = (
            session.execute(
                select(User).where(User.username == name, User.org_code == device.org_code)
            ).scalar_one_or_none()
            if plain
            else None
        )
    if standing.device_blocked_until is not None:
        log.info("login refused on device %s: too many failed logins", device.id)
        raise ApiError(429, "too_many_attempts", _throttled_message(rules, standing.device_blocked_until, now))
    if standing.name_locked_until is not None:
        log.info("login refused on device %s: name locked", device.id)
        raise ApiError(429, "locked_out", _locked_message(rules, standing.name_locked_until, now))
    known = user is not None and user.active
    if not verify_password(password or "", user.password_hash if user is not None else _NOBODY_HASH) or not known:
        after = login_guard.record_failure(sessions, rules, name if plain else None, device.id, now)
        log.info("failed login on device %s", device.id)
        if after.name_locked_until is not None:
            raise ApiError(429, "locked_out", _locked_message(rules, after.name_locked_until, now))
        if after.device_blocked_until is not None:
            raise ApiError(429, "too_many_attempts", _throttled_message(rules, after.device_blocked_until, now))
        raise ApiError(401, "bad_credentials", "用户名或密码错误")
    assert user is not None
    if standing.name_counted:
        with sessions() as session, session.begin():
            login_guard.clear_name(session, name)
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


def _minutes_left(until: dt.datetime, now: dt.datetime) -> int:
    return max(1, -(-int((until - now).total_seconds()) // 60))


def _locked_message(rules: LoginRules, until: dt.datetime, now: dt.datetime) -> str:
    return (
        f"密码连续输错 {rules.max_failures} 次，账号已被锁定 {rules.lockout_minutes} 分钟。"
        f"请 {_minutes_left(until, now)} 分钟后再试，或联系系统管理员。"
    )


def _throttled_message(rules: LoginRules, until: dt.datetime, now: dt.datetime) -> str:
    return f"本设备登录失败次数过多，请 {_minutes_left(until, now)} 分钟后再试，或联系系统管理员。"


def enrol_code_expiry(ttl_hours: float) -> dt.datetime:
    return utcnow() + dt.timedelta(hours=ttl_hours)
