"""Blobs: resumable, verified, stored once; a case is complete when all its pages are in."""

from __future__ import annotations

import uuid

from server_helpers import accepted_payload, case_no_for, make_event, sha

from sync import protocol


def test_upload_cut_in_the_middle_resumes_from_head(enrolled_device):
    data = bytes(range(256)) * 100
    digest = sha(data)
    assert enrolled_device.head_blob(digest).status_code == 404
    first = enrolled_device.put_blob(digest, data[:10_000], 0, len(data))
    assert first.status_code == 200 and first.json() == {"sha256": digest, "size": 10_000, "complete": False}
    head = enrolled_device.head_blob(digest)
    assert head.status_code == 200 and head.headers["X-Blob-Size"] == "10000"
    offset = int(head.headers["X-Blob-Size"])
    rest = enrolled_device.put_blob(digest, data[offset:], offset, len(data))
    assert rest.json() == {"sha256": digest, "size": len(data), "complete": True}
    stored = enrolled_device.server.blob_dir / digest[:2] / digest
    assert stored.read_bytes() == data
    assert not stored.with_name(digest + ".part").exists()
    assert enrolled_device.head_blob(digest).headers["X-Blob-Size"] == str(len(data))


def test_wrong_offset_answers_409_with_held_size(enrolled_device):
    data = b"x" * 5000
    digest = sha(data)
    enrolled_device.put_blob(digest, data[:2000], 0, len(data))
    response = enrolled_device.put_blob(digest, data[3000:], 3000, len(data))
    assert response.status_code == 409
    assert response.headers["X-Blob-Size"] == "2000"
    assert response.json()["code"] == "offset_mismatch"


def test_hash_mismatch_is_discarded_with_422(enrolled_device):
    claimed = sha(b"the real page")
    response = enrolled_device.put_blob(claimed, b"a corrupted page", 0, len(b"a corrupted page"))
    assert response.status_code == 422
    assert response.json()["code"] == "hash_mismatch"
    assert enrolled_device.head_blob(claimed).status_code == 404


def test_complete_blob_is_kept_once(enrolled_device):
    data = b"same page for two cases"
    digest = sha(data)
    enrolled_device.put_blob(digest, data, 0, len(data))
    again = enrolled_device.put_blob(digest, data, 0, len(data))
    assert again.status_code == 200 and again.json()["complete"] is True
    assert list((enrolled_device.server.blob_dir / digest[:2]).iterdir()) == [
        enrolled_device.server.blob_dir / digest[:2] / digest
    ]


def test_case_becomes_complete_when_last_blob_arrives(accepted_case):
    device = accepted_case.device
    cursor = device.pull()["cursor"]
    (first_sha, first), (last_sha, last) = accepted_case.blobs.items()
    device.put_blob(first_sha, first, 0, len(first))
    assert device.pull(cursor)["changes"] == []
    half = len(last) // 2
    device.put_blob(last_sha, last[:half], 0, len(last))
    assert device.pull(cursor)["changes"] == []
    device.put_blob(last_sha, last[half:], half, len(last))
    [change] = device.pull(cursor)["changes"]
    assert change["case_no"] == accepted_case.case_no
    assert {k: change["data"][k] for k in ("status", "complete")} == {"status": "submitted", "complete": True}


def test_case_pushed_after_its_blobs_is_complete_at_once(enrolled_device, blob_pages):
    for digest, data in blob_pages.items():
        enrolled_device.put_blob(digest, data, 0, len(data))
    enrolled_device.push(
        make_event(
            protocol.CASE_ACCEPTED,
            str(uuid.uuid4()),
            accepted_payload(case_no_for(enrolled_device, 9), list(blob_pages)),
        )
    )
    [change] = enrolled_device.pull()["changes"]
    assert change["data"]["complete"] is True


def test_one_status_query_answers_for_many_blobs_in_order(enrolled_device):
    whole, partial, unseen = b"whole page" * 500, b"partial page" * 500, b"never sent"
    enrolled_device.put_blob(sha(whole), whole, 0, len(whole))
    enrolled_device.put_blob(sha(partial), partial[:1234], 0, len(partial))
    asked = [sha(unseen), sha(whole).upper(), sha(partial)]
    response = enrolled_device.client.post(
        f"{protocol.API}/blobs/status", json={"sha256": asked}, headers=enrolled_device.headers
    )
    assert response.status_code == 200, response.text
    assert response.json()["blobs"] == [
        {"sha256": sha(unseen), "size": 0, "complete": False},
        {"sha256": sha(whole), "size": len(whole), "complete": True},
        {"sha256": sha(partial), "size": 1234, "complete": False},
    ]


def test_a_status_query_refuses_bad_names_and_oversized_lists(enrolled_device):
    url, headers = f"{protocol.API}/blobs/status", enrolled_device.headers
    bad = enrolled_device.client.post(url, json={"sha256": ["not-a-hash"]}, headers=headers)
    assert bad.status_code == 400 and bad.json()["code"] == "bad_sha256"
    too_many = enrolled_device.client.post(
        url, json={"sha256": [sha(str(i).encode()) for i in range(protocol.MAX_BLOB_QUERY + 1)]}, headers=headers
    )
    assert too_many.status_code == 422
    anonymous = enrolled_device.client.post(url, json={"sha256": []})
    assert anonymous.status_code == 401


def test_stale_lower_offset_drops_the_overlap(enrolled_device):
    data = bytes(range(256)) * 40
    digest = sha(data)
    enrolled_device.put_blob(digest, data[:6000], 0, len(data))
    response = enrolled_device.put_blob(digest, data[4000:], 4000, len(data))  # 2000 bytes already held
    assert response.status_code == 200 and response.json() == {"sha256": digest, "size": len(data), "complete": True}
    assert (enrolled_device.server.blob_dir / digest[:2] / digest).read_bytes() == data


def test_whole_part_is_verified_by_head(enrolled_device):
    data = b"a page whose upload handler died before the rename" * 50
    digest = sha(data)
    # A PUT began (its row is written before any byte), then its handler died after writing
    # every byte, before verifying and renaming them.
    begun = enrolled_device.put_blob(digest, data[:100], 0, len(data))
    assert begun.json() == {"sha256": digest, "size": 100, "complete": False}
    part = enrolled_device.server.blob_dir / digest[:2] / f"{digest}.part"
    part.write_bytes(data)
    head = enrolled_device.head_blob(digest)
    assert head.headers["X-Blob-Complete"] == "true" and head.headers["X-Blob-Size"] == str(len(data))
    assert not part.exists() and part.with_name(digest).read_bytes() == data
