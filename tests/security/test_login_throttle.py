"""Issue #19 point 8: guessing clerks' passwords at a window, online and offline.

Online against a real back office on SQLite and PostgreSQL (a server thread on loopback):
five wrong passwords lock the name for every device, an invented name earns the same answers,
a device spraying names is throttled, and every answer costs one scrypt or none, known name or
not. Offline against a real encrypted store: the same rule, kept across a restart of the store.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import requests

import client.services.auth as window_auth
import sync.server.auth as server_auth
from client.services.auth import AuthService
from client.services.errors import ServiceError
from client.store.db import open_store
from client.store.keys import store_keys
from client.store.secrets import SecretStore
from sync import protocol
from sync.api import BackOfficeApi
from sync.server import admin
from sync.server.demo import DEMO_ORG_CODE, DEMO_PASSWORD
from tests.sync.conftest import RunningBackOffice, backend, running_back_office  # noqa: F401 - fixtures (SQLite and PostgreSQL)

CLERK = "clerk01"  # a demo account of DEMO_ORG_CODE


class Counted:
    """The real function, counting its calls: the work an answer cost."""

    def __init__(self, real: Callable[..., object]):
        self.real, self.calls = real, 0

    def __call__(self, *args: object) -> object:
        self.calls += 1
        return self.real(*args)


def _device(back_office: RunningBackOffice, code: str) -> tuple[requests.Session, str]:
    token = BackOfficeApi(back_office.url).enrol(code, "攻击测试窗口").token
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token}"
    return session, back_office.url + protocol.API + "/login"


def _try(device: tuple[requests.Session, str], username: str, password: str) -> requests.Response:
    session, url = device
    return session.post(url, json={"username": username, "password": password}, timeout=20)


def _code(response: requests.Response) -> str:
    body = response.json()
    return body.get("detail", body)["code"]


@pytest.fixture
def verifications(monkeypatch) -> Counted:
    counted = Counted(server_auth.verify_password)
    monkeypatch.setattr(server_auth, "verify_password", counted)
    return counted


def test_five_wrong_passwords_lock_the_name_on_every_device(running_back_office, verifications):  # noqa: F811
    first = _device(running_back_office, running_back_office.enrol_code)
    second = _device(running_back_office, admin.issue_enrol_code(running_back_office.db_url, DEMO_ORG_CODE))

    answers = [_try(first, CLERK, f"guess-{n}") for n in range(5)]
    assert [a.status_code for a in answers] == [401, 401, 401, 401, 429]
    assert _code(answers[-1]) == "locked_out"
    assert "锁定 15 分钟" in answers[-1].json()["message"]
    assert verifications.calls == 5

    right = _try(second, CLERK, DEMO_PASSWORD)  # the right password, from another window
    assert (right.status_code, _code(right)) == (429, "locked_out")
    assert verifications.calls == 5  # refused without being checked

    other = _try(first, "approver01", DEMO_PASSWORD)  # other names are not affected
    assert other.status_code == 200, other.text


def test_an_invented_name_gets_the_same_answers_for_the_same_work(running_back_office, verifications):  # noqa: F811
    device = _device(running_back_office, running_back_office.enrol_code)
    known, invented = [], []
    for n in range(5):
        before = verifications.calls
        known.append(_try(device, CLERK, f"guess-{n}"))
        assert verifications.calls - before == 1
        before = verifications.calls
        invented.append(_try(device, "no-such-clerk", f"guess-{n}"))
        assert verifications.calls - before == 1  # a dummy hash: one scrypt like a real account
    assert [(a.status_code, a.json()) for a in known] == [(a.status_code, a.json()) for a in invented]
    assert _code(known[-1]) == "locked_out"


def test_a_device_spraying_names_is_throttled(running_back_office, verifications):  # noqa: F811
    spraying = _device(running_back_office, running_back_office.enrol_code)
    rules = server_auth.LoginRules()
    answers = [_try(spraying, f"name-{n}", "123456") for n in range(rules.device_max_failures)]
    assert all(a.status_code == 401 for a in answers[:-1])  # never the same name twice: no name locks
    assert (answers[-1].status_code, _code(answers[-1])) == (429, "too_many_attempts")
    checked = verifications.calls

    right = _try(spraying, CLERK, DEMO_PASSWORD)  # even a real clerk waits on that window
    assert (right.status_code, _code(right)) == (429, "too_many_attempts")
    assert verifications.calls == checked

    elsewhere = _device(running_back_office, admin.issue_enrol_code(running_back_office.db_url, DEMO_ORG_CODE))
    assert _try(elsewhere, CLERK, DEMO_PASSWORD).status_code == 200


def test_a_success_resets_the_count(running_back_office):  # noqa: F811
    device = _device(running_back_office, running_back_office.enrol_code)
    for _ in range(2):
        assert [_try(device, CLERK, f"guess-{n}").status_code for n in range(4)] == [401] * 4
        assert _try(device, CLERK, DEMO_PASSWORD).status_code == 200


# The window, offline ------------------------------------------------------------------------


def _open(path: Path):
    return open_store(path, keys=store_keys(path, plaintext=False, demo=False, secrets=SecretStore()))


def _dead_server() -> BackOfficeApi:
    return BackOfficeApi("http://127.0.0.1:9", timeout=0.5)  # the discard port: nothing listens


@pytest.fixture
def window_path(tmp_path, live_server) -> Iterator[Path]:
    """A window's store in which the hall's clerk has logged in online once."""
    path = tmp_path / "window" / "client.sqlite"
    api = BackOfficeApi(live_server.url, BackOfficeApi(live_server.url).enrol(live_server.enrol_code, "离线测试").token)
    store = _open(path)
    AuthService(store, lambda: api).login(live_server.clerk, "123456")
    store.close()
    yield path


def test_offline_lock_out_survives_a_restart(window_path, live_server, monkeypatch):
    clerk = live_server.clerk
    verifications = Counted(window_auth._verifier)
    monkeypatch.setattr(window_auth, "_verifier", verifications)
    store = _open(window_path)
    offline = AuthService(store, _dead_server)
    for n in range(4):
        with pytest.raises(ServiceError, match="用户名或密码错误"):
            offline.login(clerk, f"guess-{n}")
    with pytest.raises(ServiceError, match="已被锁定 15 分钟"):
        offline.login(clerk, "guess-4")
    assert verifications.calls == 5
    store.close()

    store = _open(window_path)  # the program restarted
    with pytest.raises(ServiceError, match="已被锁定"):
        AuthService(store, _dead_server).login(clerk, "123456")
    assert verifications.calls == 5  # refused without being checked
    later = lambda: dt.datetime.now() + dt.timedelta(minutes=16)  # noqa: E731
    assert AuthService(store, _dead_server, clock=later).login(clerk, "123456").offline
    store.close()


def test_offline_unknown_name_costs_the_same_and_locks_the_same(window_path, live_server, monkeypatch):
    verifications = Counted(window_auth._verifier)
    monkeypatch.setattr(window_auth, "_verifier", verifications)
    store = _open(window_path)
    offline = AuthService(store, _dead_server)
    messages = {}
    for name in (live_server.clerk, "never-here"):
        for n in range(5):
            before = verifications.calls
            with pytest.raises(ServiceError) as refused:
                offline.login(name, f"guess-{n}")
            assert verifications.calls - before == 1
        messages[name] = refused.value.message
    assert messages[live_server.clerk] == messages["never-here"]
    assert "已被锁定" in messages["never-here"]
    store.close()
