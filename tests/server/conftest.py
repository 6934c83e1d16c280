"""Fixtures for the back-office server: each names the state the server is in."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from server_helpers import (
    AcceptedCase,
    EnrolledDevice,
    Server,
    accepted_payload,
    case_no_for,
    enrol,
    make_event,
    sha,
)

from sync import protocol
from sync.server.app import create_app
from sync.server.demo import ensure_demo
from tests.support.back_office import sqlite_url


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return sqlite_url(tmp_path)


@pytest.fixture
def fresh_server(tmp_path: Path, db_url: str) -> Iterator[Server]:
    """A running back office with the demo org unit and accounts, no devices yet."""
    demo = ensure_demo(db_url)
    blob_dir = tmp_path / "blobs"
    with TestClient(create_app(db_url, blob_dir)) as client:
        yield Server(client, db_url, blob_dir, demo)


@pytest.fixture
def enrolled_device(fresh_server: Server) -> EnrolledDevice:
    return enrol(fresh_server.client, fresh_server, fresh_server.demo.enrol_code)


@pytest.fixture
def blob_pages() -> dict[str, bytes]:
    pages = [bytes([i]) * 10_000 + b"page" for i in range(2)]
    return {sha(p): p for p in pages}


@pytest.fixture
def accepted_case(enrolled_device: EnrolledDevice, blob_pages: dict[str, bytes]) -> AcceptedCase:
    """A case pushed by the window, its two scanned pages not uploaded yet."""
    case_id = str(uuid.uuid4())
    case_no = case_no_for(enrolled_device, 1)
    [result] = enrolled_device.push(
        make_event(protocol.CASE_ACCEPTED, case_id, accepted_payload(case_no, list(blob_pages)))
    )
    assert result["status"] == "acked", result
    return AcceptedCase(enrolled_device, case_id, case_no, blob_pages)


@pytest.fixture
def complete_case(accepted_case: AcceptedCase) -> AcceptedCase:
    """The accepted case with every scanned page on the server."""
    for digest, data in accepted_case.blobs.items():
        response = accepted_case.device.put_blob(digest, data, 0, len(data))
        assert response.status_code == 200, response.text
    return accepted_case
