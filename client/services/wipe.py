"""The back office's wipe order carried out as a crypto-erase, and a stopped device's refusal.

Order of a wipe: (1) a small marker outside the store records that a wipe is under way and
where to acknowledge it (device id and server address only, no personal data); (2) the
store key leaves the keyring, which makes the SQLCipher store, the sealed pages and the
rescue files unreadable at once; (3) the files go: store, pages, notices, reports, rescue
files; (4) the back office is told, with the device token, which is forgotten only after the
back office took the acknowledgement. A crash or a dead network anywhere after (1) is
finished at the next start (`resume_wipe`), so an acknowledgement never precedes the erase.

The revoked state is kept inside the encrypted store (the device order, `sync.device_command`)
next to the data it protects: after a revoke without wipe the data stay for an administrator,
and after a wipe there is nothing left to log in to.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import event

from client.store.db import Store
from client.store.keys import STORE_KEY
from client.store.outbox import KEY_COMMAND, StoreOutbox
from client.store.secrets import KeyringUnavailable, SecretStore
from client.store.settings import get_setting, load_identity
from sync import protocol
from sync.api import BackOfficeApi, ServerError, ServerUnreachable

from .enrolment import TOKEN

log = logging.getLogger(__name__)

PENDING_ACK = "wipe-pending.json"
STOPPED_MESSAGE = "本设备已被停用，不能登录。请联系管理员。"
WIPED_MESSAGE = "本设备已按后台指令擦除本机数据，不能登录。请联系管理员重新登记。"
# What a wipe removes from the data folder; logs (codes and ids only) and settings stay.
_ERASED_FOLDERS = ("pages", "notices", "reports", "rescue")
_KEY_FILES = ("demo-store.key", "dev-rescue.key")
_STORE_FILES = "client.sqlite*"  # the store, its -wal/-shm, locks, damaged copies set aside


@dataclass(frozen=True)
class WipeOutcome:
    files_removed: int
    acknowledged: bool  # the back office recorded the erase
    pending: bool  # the acknowledgement could not be delivered: the next start sends it


def login_refusal(store: Store) -> str:
    """Why no clerk may log in on this device (empty when they may): the back office revoked
    it or ordered a wipe. Read from the store, so it holds offline."""
    with store.sessions() as s:
        raw = get_setting(s, KEY_COMMAND)
    if not raw:
        return ""
    command = json.loads(raw).get("command")
    return WIPED_MESSAGE if command == protocol.COMMAND_WIPE else STOPPED_MESSAGE


def note_refusal(store: Store, error: ServerError) -> None:
    """Any answer saying the device is revoked (or must wipe) is recorded like the feed's order."""
    if error.status != 401 or error.code not in ("device_revoked", protocol.ERROR_DEVICE_WIPE):
        return
    wipe = error.code == protocol.ERROR_DEVICE_WIPE
    StoreOutbox(store).record_command(
        protocol.DeviceCommandData(
            command=protocol.COMMAND_WIPE if wipe else protocol.COMMAND_REVOKE,
            reason=error.message,
            issued_at=dt.datetime.now(dt.UTC),
        )
    )


def wipe_ordered(store: Store) -> bool:
    with store.sessions() as s:
        raw = get_setting(s, KEY_COMMAND)
    return bool(raw) and json.loads(raw or "{}").get("command") == protocol.COMMAND_WIPE


def erase(store: Store, secrets: SecretStore) -> WipeOutcome:
    """Carry out a wipe order the store holds: marker, key, files, acknowledgement.

    The store is closed here; the caller must not use it afterwards.
    """
    data_dir = Path(store.path).parent
    with store.sessions() as s:
        identity = load_identity(s)
    marker = {
        "device_id": identity.device_id if identity else "",
        "server_url": identity.server_url if identity else "",
    }
    _write_marker(data_dir / PENDING_ACK, marker)
    event.listen(store.engine, "do_connect", _refuse_connection)  # no new, empty store under the old key
    store.close()
    log.warning("wipe ordered by the back office: erasing device %s", marker["device_id"])
    return _finish(data_dir, secrets, marker)


def resume_wipe(data_dir: Path, secrets: SecretStore) -> WipeOutcome | None:
    """At start, before the store is opened: finish a wipe a crash or a dead network interrupted."""
    path = Path(data_dir) / PENDING_ACK
    try:
        marker = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except ValueError:
        marker = {}  # a torn marker: still erase; the acknowledgement needs the address
    log.warning("finishing an interrupted wipe")
    return _finish(Path(data_dir), secrets, marker)


def _finish(data_dir: Path, secrets: SecretStore, marker: dict) -> WipeOutcome:
    secrets.delete(STORE_KEY)  # the crypto-erase proper: nothing below is readable without it
    if secrets.get(STORE_KEY) is not None:
        raise KeyringUnavailable("the keyring kept the store key after deletion")
    removed = 0
    for name in _KEY_FILES:  # the demo's and the development rescue key live in files
        if (data_dir / name).is_file():
            (data_dir / name).unlink()
            removed += 1
    removed += _remove_local_data(data_dir)
    acknowledged, pending = _acknowledge(data_dir, secrets, marker)
    return WipeOutcome(removed, acknowledged, pending)


def _remove_local_data(data_dir: Path) -> int:
    removed = 0
    for folder in _ERASED_FOLDERS:
        target = data_dir / folder
        if target.is_dir():
            removed += sum(1 for p in target.rglob("*") if p.is_file())
            shutil.rmtree(target)
    for target in data_dir.glob(_STORE_FILES):
        if target.is_file():
            target.unlink()
            removed += 1
        elif target.is_dir():
            shutil.rmtree(target)
    return removed


def _acknowledge(data_dir: Path, secrets: SecretStore, marker: dict) -> tuple[bool, bool]:
    """Tell the back office: (acknowledged, still pending). Only its answer, or a definite
    refusal, ends the wipe; then the device token is forgotten with the marker."""
    token, url = secrets.get(TOKEN), marker.get("server_url", "")
    acknowledged = False
    if token and url:
        try:
            answer = BackOfficeApi(url, token, timeout=(3.05, 10)).device_wiped()
        except ServerUnreachable:
            log.warning("wipe done; acknowledgement not delivered, retried at next start")
            return False, True
        except ServerError as exc:
            if exc.status >= 500 or exc.status in (408, 429):
                log.warning("wipe done; back office answered %s, acknowledgement retried at next start", exc.status)
                return False, True
            log.error("wipe done; back office refused the acknowledgement: %s", exc.code)
        else:
            acknowledged = True
            log.warning("wipe acknowledged by the back office at %s", answer.wiped_at.isoformat())
    secrets.delete(TOKEN)
    (data_dir / PENDING_ACK).unlink(missing_ok=True)
    return acknowledged, False


def _refuse_connection(*_args: object) -> None:
    raise StoreWiped("the store was wiped")


class StoreWiped(Exception):
    message = WIPED_MESSAGE


def _write_marker(path: Path, marker: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(marker), encoding="utf-8")
    with open(tmp, "rb+") as fh:
        os.fsync(fh.fileno())
    os.replace(tmp, path)
