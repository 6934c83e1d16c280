"""An in-memory keyring for demo mode: secrets vanish when the program exits.

It is never picked by keyring's own detection (it is viable only when PYTHON_KEYRING_BACKEND
names it) and says it is not persistent, so production refuses it. The demo sets it
explicitly, on a machine without a keyring, and re-enrols at every start.
"""

from __future__ import annotations

import os

import keyring.backend
import keyring.errors


class _NamedInEnvironment:
    """`priority` of a backend that keyring's detection may only pick when the environment
    names it: read on the class, it raises otherwise (keyring then counts it not viable)."""

    def __get__(self, _obj: object, owner: type) -> float:
        if os.environ.get("PYTHON_KEYRING_BACKEND") != f"{owner.__module__}.{owner.__qualname__}":
            raise RuntimeError("in-memory keyring: select it explicitly")
        return 0.5


class MemoryKeyring(keyring.backend.KeyringBackend):
    """Process-local keyring, chosen only explicitly (`keyring.set_keyring`, PYTHON_KEYRING_BACKEND)."""

    persistent = False  # read by client.store.secrets.keyring_persistent

    # Importing this module must never make keyring's detection prefer it over the `fail`
    # backend of a machine without a keyring.
    priority = _NamedInEnvironment()

    def __init__(self):
        super().__init__()
        self._values: dict[tuple[str, str], str] = {}

    def get_password(self, service, username):
        return self._values.get((service, username))

    def set_password(self, service, username, password):
        self._values[(service, username)] = password

    def delete_password(self, service, username):
        if self._values.pop((service, username), None) is None:
            raise keyring.errors.PasswordDeleteError(username)
