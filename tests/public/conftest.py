"""A hall for the public pages: a back office of the test's own (SQLite or PostgreSQL) whose
published office template points the QR at its own /p/, and one window enrolled with it.

The back office believes X-Forwarded-For from loopback (as it believes nginx's), so a test
can speak as several client addresses.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from client.app import ClientConfig, build_runtime
from client.domain.identity import Applicant
from client.services.intake import AcceptResult, IntakeDraft, MaterialInput
from sync.server import publishing
from sync.server.db import make_engine
from sync.server.demo import DEMO_PASSWORD, ensure_demo
from sync.server.runner import start_in_thread
from tests.sync.databases import BACKENDS, server_database

OFFICE_PHONE = "0536-8230000"
MATTER = "370702-XK-0001"
APPLICANT = Applicant("欧阳明月", "身份证", "34052419800101001X", phone="13912345678", address="潍坊市潍城区和平路88号")


@dataclass(frozen=True)
class PublicHall:
    url: str  # the back office
    db_url: str
    engine: Engine
    runtime: Any  # the window (client.app.Runtime)
    clerk: Any
    printer: Any  # the window's virtual receipt printer

    @property
    def sessions(self) -> sessionmaker[Session]:
        return sessionmaker(self.engine, expire_on_commit=False)

    def take_in(self, applicant: Applicant = APPLICANT) -> AcceptResult:
        """A case taken in at the window with every material, pushed to the back office."""
        services = self.runtime.services
        matter = services.intake.matter(MATTER)
        result = services.intake.submit(
            IntakeDraft(applicant, matter.code, tuple(MaterialInput(m.code, True) for m in matter.materials)),
            self.clerk,
        )
        assert result.printed, result.paper_error
        assert services.sync.sync_now().error == ""
        return result

    def qr_link(self) -> str:
        """The link in the QR of the receipt the window printed last."""
        codes = self.printer.last_receipt().qr_codes
        assert len(codes) == 1
        return codes[0]


@pytest.fixture(params=BACKENDS)
def backend(request) -> str:
    return request.param


def open_hall(backend: str, tmp_path, request, virtual_devices) -> Iterator[PublicHall]:
    with server_database(backend, tmp_path / "server", request) as db_url:
        demo = ensure_demo(db_url)
        server = start_in_thread(db_url, tmp_path / "server" / "blobs", forwarded_allow_ips="127.0.0.1")
        engine = make_engine(db_url, create=False)
        runtime = None
        try:
            office = {"office": {"query_url": f"{server.url}/p/", "phone": OFFICE_PHONE}}
            publishing.publish_template(db_url, "office", "2026-12", json.dumps(office), by="admin")
            runtime = build_runtime(ClientConfig(data_dir=tmp_path / "client", demo=True), virtual=virtual_devices)
            runtime.enrolment.enrol(server.url, demo.enrol_code, "一号综合窗口")
            assert runtime.services.sync.sync_now().error == ""  # the office template comes down
            clerk = runtime.services.auth.login("clerk01", DEMO_PASSWORD)
            yield PublicHall(server.url, db_url, engine, runtime, clerk, virtual_devices.printer)
        finally:
            if runtime is not None:
                runtime.close()
            server.stop()
            engine.dispose()


@pytest.fixture
def hall(backend, tmp_path, request, virtual_devices) -> Iterator[PublicHall]:
    yield from open_hall(backend, tmp_path, request, virtual_devices)


@pytest.fixture
def sqlite_hall(tmp_path, request, virtual_devices) -> Iterator[PublicHall]:
    yield from open_hall("sqlite", tmp_path, request, virtual_devices)


from tests.console.conftest import browser  # noqa: E402, F401  (Chromium, once per session)
