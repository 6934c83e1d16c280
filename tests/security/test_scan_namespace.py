"""Issue #19 point 5: scans share one namespace across org units.

Two org units' real enrolled devices against a real back office on loopback (SQLite and
PostgreSQL): the other org unit's device tries to learn whether a scan exists, to poison
and to discard an upload in progress, to hold a blob's lock so that others wait, and to
open more uploads than a device may. Each test passes only when the attack fails.
"""

from __future__ import annotations

import hashlib
import threading
import uuid
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from sync import protocol
from sync.server.demo import ensure_demo
from sync.server.runner import RunningServer, start_in_thread
from tests.server.server_helpers import accepted_payload, make_event, mint_case_no
from tests.support.back_office import open_hall
from tests.sync.databases import BACKENDS, server_database

API = protocol.API
REGION = "370702000000"  # the demo's, which every hall copies


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class Device:
    """A window of one org unit, speaking HTTP to the back office."""

    url: str
    org_code: str
    device_id: str
    device_code: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def head(self, digest: str) -> requests.Response:
        return requests.head(f"{self.url}{API}/blobs/{digest}", headers=self.headers, timeout=20)

    def status(self, digest: str) -> dict:
        response = requests.post(
            f"{self.url}{API}/blobs/status", json={"sha256": [digest]}, headers=self.headers, timeout=20
        )
        assert response.status_code == 200, response.text
        [answer] = response.json()["blobs"]
        return answer

    def put(self, digest: str, body, offset: int, total: int) -> requests.Response:  # noqa: ANN001
        return requests.put(
            f"{self.url}{API}/blobs/{digest}",
            params={"offset": offset},
            data=body,
            headers={**self.headers, "X-Blob-Length": str(total)},
            timeout=30,
        )

    def push_case(self, blobs: list[str]) -> None:
        case_no = mint_case_no(REGION, __import__("datetime").date.today(), self.device_code, 1)
        event = make_event(protocol.CASE_ACCEPTED, str(uuid.uuid4()), accepted_payload(case_no, blobs))
        response = requests.post(
            f"{self.url}{API}/events",
            json={"protocol": protocol.PROTOCOL_VERSION, "events": [event]},
            headers=self.headers,
            timeout=30,
        )
        assert response.status_code == 200, response.text
        assert response.json()["results"][0]["status"] == "acked", response.text


@dataclass(frozen=True)
class TwoOrgs:
    server: RunningServer
    db_url: str
    blob_dir: Path
    a: Device
    b: Device


def enrol(url: str, code: str, org_code: str, name: str) -> Device:
    response = requests.post(f"{url}{API}/enrol", json={"code": code, "device_name": name}, timeout=20)
    assert response.status_code == 200, response.text
    body = protocol.EnrolResponse.model_validate(response.json())
    return Device(url, org_code, body.device_id, body.device_code, body.token)


@pytest.fixture(params=BACKENDS)
def backend(request) -> str:
    return request.param


def start_two_orgs(backend: str, folder: Path, request, blob_store=None, blob_quota=None) -> Iterator[TwoOrgs]:  # noqa: ANN001
    with server_database(backend, folder / "server", request) as db_url:
        ensure_demo(db_url)  # migrates
        from sync.server.db import make_engine

        engine = make_engine(db_url)
        first, second = open_hall(engine), open_hall(engine)
        blob_dir = folder / "server" / "blobs"
        server = start_in_thread(db_url, blob_store or blob_dir, blob_quota=blob_quota)
        try:
            yield TwoOrgs(
                server,
                db_url,
                blob_dir,
                enrol(server.url, first.enrol_code, first.org_code, "甲机构窗口"),
                enrol(server.url, second.enrol_code, second.org_code, "乙机构窗口"),
            )
        finally:
            server.stop()
            engine.dispose()


@pytest.fixture
def two_orgs(backend, tmp_path, request) -> Iterator[TwoOrgs]:
    """A back office of the test's own with two unrelated org units, one device each."""
    yield from start_two_orgs(backend, tmp_path, request)


class HeldBody:
    """A PUT body that sends its first bytes and then waits, as a slow (or hostile) window
    does, until the test lets it go on."""

    def __init__(self, first: bytes, rest: bytes = b""):
        self.first, self.rest = first, rest
        self.sent = threading.Event()
        self.go = threading.Event()

    def __iter__(self):
        yield self.first
        self.sent.set()
        self.go.wait(60)
        if self.rest:
            yield self.rest


def wait_for_part(blob_dir: Path, digest: str) -> None:
    """Until the server opened the upload's `.part` (the PUT passed `begin_put`)."""
    part = blob_dir / digest[:2] / f"{digest}.part"
    for _ in range(400):
        if part.exists():
            return
        threading.Event().wait(0.05)
    raise AssertionError(f"no upload of {digest} began")


def test_another_org_cannot_learn_that_a_scan_exists(two_orgs):
    page = b"scan of an ID card, org A" * 400
    digest = sha(page)
    assert two_orgs.a.put(digest, page, 0, len(page)).json()["complete"] is True
    stored = two_orgs.blob_dir / digest[:2] / digest
    before = stored.stat()

    # B asks every way there is: nothing held
    assert two_orgs.b.head(digest).status_code == 404
    assert two_orgs.b.status(digest) == {"sha256": digest, "size": 0, "complete": False}
    resumed = two_orgs.b.put(digest, page[100:], 100, len(page))  # "resume" past bytes B never sent
    assert resumed.status_code == 409 and resumed.headers["X-Blob-Size"] == "0"
    empty = two_orgs.b.put(digest, b"", 0, len(page))  # a PUT with no bytes does not answer complete
    assert empty.status_code == 200 and empty.json() == {"sha256": digest, "size": 0, "complete": False}
    forged = two_orgs.b.put(digest, b"x" * len(page), 0, len(page))
    assert forged.status_code == 422 and forged.json()["code"] == "hash_mismatch"

    # A's blob is untouched by all of it
    assert two_orgs.a.head(digest).headers["X-Blob-Complete"] == "true"
    assert stored.read_bytes() == page and stored.stat().st_ino == before.st_ino

    # B holding the page itself sends every byte, then it is B's too; the store keeps one copy
    sent = two_orgs.b.put(digest, page, 0, len(page))
    assert sent.status_code == 200 and sent.json()["complete"] is True
    assert two_orgs.b.head(digest).headers["X-Blob-Complete"] == "true"
    assert stored.stat().st_ino == before.st_ino
    assert sorted(p.name for p in stored.parent.iterdir()) == [digest]


def test_another_org_cannot_poison_or_discard_an_upload_in_progress(two_orgs):
    page = bytes(range(256)) * 200
    digest = sha(page)
    half = len(page) // 2
    cut = two_orgs.a.put(digest, page[:half], 0, len(page))
    assert cut.json() == {"sha256": digest, "size": half, "complete": False}

    assert two_orgs.b.head(digest).status_code == 404
    assert two_orgs.b.status(digest)["size"] == 0
    for offset, body in ((half, b"\0" * (len(page) - half)), (0, b"\0" * len(page)), (0, b"\0" * 10)):
        poisoned = two_orgs.b.put(digest, body, offset, len(page))
        assert poisoned.status_code == 503, poisoned.text  # retried later, like a busy server
        assert "Retry-After" in poisoned.headers

    part = two_orgs.blob_dir / digest[:2] / f"{digest}.part"
    assert part.read_bytes() == page[:half]
    assert two_orgs.a.head(digest).headers["X-Blob-Size"] == str(half)
    done = two_orgs.a.put(digest, page[half:], half, len(page))
    assert done.json() == {"sha256": digest, "size": len(page), "complete": True}
    assert two_orgs.b.head(digest).status_code == 404


def test_a_held_lock_starves_neither_queries_nor_other_orgs(two_orgs):
    """A's PUT sends a first piece and stalls with the blob's lock; status, HEAD and B's PUT
    of the same blob are all answered while it stalls (each request would otherwise wait
    for the lock and time out)."""
    page = b"a page being uploaded slowly" * 100_000
    digest = sha(page)
    body = HeldBody(page[: 1 << 20])
    with ThreadPoolExecutor(1) as pool:
        stalled: Future = pool.submit(two_orgs.a.put, digest, iter(body), 0, len(page))
        try:
            assert body.sent.wait(20)
            wait_for_part(two_orgs.blob_dir, digest)  # A's PUT holds the lock now
            assert two_orgs.a.status(digest)["complete"] is False  # the row answers
            assert two_orgs.a.head(digest).status_code in (200, 404)
            assert two_orgs.b.head(digest).status_code == 404
            other = two_orgs.b.put(digest, page, 0, len(page))
            assert other.status_code == 503 and "Retry-After" in other.headers
            assert not stalled.done()  # all of the above happened while A held the lock
        finally:
            body.go.set()
        kept = stalled.result(timeout=60)
    assert kept.status_code == 200 and kept.json()["complete"] is False


def test_a_device_holds_at_most_four_uploads_at_once(two_orgs):
    pages = [bytes([n]) * 300_000 for n in range(5)]
    bodies = [HeldBody(page[:1000]) for page in pages]
    with ThreadPoolExecutor(4) as pool:
        held = [
            pool.submit(two_orgs.a.put, sha(p), iter(b), 0, len(p)) for p, b in zip(pages[:4], bodies[:4], strict=True)
        ]
        try:
            for page, body in zip(pages[:4], bodies[:4], strict=True):
                assert body.sent.wait(20)
                wait_for_part(two_orgs.blob_dir, sha(page))  # the server took the upload
            fifth = two_orgs.a.put(sha(pages[4]), pages[4], 0, len(pages[4]))
            assert fifth.status_code == 429 and fifth.json()["code"] == "too_many_uploads"
            assert "Retry-After" in fifth.headers
            assert two_orgs.b.put(sha(pages[4]), pages[4], 0, len(pages[4])).json()["complete"] is True
        finally:
            for body in bodies:
                body.go.set()
        assert all(f.result(timeout=60).status_code == 200 for f in held)
    assert two_orgs.a.put(sha(pages[4]), pages[4], 0, len(pages[4])).json()["complete"] is True


def test_naming_another_orgs_scan_in_a_case_does_not_complete_it(two_orgs):
    """The case's completeness (which its window pulls) would otherwise tell B that the
    server holds A's scan."""
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from sync.server.db import Case, make_engine

    page = b"org A's scan, named by org B" * 300
    digest = sha(page)
    assert two_orgs.a.put(digest, page, 0, len(page)).json()["complete"] is True
    two_orgs.b.push_case([digest])
    engine = make_engine(two_orgs.db_url)
    try:

        def b_case_complete() -> bool:
            with Session(engine) as session:
                query = select(Case.complete).where(Case.org_code == two_orgs.b.org_code)
                return bool(session.execute(query).scalar_one())

        assert b_case_complete() is False
        assert two_orgs.b.put(digest, page, 0, len(page)).json()["complete"] is True
        assert b_case_complete() is True
    finally:
        engine.dispose()
