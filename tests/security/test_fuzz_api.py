"""Issue #19 "done when": a hypothesis run over every JSON route of the API finds no 500 and
no event answered `retry`.

Bodies are generated JSON (lone surrogates, NULs, huge strings and integers, deep nesting,
wrong types), sent as text so nothing on the client side cleans them, with the enrolled
device's token and without, to every route whose OpenAPI entry takes a JSON body; pushes
also get well-formed envelopes around fuzzed payloads, so the events reach the server's
event handling. Bounded (`max_examples`, derandomized) to stay reproducible and short.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from client.domain.case_numbers import mint_case_no
from sync import protocol
from tests.server.server_helpers import accepted_payload
from tests.sync import conftest as sync_fixtures
from tests.sync.conftest import RunningBackOffice

API = protocol.API
# The back office per backend (SQLite, PostgreSQL) of the fault tests.
backend = sync_fixtures.backend
running_back_office = sync_fixtures.running_back_office
EXAMPLES = 120  # per backend

UNSTORABLE = st.sampled_from(["\ud800", "\udfff", "\x00", "a\x00b", "王\udc00", "\ud83d"])
HUGE_TEXT = st.integers(min_value=1_000, max_value=300_000).map(lambda n: "证" * n)
TEXT = st.text(max_size=40) | UNSTORABLE | UNSTORABLE | HUGE_TEXT
NUMBERS = (
    st.integers()
    | st.sampled_from([2**31, -(2**31) - 1, 2**63, -(2**63) - 1, 10**40, -1, 0])
    | st.floats(allow_nan=False, allow_infinity=False)
)
SCALARS = st.none() | st.booleans() | NUMBERS | TEXT
JSON = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
    max_leaves=12,
)
FIELDS = ("case_no", "applicant", "name", "id_number", "materials", "blobs", "received_at", "outcome", "code")


def deep(depth: int) -> str:
    """JSON nested `depth` levels deep, as text (a JSON library would refuse to write it)."""
    return "[" * depth + "]" * depth


def as_text(value: object) -> str:
    return json.dumps(value, ensure_ascii=True)  # ensure_ascii: lone surrogates become \\udXXX


@st.composite
def fuzzed_payload(draw: st.DrawFn, device: dict) -> dict:
    """A real intake payload of the device (so it gets as far as the database) with some of
    its fields, or only a character of its applicant's name, replaced by fuzz."""
    seq = draw(st.integers(min_value=1, max_value=9999))
    payload = accepted_payload(
        mint_case_no(device["org_unit"]["region_code"], dt.date.today(), device["device_code"], seq)
    )
    if draw(st.booleans()):
        payload["applicant"]["name"] = "王" + draw(UNSTORABLE | st.text(max_size=3))
    for name in draw(st.lists(st.sampled_from(FIELDS), max_size=3)):
        nested = name in ("name", "id_number") and isinstance(payload["applicant"], dict)
        target = payload["applicant"] if nested else payload
        target[name] = draw(JSON)
    if draw(st.booleans()):
        payload[draw(TEXT)] = draw(JSON)
    return payload


@st.composite
def push_body(draw: st.DrawFn, device: dict) -> str:
    events = []
    for seq in range(draw(st.integers(min_value=1, max_value=3))):
        event = {
            "event_id": str(uuid.uuid4()),
            "device_seq": seq + 1,
            "case_id": str(uuid.uuid4()),
            "type": draw(st.just(protocol.CASE_ACCEPTED) | st.sampled_from(protocol.EVENT_TYPES) | TEXT),
            "payload": draw(fuzzed_payload(device) | st.dictionaries(TEXT, JSON, max_size=5)),
            "device_time": dt.datetime.now(protocol.CST).isoformat(),
        }
        if draw(st.integers(0, 4)) == 0:  # now and then a broken envelope field
            event[draw(st.sampled_from(sorted(event)))] = draw(JSON)
        events.append(event)
    version = draw(st.sampled_from([protocol.PROTOCOL_VERSION] * 5 + [0, -1, 2**70]))
    return as_text({"protocol": version, "events": events})


@st.composite
def any_body(draw: st.DrawFn, fields: tuple[str, ...]) -> str:
    """The route's own fields with fuzzed values (to get past the shape checks), or any JSON."""
    shaped = st.fixed_dictionaries({name: SCALARS | JSON for name in fields}).map(as_text)
    unshaped = JSON.map(as_text) | st.integers(500, 200_000).map(deep) | st.just("{") | st.just("")
    return draw(shaped | shaped | unshaped)


def json_routes(openapi: dict) -> list[tuple[str, str, tuple[str, ...]]]:
    """(method, path, the body's top-level field names) of every operation with a JSON body."""
    found = []
    for path, operations in openapi["paths"].items():
        for method, operation in operations.items():
            schema = operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
            if schema is None:
                continue
            if "$ref" in schema:
                schema = openapi["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
            found.append((method.upper(), path, tuple(sorted(schema.get("properties", {})))))
    return sorted(found)


@pytest.fixture
def api(running_back_office: RunningBackOffice) -> tuple[str, dict, list[tuple[str, str, tuple[str, ...]]]]:
    url = running_back_office.url
    enrolled = requests.post(
        f"{url}{API}/enrol", json={"code": running_back_office.enrol_code, "device_name": "模糊测试"}, timeout=30
    )
    assert enrolled.status_code == 200, enrolled.text
    routes = json_routes(requests.get(f"{url}/openapi.json", timeout=30).json())
    assert {(m, p) for m, p, _ in routes} >= {("POST", f"{API}/events"), ("POST", f"{API}/enrol")}, routes
    return url, enrolled.json(), routes


def test_no_500_and_no_retry_for_any_generated_body(api: tuple[str, dict, list[tuple[str, str, tuple[str, ...]]]]):
    url, device, routes = api
    token = device["token"]
    push = ("POST", f"{API}/events")
    pushes = [route for route in routes if route[:2] == push]  # drawn more often: events reach the database

    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example],
    )
    @given(data=st.data())
    def attack(data: st.DataObject) -> None:
        method, path, fields = data.draw(st.sampled_from(routes) | st.sampled_from(pushes), label="route")
        filled = re.sub(r"\{[^}]+\}", lambda _m: data.draw(st.sampled_from(["1", "call", "%00", "%ED%A0%80"])), path)
        body = data.draw(push_body(device) if (method, path) == push else any_body(fields), label="body")
        headers = {"Content-Type": "application/json"}
        if data.draw(st.sampled_from(["token", "token", "token", "none"]), label="credentials") == "token":
            headers["Authorization"] = f"Bearer {token}"
        response = requests.request(
            method, url + filled, data=body.encode("utf-8", "surrogatepass"), headers=headers, timeout=60
        )
        assert response.status_code < 500, (method, filled, response.status_code, response.text[:300])
        if (method, path) == push and response.status_code == 200:
            retried = [r for r in response.json()["results"] if r["status"] == "retry"]
            assert not retried, retried

    attack()
