"""The kiosk against a real back office with virtual devices: the service, and Chromium at a
phone's size for the ticket's status page."""

from __future__ import annotations

import pytest

from client.kiosk.service import KioskService
from tests.console.conftest import browser  # noqa: F401  (Chromium, once per session)

OFFICE = "测试县政务服务中心"
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def kiosk_service(enrolled_runtime) -> KioskService:
    """The kiosk's service on an enrolled machine: the queue client and devices the window uses."""
    services = enrolled_runtime.services
    assert services.queue is not None
    return KioskService(services.queue.api, services.hardware, OFFICE)


@pytest.fixture
def phone(browser):  # noqa: F811
    context = browser.new_context(viewport=PHONE, locale="zh-CN", device_scale_factor=2, is_mobile=True)
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()
