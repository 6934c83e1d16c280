"""Issue #19 point 2: a wipe order erases the window (crypto-erase, acknowledged to the back
office) and a device that knows it is revoked refuses every clerk, offline too.

Real parts: the back office on a loopback port (SQLite and PostgreSQL), a window built the way
`onewindow run` builds it (encrypted store, key in the test keyring), enrolled with a one-time
code, a clerk logged in online (so an offline login would succeed), a case with a scanned page
and its notice PDFs; the administrator's real `onewindow-server` commands.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest

from client import cli as window_cli
from client.app import ClientConfig, Runtime, build_runtime
from client.services.enrolment import TOKEN
from client.services.errors import ServiceError
from client.services.wipe import PENDING_ACK
from client.store.keys import STORE_KEY
from client.store.secrets import SERVICE
from sync.engine import SyncReport
from sync.server import admin
from sync.server import cli as server_cli
from sync.server.demo import ensure_demo
from tests.sync.conftest import backend, proxy, running_back_office  # noqa: F401  (fixtures)
from tests.sync.window_cases import queue_case

PAGE = b"\xff\xd8\xff\xe0" + b"scanned ID card page " * 200


def dead_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}"


class Counter:
    """One window and what it holds, for the assertions."""

    def __init__(self, data_dir: Path, server_url: str, enrol_code: str, db_url: str):
        self.data_dir, self.db_url = data_dir, db_url
        self.runtime: Runtime = build_runtime(ClientConfig(data_dir=data_dir, devices="none"))
        identity = self.runtime.enrolment.enrol(server_url, enrol_code, "安全测试窗口")
        self.device_code, self.server_url = identity.device_code, server_url
        demo = ensure_demo(db_url)
        self.clerk, self.password = demo.clerk_username, demo.clerk_password
        assert not self.runtime.services.auth.login(self.clerk, self.password).offline  # caches the verifier
        self.case_id, self.case_no = queue_case(self.runtime.store, self.device_code, pages=(PAGE,))
        self.notices = self.runtime.services.paperwork.issue(self.case_id).documents
        assert self.notices and all(p.exists() for p in self.notices)
        self.pages = [p for p in (data_dir / "pages").rglob("*") if p.is_file()]
        assert self.pages

    def go_offline(self) -> None:
        self.runtime.enrolment.set_server_url(dead_url())

    def files(self) -> list[Path]:
        return [self.data_dir / "client.sqlite", *self.pages, *self.notices]


@pytest.fixture
def counter(tmp_path, running_back_office) -> Iterator[Counter]:  # noqa: F811
    bo = running_back_office
    made = Counter(tmp_path / "window", bo.url, bo.enrol_code, bo.db_url)
    yield made
    made.runtime.close()


def devices_listing(db_url: str, capsys) -> str:
    capsys.readouterr()
    assert server_cli.main(["devices", "--db", db_url]) == 0
    return capsys.readouterr().out


def test_wipe_then_sync_erases_the_window_and_the_back_office_records_it(counter, capsys):
    assert keyring.get_password(SERVICE, STORE_KEY) is not None
    assert server_cli.main(["wipe", counter.device_code, "--db", counter.db_url, "--reason", "设备遗失"]) == 0
    counter.runtime.close()

    # The clerk's next sync, through the real `onewindow sync` command.
    assert window_cli.main(["sync", "--data-dir", str(counter.data_dir)]) == 1
    assert "已按后台指令擦除本机数据，并已回报后台" in capsys.readouterr().out

    assert keyring.get_password(SERVICE, STORE_KEY) is None  # crypto-erase: the key is gone
    assert keyring.get_password(SERVICE, TOKEN) is None
    assert [p for p in counter.files() if p.exists()] == []
    for folder in ("pages", "notices"):
        assert not (counter.data_dir / folder).exists()
    assert not list(counter.data_dir.glob("client.sqlite*"))
    assert not (counter.data_dir / PENDING_ACK).exists()
    row = next(d for d in admin.list_devices(counter.db_url) if d.device_code == counter.device_code)
    assert row.wiped_at is not None and row.revoked
    assert f"{counter.device_code}" in (listing := devices_listing(counter.db_url, capsys)) and "已擦除" in listing


def test_a_running_window_erases_itself_when_its_background_sync_pulls_the_order(counter):
    reports: list[SyncReport] = []
    admin.order_wipe(counter.db_url, counter.device_code, "设备遗失")
    counter.runtime.start_sync_loop(reports.append, interval=0.2)
    counter.runtime.services.sync.wake.set()

    done = threading.Event()
    for _ in range(600):  # a bound on the wait, not a timing assertion
        if not (counter.data_dir / "client.sqlite").exists() and not (counter.data_dir / PENDING_ACK).exists():
            done.set()
            break
        done.wait(0.1)
    assert done.is_set(), reports
    assert keyring.get_password(SERVICE, STORE_KEY) is None
    assert [p for p in counter.files() if p.exists()] == []
    row = next(d for d in admin.list_devices(counter.db_url) if d.device_code == counter.device_code)
    assert row.wiped_at is not None


def test_a_device_revoked_before_it_pulled_its_wipe_order_still_erases(counter):
    admin.order_wipe(counter.db_url, counter.device_code, "设备报废")
    admin.revoke_device(counter.db_url, counter.device_code, "设备报废")

    status = counter.runtime.services.sync.sync_now()
    assert status.revoked and status.wipe_ordered
    outcome = counter.runtime.erase_if_ordered()

    assert outcome is not None and outcome.acknowledged
    assert keyring.get_password(SERVICE, STORE_KEY) is None
    assert [p for p in counter.files() if p.exists()] == []


def test_an_undelivered_acknowledgement_is_sent_at_the_next_start(tmp_path, running_back_office, proxy):  # noqa: F811
    bo = running_back_office
    made = Counter(tmp_path / "window", proxy.url, bo.enrol_code, bo.db_url)
    admin.order_wipe(bo.db_url, made.device_code)
    made.runtime.services.sync.sync_now()
    proxy.drop_response("POST /api/v1/device/wiped")  # the network dies with the answer

    outcome = made.runtime.erase_if_ordered()
    made.runtime.close()
    assert outcome is not None and outcome.pending and not outcome.acknowledged
    assert keyring.get_password(SERVICE, STORE_KEY) is None  # erased before any acknowledgement
    assert [p for p in made.files() if p.exists()] == []
    marker = (made.data_dir / PENDING_ACK).read_text(encoding="utf-8")
    assert made.case_no not in marker and "client.sqlite" not in marker  # ids and an address only

    restarted = build_runtime(ClientConfig(data_dir=made.data_dir, devices="none"))
    try:
        assert not (made.data_dir / PENDING_ACK).exists()
        assert keyring.get_password(SERVICE, TOKEN) is None
        assert not restarted.enrolment.enrolled()
        row = next(d for d in admin.list_devices(bo.db_url) if d.device_code == made.device_code)
        assert row.wiped_at is not None
    finally:
        restarted.close()


def test_a_revoked_device_refuses_offline_login_and_keeps_its_data(counter):
    counter.go_offline()
    assert counter.runtime.services.auth.login(counter.clerk, counter.password).offline  # works before the revoke
    counter.runtime.enrolment.set_server_url(counter.server_url)
    admin.revoke_device(counter.db_url, counter.device_code, "设备遗失")
    assert counter.runtime.services.sync.sync_now().revoked

    counter.go_offline()
    with pytest.raises(ServiceError) as refused:
        counter.runtime.services.auth.login(counter.clerk, counter.password)
    assert refused.value.message.startswith("本设备已被停用")
    # Revoke alone keeps everything for an administrator.
    assert all(p.exists() for p in counter.files())
    assert keyring.get_password(SERVICE, STORE_KEY) is not None
    assert counter.runtime.erase_if_ordered() is None


def test_a_login_answer_saying_revoked_is_remembered_offline(counter):
    admin.revoke_device(counter.db_url, counter.device_code)
    with pytest.raises(ServiceError):
        counter.runtime.services.auth.login(counter.clerk, counter.password)  # online: 401 device_revoked

    counter.go_offline()
    with pytest.raises(ServiceError) as refused:
        counter.runtime.services.auth.login(counter.clerk, counter.password)
    assert refused.value.message.startswith("本设备已被停用")
