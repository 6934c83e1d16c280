"""Issue #19 point 6: on a machine without a keyring that keeps secrets, `onewindow enrol`
refuses before it contacts the back office, so the one-time code is not burnt.

The attack reproduced: a headless production machine (no D-Bus session, no keyring
configured, nothing selecting the tests' in-memory keyring) runs the real CLI. Before the
fix the in-memory keyring registered itself on import, enrolment "succeeded", burnt the code
and left a store whose key vanished at exit.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import keyring
import pytest
from keyring.backends import fail, null

from client.store.memory_keyring import MemoryKeyring
from client.store.secrets import keyring_persistent
from sync.api import BackOfficeApi
from tests.support.memory_keyring import TestKeyring

ONEWINDOW = Path(sys.executable).with_name("onewindow")


def headless_environment(home: Path) -> dict[str, str]:
    """What a headless production machine has: no session bus, no display, no keyring chosen."""
    dropped = ("PYTHON_KEYRING_BACKEND", "DBUS_SESSION_BUS_ADDRESS", "DISPLAY", "WAYLAND_DISPLAY")
    env = {k: v for k, v in os.environ.items() if k not in dropped and not k.startswith("KEYRING_")}
    for name, sub in (("HOME", ""), ("XDG_CONFIG_HOME", ".config"), ("XDG_DATA_HOME", ".local/share")):
        (home / sub).mkdir(parents=True, exist_ok=True)
        env[name] = str(home / sub)
    env["XDG_RUNTIME_DIR"] = str(home / "run")
    (home / "run").mkdir(mode=0o700, exist_ok=True)
    return env


@pytest.mark.parametrize("extra", [(), ("--dev-plaintext",)], ids=["encrypted", "dev-plaintext"])
def test_headless_enrol_refuses_and_the_code_stays_valid(live_server, tmp_path, extra):
    data_dir = tmp_path / "window"
    run = subprocess.run(
        [
            str(ONEWINDOW),
            "enrol",
            "--server",
            live_server.url,
            "--code",
            live_server.enrol_code,
            "--data-dir",
            str(data_dir),
            *extra,
        ],
        env=headless_environment(tmp_path / "home"),
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert run.returncode != 0, run.stdout
    assert "登记成功" not in run.stdout
    assert "密钥环" in run.stderr and "gnome-keyring" in run.stderr, run.stderr
    # The back office never saw the code: it enrols a device now.
    answer = BackOfficeApi(live_server.url).enrol(live_server.enrol_code, "补登记窗口")
    assert answer.token and answer.device_code


def test_importing_the_in_memory_keyrings_registers_none_of_them(tmp_path):
    """The side effect behind the attack: importing production and test modules must leave a
    headless machine on keyring's `fail` backend."""
    probe = (
        "import keyring, client.app, client.store.memory_keyring, tests.support.memory_keyring;"
        "from client.store.secrets import keyring_usable;"
        "print(type(keyring.get_keyring()).__module__, keyring_usable())"
    )
    run = subprocess.run(
        [sys.executable, "-c", probe],
        env=headless_environment(tmp_path / "home"),
        capture_output=True,
        text=True,
        timeout=120,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["keyring.backends.fail", "False"]


def test_only_keyrings_that_outlive_the_process_count_as_persistent():
    assert not keyring_persistent(fail.Keyring())
    assert not keyring_persistent(null.Keyring())
    assert not keyring_persistent(MemoryKeyring())  # the demo's
    assert keyring_persistent(TestKeyring())  # the tests' stand-in for the OS keyring
    assert keyring_persistent(keyring.get_keyring())  # selected by the autouse fixture
