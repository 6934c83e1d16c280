"""A schemathesis run against the committed OpenAPI spec (docs/openapi.json) finds no
server error: every operation, with generated data, as an enrolled device of the demo
org unit (so requests get past 401 to the handlers), on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from server_helpers import Server, enrol

from sync import protocol
from sync.server.app import create_app
from sync.server.demo import ensure_demo
from tests.sync.databases import BACKENDS, server_database

SPEC = Path(__file__).resolve().parents[2] / "docs" / "openapi.json"
schema = schemathesis.openapi.from_path(SPEC)


@pytest.fixture(scope="module", params=BACKENDS)
def enrolled_back_office(request, tmp_path_factory) -> Iterator[tuple[object, dict[str, str]]]:
    """One back office per database for the whole run: demo accounts, one enrolled device;
    its app and auth headers."""
    root = tmp_path_factory.mktemp("schemathesis")
    with server_database(request.param, root, request) as db_url:
        yield from _back_office(root, db_url)


def _back_office(root: Path, db_url: str) -> Iterator[tuple[object, dict[str, str]]]:
    demo = ensure_demo(db_url)
    app = create_app(db_url, root / "blobs")
    with TestClient(app) as client:
        device = enrol(client, Server(client, db_url, root / "blobs", demo), demo.enrol_code)
        login = client.post(
            f"{protocol.API}/login",
            headers=device.headers,
            json={"username": demo.clerk_username, "password": demo.clerk_password},
        )
        assert login.status_code == 200, login.text  # the token and the user are real
        yield app, device.headers


@schemathesis.check
def no_event_left_to_retry(ctx, response, case) -> None:
    """A push answered 200 can still hide a server error: an event answered `retry` failed
    inside the server, and the window would send it again for ever."""
    if case.method == "POST" and case.path.endswith("/events") and response.status_code == 200:
        retried = [r for r in response.json()["results"] if r["status"] == "retry"]
        assert not retried, f"events failed inside the server and were answered retry: {retried}"


@schema.parametrize()
@settings(
    max_examples=30,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.function_scoped_fixture],
)
def test_no_server_error(case, enrolled_back_office):
    app, headers = enrolled_back_office
    case.call_and_validate(app=app, headers=headers, checks=[not_a_server_error, no_event_left_to_retry])
