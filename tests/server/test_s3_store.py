"""The S3 blob store against a real SeaweedFS: parts, resume, hash check, crash leftovers.

Which S3 operations a store made is observed through botocore's public event hooks on a
client of the test's own (the requests still go to SeaweedFS).
"""

from __future__ import annotations

import hashlib
import random
import time
import uuid

import boto3
import pytest

from sync.server.blobstore.base import Held
from sync.server.blobstore.s3 import MIB, VERIFIED, S3BlobStore, client_config

KEY = "test-key"
SECRET = "test-secret"


def content(size: int, seed: int = 1) -> tuple[bytes, str]:
    data = random.Random(seed).randbytes(size)
    return data, hashlib.sha256(data).hexdigest()


def write_in_pieces(upload, data: bytes, piece: int = MIB) -> None:
    for start in range(0, len(data), piece):
        upload.write(data[start : start + piece])


class Watched:
    """A store on a client whose S3 operations are recorded by name."""

    def __init__(self, endpoint: str, bucket: str) -> None:
        client = boto3.client(
            "s3",
            endpoint_url=endpoint,
            aws_access_key_id=KEY,
            aws_secret_access_key=SECRET,
            region_name="us-east-1",
            config=client_config(),
        )
        self.calls: list[str] = []
        client.meta.events.register("before-call.s3", self._record)
        self.store = S3BlobStore(client, bucket, endpoint=endpoint)

    def _record(self, model, **_kwargs) -> None:
        self.calls.append(model.name)


@pytest.fixture
def bucket(seaweed) -> str:
    """A fresh bucket, made by `connect` as an app process would."""
    name = f"test-{uuid.uuid4().hex[:16]}"
    S3BlobStore.connect(seaweed.endpoint, name, KEY, SECRET)
    return name


def test_a_whole_upload_in_one_session_is_hashed_as_it_streams_and_promoted(seaweed, bucket):
    data, name = content(20 * MIB)
    watched = Watched(seaweed.endpoint, bucket)
    store = watched.store

    upload = store.open_upload(name, len(data))
    assert upload.held == 0
    write_in_pieces(upload, data)
    assert upload.finish() == name
    assert store.held(name) == Held(len(data), False)  # finished, not yet promoted
    upload.promote()

    assert store.held(name) == Held(len(data), True)
    assert "GetObject" not in watched.calls  # verified from the stream, never read back
    assert watched.calls.count("UploadPart") == 3  # 8 + 8 MiB while writing, the 4 MiB tail at finish
    assert store.read(name, len(data)) == data
    assert list(store.unfinished()) == []


def test_an_upload_cut_after_13_mib_resumes_from_13_mib_and_is_verified_by_reading_back(seaweed, bucket):
    data, name = content(30 * MIB, seed=2)
    watched = Watched(seaweed.endpoint, bucket)
    store = watched.store

    first = store.open_upload(name, len(data))
    write_in_pieces(first, data[: 13 * MIB])
    # one 8 MiB part while writing; the 5 MiB tail is a part of its own, S3's smallest
    assert first.keep() == 13 * MIB
    assert store.held(name) == Held(13 * MIB, False)
    assert list(store.unfinished()) == [name]

    second = store.open_upload(name, len(data))
    assert second.held == 13 * MIB
    write_in_pieces(second, data[13 * MIB :])
    assert "GetObject" not in watched.calls
    assert second.finish() == name
    assert "GetObject" in watched.calls  # the earlier parts were hashed by reading the staged blob back
    assert store.held(name) == Held(len(data), False)
    second.promote()

    assert store.held(name) == Held(len(data), True)
    assert store.read(name, len(data)) == data
    assert list(store.unfinished()) == []


def test_a_tail_smaller_than_an_s3_part_is_dropped_when_the_client_goes_away(s3_store):
    data, name = content(12 * MIB + 100, seed=3)
    upload = s3_store.open_upload(name, len(data))
    write_in_pieces(upload, data[: 12 * MIB])

    assert upload.keep() == 8 * MIB  # the 4 MiB tail cannot be an S3 part that is not the last
    assert s3_store.held(name) == Held(8 * MIB, False)

    again = s3_store.open_upload(name, len(data))
    assert again.held == 8 * MIB
    write_in_pieces(again, data[8 * MIB :])
    assert again.finish() == name
    again.promote()
    assert s3_store.read(name, len(data)) == data


@pytest.mark.parametrize("size", [2 * MIB, 10 * MIB], ids=["small", "multipart"])
def test_a_wrong_hash_is_discarded_and_nothing_is_held(s3_store, size):
    data, _ = content(size, seed=4)
    _, claimed = content(size, seed=5)
    upload = s3_store.open_upload(claimed, len(data))
    write_in_pieces(upload, data)

    got = upload.finish()
    assert got == hashlib.sha256(data).hexdigest() != claimed
    upload.discard()

    assert s3_store.held(claimed) is None
    assert list(s3_store.unfinished()) == []
    with pytest.raises(FileNotFoundError):
        s3_store.read(claimed, len(data))


def test_a_resumed_upload_with_a_wrong_hash_is_discarded(s3_store):
    data, _ = content(18 * MIB, seed=6)
    _, claimed = content(18 * MIB, seed=7)
    first = s3_store.open_upload(claimed, len(data))
    write_in_pieces(first, data[: 9 * MIB])
    assert first.keep() == 8 * MIB

    second = s3_store.open_upload(claimed, len(data))
    write_in_pieces(second, data[8 * MIB :])
    assert second.finish() != claimed
    second.discard()

    assert s3_store.held(claimed) is None
    assert list(s3_store.unfinished()) == []


def test_a_second_store_finds_the_upload_in_progress_and_resumes_it(seaweed, bucket):
    data, name = content(21 * MIB, seed=8)
    one = S3BlobStore.connect(seaweed.endpoint, bucket, KEY, SECRET)
    first = one.open_upload(name, len(data))
    write_in_pieces(first, data[: 17 * MIB])
    assert first.keep() == 16 * MIB  # two whole parts; the 1 MiB tail is dropped

    other = S3BlobStore.connect(seaweed.endpoint, bucket, KEY, SECRET)  # as another app process
    assert other.held(name) == Held(16 * MIB, False)
    assert list(other.unfinished()) == [name]
    second = other.open_upload(name, len(data))
    assert second.held == 16 * MIB
    write_in_pieces(second, data[16 * MIB :])
    assert second.finish() == name
    second.promote()

    assert one.held(name) == Held(len(data), True)
    assert one.read(name, len(data)) == data


def test_settle_verifies_and_promotes_what_a_crash_left_staged(seaweed, bucket):
    data, name = content(11 * MIB, seed=9)
    crashed = S3BlobStore.connect(seaweed.endpoint, bucket, KEY, SECRET)
    upload = crashed.open_upload(name, len(data))
    write_in_pieces(upload, data)
    assert upload.finish() == name
    # the process dies here, before promote: the blob must not count yet

    restarted = S3BlobStore.connect(seaweed.endpoint, bucket, KEY, SECRET)
    assert restarted.held(name) == Held(len(data), False)
    with pytest.raises(FileNotFoundError):
        restarted.read(name, len(data))
    assert list(restarted.unfinished()) == [name]

    assert restarted.settle(name) == Held(len(data), True)
    assert restarted.read(name, len(data)) == data
    assert list(restarted.unfinished()) == []
    assert restarted.settle(name) == Held(len(data), True)  # settling again changes nothing


def test_settle_removes_a_staged_blob_whose_hash_is_wrong(seaweed, bucket):
    data, _ = content(9 * MIB, seed=10)
    _, claimed = content(9 * MIB, seed=11)
    crashed = S3BlobStore.connect(seaweed.endpoint, bucket, KEY, SECRET)
    upload = crashed.open_upload(claimed, len(data))
    write_in_pieces(upload, data)
    assert upload.finish() != claimed
    # the process dies before discard

    restarted = S3BlobStore.connect(seaweed.endpoint, bucket, KEY, SECRET)
    assert restarted.settle(claimed) is None
    assert restarted.held(claimed) is None
    assert list(restarted.unfinished()) == []


def test_settle_removes_the_marker_left_by_a_crash_right_after_the_flag(seaweed, bucket):
    data, name = content(9 * MIB, seed=12)
    store = S3BlobStore.connect(seaweed.endpoint, bucket, KEY, SECRET)
    upload = store.open_upload(name, len(data))
    write_in_pieces(upload, data)
    assert upload.finish() == name
    # the flag was set (the object copied onto itself, metadata only), the marker not yet removed
    s3 = boto3.client(
        "s3",
        endpoint_url=seaweed.endpoint,
        aws_access_key_id=KEY,
        aws_secret_access_key=SECRET,
        region_name="us-east-1",
        config=client_config(),
    )
    key = store.blob_key(name)
    s3.copy_object(
        Bucket=bucket,
        Key=key,
        CopySource={"Bucket": bucket, "Key": key},
        MetadataDirective="REPLACE",
        Metadata={VERIFIED: "yes"},
    )
    assert store.held(name) == Held(len(data), True)
    assert list(store.unfinished()) == [name]

    assert store.settle(name) == Held(len(data), True)
    assert list(store.unfinished()) == []
    assert store.read(name, len(data)) == data


def test_promotion_flags_the_object_without_copying_its_bytes(seaweed, bucket):
    """The flag is metadata: the object keeps its bytes, and promoting 64 MiB moves none."""
    data, name = content(24 * MIB, seed=14)
    watched = Watched(seaweed.endpoint, bucket)
    upload = watched.store.open_upload(name, len(data))
    write_in_pieces(upload, data)
    assert upload.finish() == name
    assert watched.store.held(name) == Held(len(data), False)  # complete in the store, not yet a blob
    upload.promote()
    assert watched.calls.count("CopyObject") == 1 and "GetObject" not in watched.calls
    assert watched.store.held(name) == Held(len(data), True)
    assert watched.store.read(name, len(data)) == data


def test_an_upload_that_holds_every_byte_but_was_never_completed_finishes_on_the_next_put(s3_store):
    data, name = content(16 * MIB, seed=13)
    upload = s3_store.open_upload(name, len(data))
    write_in_pieces(upload, data)  # two whole parts go out while writing
    wait_for_held(s3_store, name, len(data))
    # the process dies before finish: the size is unknown to settle, so it waits for the next PUT
    assert s3_store.settle(name) == Held(len(data), False)

    again = s3_store.open_upload(name, len(data))
    assert again.held == len(data)
    assert again.finish() == name
    again.promote()
    assert s3_store.held(name) == Held(len(data), True)
    assert s3_store.read(name, len(data)) == data


def test_a_small_blob_is_one_put_to_its_final_key_after_its_hash_matched(seaweed, bucket):
    data, name = content(2 * MIB, seed=14)
    watched = Watched(seaweed.endpoint, bucket)
    upload = watched.store.open_upload(name, len(data))
    write_in_pieces(upload, data, piece=256 * 1024)
    assert upload.finish() == name
    assert watched.store.held(name) is None  # nothing counts before promote
    upload.promote()

    assert "CreateMultipartUpload" not in watched.calls
    assert "CopyObject" not in watched.calls
    assert watched.calls.count("PutObject") == 1
    assert watched.store.held(name) == Held(len(data), True)
    assert watched.store.read(name, len(data)) == data
    assert list(watched.store.unfinished()) == []


def test_a_small_upload_cut_short_keeps_nothing(s3_store):
    data, name = content(2 * MIB, seed=15)
    upload = s3_store.open_upload(name, len(data))
    upload.write(data[:MIB])
    assert upload.keep() == 0
    assert s3_store.held(name) is None
    assert list(s3_store.unfinished()) == []


def test_an_empty_blob(s3_store):
    name = hashlib.sha256(b"").hexdigest()
    upload = s3_store.open_upload(name, 0)
    upload.write(b"")
    assert upload.finish() == name
    upload.promote()

    assert s3_store.held(name) == Held(0, True)
    assert s3_store.read(name, 0) == b""


def test_read_refuses_a_blob_longer_than_the_limit_and_one_it_does_not_hold(s3_store):
    data, name = content(MIB + 7, seed=16)
    upload = s3_store.open_upload(name, len(data))
    upload.write(data)
    assert upload.finish() == name
    upload.promote()

    assert s3_store.read(name, len(data)) == data
    with pytest.raises(ValueError):
        s3_store.read(name, len(data) - 1)
    with pytest.raises(FileNotFoundError):
        s3_store.read(hashlib.sha256(b"absent").hexdigest(), len(data))


def test_describe_names_the_endpoint_and_bucket_and_no_keys(seaweed):
    store = S3BlobStore.connect(seaweed.endpoint, f"test-{uuid.uuid4().hex[:16]}", "AKIDvisible", "very-secret-key")
    text = store.describe()
    assert seaweed.endpoint in text and store.bucket in text
    assert "AKIDvisible" not in text and "very-secret-key" not in text


def test_an_upload_cut_by_the_store_going_down_resumes_from_its_last_part_after_the_restart(own_seaweed, bucket):
    seaweed = own_seaweed  # stopped and started: the worker's other tests keep the session's one
    data, name = content(24 * MIB, seed=17)
    store = S3BlobStore.connect(seaweed.endpoint, bucket, KEY, SECRET)
    upload = store.open_upload(name, len(data))
    write_in_pieces(upload, data[: 9 * MIB])
    wait_for_held(store, name, 8 * MIB)  # the first part went out in the background
    seaweed.stop()
    try:
        # the part of 8 to 16 MiB goes out while SeaweedFS is down; the client then goes away
        write_in_pieces(upload, data[9 * MIB : 20 * MIB])
        assert upload.keep() == 8 * MIB
        with pytest.raises(OSError):  # as a folder's failure would: the protocol answers 503
            store.held(name)
    finally:
        if seaweed.process is None:
            seaweed.start()

    after = S3BlobStore.connect(seaweed.endpoint, bucket, KEY, SECRET)
    assert after.held(name) == Held(8 * MIB, False)
    again = after.open_upload(name, len(data))
    write_in_pieces(again, data[again.held :])
    assert again.finish() == name
    again.promote()
    assert after.read(name, len(data)) == data


def wait_for_held(store: S3BlobStore, name: str, size: int) -> None:
    """Until the store holds `size` bytes of the blob (parts go out in the background)."""
    for _ in range(200):
        held = store.held(name)
        if held is not None and held.size >= size:
            return
        time.sleep(0.05)
    raise AssertionError(f"the store never held {size} bytes of the blob")


def test_a_prefix_keeps_one_installation_apart_from_another_in_the_same_bucket(seaweed, bucket):
    data, name = content(MIB, seed=18)
    city = S3BlobStore.connect(seaweed.endpoint, bucket, KEY, SECRET, prefix="pds/")
    upload = city.open_upload(name, len(data))
    upload.write(data)
    assert upload.finish() == name
    upload.promote()

    other = S3BlobStore.connect(seaweed.endpoint, bucket, KEY, SECRET)
    assert other.held(name) is None
    assert city.held(name) == Held(len(data), True)
    assert city.blob_key(name) == f"pds/blobs/{name[:2]}/{name}"
    s3 = boto3.client(
        "s3",
        endpoint_url=seaweed.endpoint,
        aws_access_key_id=KEY,
        aws_secret_access_key=SECRET,
        region_name="us-east-1",
        config=client_config(),
    )
    keys = [item["Key"] for item in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]
    assert keys == [city.blob_key(name)]
