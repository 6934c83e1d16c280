"""Issue 16, point 2, on the store side: which queued events are ready to push (their case has
no page left to upload) and in which order the pages go up (oldest case first, each case's
pages together), read from the real journal payloads of an encrypted store."""

from __future__ import annotations

import hashlib

from client.store.journal import append_event
from client.store.models import BlobEntry
from client.store.outbox import StoreOutbox
from sync import protocol
from sync.engine import PendingBlob
from tests.sync.window_cases import page_bytes, queue_case


def _page(store, seed: int) -> tuple[str, int]:
    """A page sealed in the store and registered for upload, as a later step would add it."""
    scan = page_bytes(1000 + seed, seed=seed)
    ref = store.pages.put(scan, "scan.jpg")
    with store.sessions.begin() as s:
        s.add(BlobEntry(sha256=ref.sha256, size=len(scan), state="pending"))
    return ref.sha256, len(scan)


def _step(store, case_id: str, type_: str, payload: dict) -> None:
    with store.sessions.begin() as s:
        append_event(s, case_id=case_id, type_=type_, payload=payload, clerk="clerk01", device_id="")


def _sha(scan: bytes) -> str:
    return hashlib.sha256(scan).hexdigest()


def test_a_case_is_held_back_whole_while_one_of_its_events_names_a_page_to_upload(fresh_store):
    outbox = StoreOutbox(fresh_store)
    orphan, orphan_size = _page(fresh_store, 90)  # its case is on the server already: no pending event names it
    a1, a2 = page_bytes(3000, seed=1), page_bytes(2000, seed=2)
    case_a, _ = queue_case(fresh_store, "A001", pages=(a1, a2))
    case_b, _ = queue_case(fresh_store, "A001")  # no pages: always ready
    c1 = page_bytes(4000, seed=3)
    case_c, _ = queue_case(fresh_store, "A001", pages=(c1,))
    supplement, supplement_size = _page(fresh_store, 91)
    _step(
        fresh_store,
        case_a,
        protocol.CASE_SUPPLEMENTED,
        {"materials": [{"code": "M02", "name": "经营场所证明", "blobs": [supplement.upper()]}]},
    )
    signature, signature_size = _page(fresh_store, 92)
    _step(fresh_store, case_b, protocol.OUTREACH_VISITED, {"signature": signature, "run_id": "r1"})
    _step(fresh_store, case_b, protocol.CASE_RATED, {"score": 5})

    assert outbox.pending(100, ready_only=True) == []  # B's visit names its signature page
    assert len(outbox.pending(100)) == 6  # without the filter, every queued event in device order

    assert outbox.pending_blobs(100) == [
        PendingBlob(orphan, orphan_size, ""),
        *sorted(
            [PendingBlob(_sha(a1), len(a1), case_a), PendingBlob(_sha(a2), len(a2), case_a)], key=lambda b: b.sha256
        ),
        PendingBlob(_sha(c1), len(c1), case_c),
        PendingBlob(supplement, supplement_size, case_a),
        PendingBlob(signature, signature_size, case_b),
    ]
    assert outbox.pending_blobs(2) == outbox.pending_blobs(100)[:2]

    outbox.blobs_done([signature, _sha(c1)])
    ready = outbox.pending(100, ready_only=True)
    assert [(e.case_id, e.type) for e in ready] == [
        (case_b, protocol.CASE_ACCEPTED),
        (case_c, protocol.CASE_ACCEPTED),
        (case_b, protocol.OUTREACH_VISITED),
        (case_b, protocol.CASE_RATED),
    ]
    assert [e.device_seq for e in ready] == sorted(e.device_seq for e in ready)

    outbox.blobs_done([_sha(a1), _sha(a2)])  # A's intake pages are up, its 补正 page is not
    assert case_a not in {e.case_id for e in outbox.pending(100, ready_only=True)}
    outbox.blobs_done([supplement])
    assert [e.type for e in outbox.pending(100, ready_only=True) if e.case_id == case_a] == [
        protocol.CASE_ACCEPTED,
        protocol.CASE_SUPPLEMENTED,
    ]
    assert outbox.pending_blobs(100) == [PendingBlob(orphan, orphan_size, "")]

    outbox.record_results(
        [protocol.EventResult(event_id=e.event_id, status="acked") for e in outbox.pending(100, ready_only=True)]
    )
    assert outbox.pending(100, ready_only=True) == [] and outbox.pending_blobs(100) == [
        PendingBlob(orphan, orphan_size, "")
    ]
