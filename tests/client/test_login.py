"""Clerk login online, and offline against the verifier cached by an online login."""

from __future__ import annotations

import datetime as dt

import pytest

from client.services.auth import AuthService
from client.services.errors import ServiceError
from sync.api import BackOfficeApi


@pytest.fixture
def device_api(live_server) -> BackOfficeApi:
    """The API as an enrolled device sees it."""
    token = BackOfficeApi(live_server.url).enrol(live_server.enrol_code, "login-test").token
    return BackOfficeApi(live_server.url, token)


def dead_server():
    return BackOfficeApi("http://127.0.0.1:9", timeout=0.5)  # discard port: nothing listens


def test_online_login_then_offline_login_with_the_same_password(fresh_store, device_api, live_server):
    clerk01 = live_server.clerk
    online = AuthService(fresh_store, lambda: device_api)
    clerk = online.login(clerk01, "123456")
    assert (clerk.display_name, clerk.role, clerk.offline) == ("张敏", "clerk", False)

    offline = AuthService(fresh_store, dead_server)
    again = offline.login(clerk01, "123456")
    assert again.offline and again.display_name == "张敏"
    with pytest.raises(ServiceError, match="用户名或密码错误"):
        offline.login(clerk01, "654321")


def test_offline_login_refused_for_unknown_user_and_after_the_grace_period(fresh_store, device_api, live_server):
    clerk01, worker01 = live_server.clerk, live_server.hall.user("worker01")
    AuthService(fresh_store, lambda: device_api).login(clerk01, "123456")
    with pytest.raises(ServiceError, match="没有该用户的登录记录"):
        AuthService(fresh_store, dead_server).login(worker01, "123456")
    week = lambda: dt.datetime.now() + dt.timedelta(days=7, hours=2)  # noqa: E731
    assert AuthService(fresh_store, dead_server, clock=week).login(clerk01, "123456").offline  # a week covered
    later = lambda: dt.datetime.now() + dt.timedelta(days=11)  # noqa: E731
    with pytest.raises(ServiceError, match="超过10天"):
        AuthService(fresh_store, dead_server, clock=later).login(clerk01, "123456")
    with pytest.raises(ServiceError, match="超过3天"):  # the back office's field policy sets the bound
        AuthService(fresh_store, dead_server, offline_days=lambda: 3, clock=week).login(clerk01, "123456")


def test_wrong_password_online_is_refused_in_chinese(fresh_store, device_api, live_server):
    clerk01 = live_server.clerk
    with pytest.raises(ServiceError) as err:
        AuthService(fresh_store, lambda: device_api).login(clerk01, "nope")
    assert err.value.message == "用户名或密码错误"
