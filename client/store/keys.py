"""The store's encryption keys: one random master secret, two derived keys.

Production keeps the master secret in the OS keyring (`SecretStore`); demo mode keeps it
in a file beside its throw-away data, because a headless demo machine has no keyring
and the demo must survive a restart. The database key and the page key are derived
separately so neither use can reveal the other.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets as _random
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from .errors import StoreKeyMissing
from .secrets import KeyringUnavailable, SecretStore

STORE_KEY = "store-key"
SQLITE_HEADER = b"SQLite format 3\x00"


@dataclass(frozen=True, repr=False)
class StoreKeys:
    db_key: bytes  # raw 32-byte SQLCipher key (no PBKDF2 per connection)
    page_key: bytes  # AES-256-GCM key for scanned pages
    rescue_key: bytes  # AES-256-GCM key for rescue exports of a damaged store

    @classmethod
    def from_master(cls, master_hex: str) -> StoreKeys:
        master = bytes.fromhex(master_hex)
        if len(master) != 32:
            raise ValueError("store master key must be 32 bytes")
        derive = lambda label: hmac.new(master, label, hashlib.sha256).digest()  # noqa: E731
        return cls(derive(b"onewindow/sqlcipher/v1"), derive(b"onewindow/pages/v1"), derive(b"onewindow/rescue/v1"))

    def sqlcipher_pragma(self) -> str:
        return f"PRAGMA key = \"x'{self.db_key.hex()}'\""

    def __repr__(self) -> str:  # never print keys into a log
        return "StoreKeys(<hidden>)"


class MasterKeySource(Protocol):
    def get(self) -> str | None: ...
    def put(self, value: str) -> None: ...


class KeyringMaster:
    """The production place: the OS keyring, under the `onewindow` service."""

    def __init__(self, secrets: SecretStore):
        self.secrets = secrets

    def get(self) -> str | None:
        return self.secrets.get(STORE_KEY)

    def put(self, value: str) -> None:
        self.secrets.put(STORE_KEY, value)


class DemoKeyFile:
    """Demo only: the key in a 0600 file in the demo data folder (demo data are fake)."""

    def __init__(self, path: Path):
        self.path = Path(path)

    def get(self) -> str | None:
        try:
            return self.path.read_text(encoding="ascii").strip() or None
        except FileNotFoundError:
            return None

    def put(self, value: str) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write(value)
            fh.flush()
            os.fsync(fh.fileno())


def is_encrypted_store(db_path: Path) -> bool:
    """True when a store file exists and is not plaintext SQLite (SQLCipher looks random)."""
    try:
        with open(db_path, "rb") as fh:
            head = fh.read(len(SQLITE_HEADER))
    except FileNotFoundError:
        return False
    return bool(head) and head != SQLITE_HEADER


def load_or_create_keys(source: MasterKeySource, db_path: Path) -> StoreKeys:
    """The key for `db_path`; a new one only when no encrypted store could need the old one.

    The new key is read back before use: a keyring that silently drops secrets would
    otherwise leave an encrypted store nobody can open.
    """
    master = source.get()
    if master is None:
        if is_encrypted_store(db_path):
            raise StoreKeyMissing(f"no store key in keyring for {db_path}")
        source.put(_random.token_hex(32))
        master = source.get()
        if master is None:
            raise KeyringUnavailable("keyring did not keep the new store key")
    return StoreKeys.from_master(master)


def store_keys(db_path: Path, *, plaintext: bool, demo: bool, secrets: SecretStore) -> StoreKeys | None:
    """Pick where the key lives for this run; `None` means the plaintext development store.

    Production refuses to run without a usable keyring rather than fall back to
    something weaker: `KeyringUnavailable.message` says what to install.
    """
    from .secrets import keyring_usable

    if plaintext:
        return None
    if demo:
        return load_or_create_keys(DemoKeyFile(Path(db_path).parent / "demo-store.key"), db_path)
    if not keyring_usable():
        raise KeyringUnavailable("no usable keyring backend")
    return load_or_create_keys(KeyringMaster(secrets), db_path)
