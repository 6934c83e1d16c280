"""Scans in an S3-compatible object store (SeaweedFS in a city's installation).

The resumable, hash-checked upload maps onto one S3 multipart upload per blob, at the blob's
final key `<prefix>blobs/<sha[:2]>/<sha>`, created with the user metadata
`onewindow-verified: no`:

- written bytes are buffered and sent as parts of `PART` bytes, each in the background while
  the next one arrives; when the client goes away a buffered tail of at least `MIN_PART`
  (S3's smallest part but the last) is still sent, a smaller one is dropped. A client resumes
  from the bytes in the parts uploaded.
- the upload in progress is found again by any app process through `list_multipart_uploads`
  and `list_parts`: nothing about it lives in one process.
- `finish` leaves a marker `<prefix>pending/<sha>` (so start-up finds what a crash left) and
  completes the upload. A session that saw every byte from 0 hashed them as they streamed; a
  resumed one cannot read the earlier parts before completion, so it reads the object back.
- `promote` copies the object onto itself with `onewindow-verified: yes` (metadata only: no
  byte is copied) and removes the marker. Only that flag makes a blob complete, and it is set
  only after the hash matched, so no crash between two steps makes an unverified blob look
  complete; an unverified object still holds every byte for `settle` to verify.
- a blob smaller than a part, hashed whole as it streamed (the pages of a case), skips all
  that: `promote` PUTs it to its final key, already flagged, once `finish` found the right hash.

The store's failures reach the caller as `StoreUnavailable`, an `OSError`, as a folder's would.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from sync.server.blobstore.base import Held

if TYPE_CHECKING:
    from mypy_boto3_s3.client import S3Client

log = logging.getLogger(__name__)

MIB = 1024 * 1024
PART = 8 * MIB
MIN_PART = 5 * MIB  # S3's smallest part, except the last
READ_CHUNK = 1 * MIB
# Parts in flight at once over all the uploads of one store (at most one per upload).
SENDERS = 8

_NOT_FOUND = {"404", "NoSuchKey", "NotFound"}
VERIFIED = "onewindow-verified"  # user metadata: "yes" only once the SHA-256 matched the name


class StoreUnavailable(OSError):
    """The object store failed or could not be reached (the protocol answers 503)."""


def client_config() -> Config:
    """Bounded waits and a few retries: a store restarting must fail an upload (the window
    resumes later), never hang an app process."""
    return Config(
        connect_timeout=5,
        read_timeout=60,
        retries={"max_attempts": 4, "mode": "standard"},
        # the part senders plus the requests of every upload a process takes at once
        max_pool_connections=64,
        s3={"addressing_style": "path"},
    )


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


@contextmanager
def _unavailable(what: str) -> Iterator[None]:
    """botocore's errors as an OSError. The message names the operation and the error's
    code or class only: the store's own text may carry key names and addresses."""
    try:
        yield
    except (BotoCoreError, ClientError) as error:
        detail = _code(error) if isinstance(error, ClientError) else type(error).__name__
        raise StoreUnavailable(f"S3 {what} failed: {detail}") from error


@dataclass(frozen=True)
class _Part:
    number: int
    etag: str
    size: int


@dataclass(frozen=True)
class _Object:
    size: int
    verified: bool


@dataclass(frozen=True)
class _Progress:
    """What the store keeps of a blob not yet promoted: a completed object not yet verified
    (`staged`: every byte), or a multipart upload with its parts."""

    size: int
    staged: bool
    upload_id: str | None
    parts: tuple[_Part, ...]


class S3BlobStore:
    """A `BlobStore` on one bucket (and key prefix) of an S3-compatible store."""

    def __init__(self, client: S3Client, bucket: str, prefix: str = "", endpoint: str = "") -> None:
        self._client = client
        self._bucket = bucket
        self._prefix = prefix
        self._endpoint = endpoint
        # Parts go out while the caller receives the next ones (boto3 clients are thread-safe).
        self._senders = ThreadPoolExecutor(max_workers=SENDERS, thread_name_prefix="s3-parts")

    @classmethod
    def connect(
        cls,
        endpoint: str,
        bucket: str,
        access_key: str,
        secret_key: str,
        region: str = "us-east-1",
        prefix: str = "",
    ) -> S3BlobStore:
        """A store on `bucket` at `endpoint`, the bucket created when missing."""
        client = boto3.client(
            "s3",
            endpoint_url=endpoint,
            aws_access_key_id=access_key,
            aws_secret_access_key=secret_key,
            region_name=region,
            config=client_config(),
        )
        store = cls(client, bucket, prefix, endpoint)
        with _unavailable("create bucket"):
            store._ensure_bucket(region)
        return store

    def _ensure_bucket(self, region: str) -> None:
        try:
            self._client.head_bucket(Bucket=self._bucket)
            return
        except ClientError as error:
            if _code(error) not in _NOT_FOUND and _code(error) != "NoSuchBucket":
                raise
        try:
            if region == "us-east-1":
                self._client.create_bucket(Bucket=self._bucket)
            else:
                self._client.create_bucket(
                    Bucket=self._bucket,
                    CreateBucketConfiguration={"LocationConstraint": region},  # type: ignore[typeddict-item]
                )
        except ClientError as error:
            if _code(error) != "BucketAlreadyOwnedByYou":  # another app process made it first
                raise

    @property
    def bucket(self) -> str:
        return self._bucket

    def blob_key(self, sha256: str) -> str:
        return f"{self._prefix}blobs/{sha256[:2]}/{sha256}"

    def pending_key(self, sha256: str) -> str:
        """The marker of a completed, not yet verified blob, for `unfinished` to list."""
        return f"{self._prefix}pending/{sha256}"

    # BlobStore

    def held(self, sha256: str) -> Held | None:
        with _unavailable("held"):
            found = self._head(self.blob_key(sha256))
            if found is not None:
                return Held(found.size, found.verified)
            progress = self._progress(sha256)
        if progress is None:
            return None
        return Held(progress.size, False)

    def open_upload(self, sha256: str, total: int, fresh: bool = False) -> S3Upload:
        if fresh:  # saves a HEAD and a listing of multipart uploads on every new page
            return S3Upload(self, sha256, None)
        with _unavailable("open upload"):
            progress = self._progress(sha256, tidy=True)
        return S3Upload(self, sha256, progress)

    def settle(self, sha256: str) -> Held | None:
        """A completed but unverified object (a crash after completing, before the flag) is
        verified and flagged, or removed when its hash is wrong: it already holds every byte,
        so no later PUT could mend it. A multipart upload in progress is left for the next
        PUT, which knows the blob's size; one without parts is aborted. Leftovers beside a
        verified blob (a marker, a stray upload) are removed."""
        with _unavailable("settle"):
            found = self._head(self.blob_key(sha256))
            if found is not None and found.verified:
                self._tidy(sha256)
                return Held(found.size, True)
            progress = self._progress(sha256)
            if progress is None:
                self._drop_marker(sha256)
                return None
            if not progress.staged:
                if not progress.parts:
                    self._forget(sha256, progress)
                    return None
                return Held(progress.size, False)
            if self._hash_object(sha256) == sha256:
                self._promote(sha256)
                log.info("blob %s was complete but unverified; verified and flagged", sha256)
                return Held(progress.size, True)
            self._forget(sha256, progress)
            log.warning("blob %s was completed with another hash; removed", sha256)
            return None

    def unfinished(self) -> Iterable[str]:
        pending, blobs = f"{self._prefix}pending/", f"{self._prefix}blobs/"
        found: set[str] = set()
        with _unavailable("list unfinished"):
            objects = self._client.get_paginator("list_objects_v2").paginate(Bucket=self._bucket, Prefix=pending)
            for listing in objects:
                found.update(item["Key"][len(pending) :] for item in listing.get("Contents", []))
            uploads = self._client.get_paginator("list_multipart_uploads").paginate(Bucket=self._bucket, Prefix=blobs)
            for page in uploads:
                found.update(upload["Key"].rsplit("/", 1)[-1] for upload in page.get("Uploads", []))
        return sorted(found)

    def read(self, sha256: str, limit: int) -> bytes:
        with _unavailable("read"):
            try:
                answer = self._client.get_object(Bucket=self._bucket, Key=self.blob_key(sha256))
            except ClientError as error:
                if _code(error) in _NOT_FOUND:
                    raise FileNotFoundError(sha256) from None
                raise
            body = answer["Body"]
            try:
                if answer.get("Metadata", {}).get(VERIFIED) != "yes":
                    raise FileNotFoundError(sha256)  # not verified yet: not a blob
                if answer["ContentLength"] > limit:
                    raise ValueError(f"blob larger than {limit} bytes")
                return body.read()
            finally:
                body.close()

    def remove(self, sha256: str) -> int:
        """Every multipart upload on the blob's key aborted, its object (verified or not) and
        its marker deleted."""
        key = self.blob_key(sha256)
        removed = 0
        with _unavailable("remove"):
            for page in self._client.get_paginator("list_multipart_uploads").paginate(Bucket=self._bucket, Prefix=key):
                for upload in page.get("Uploads", []):
                    if upload["Key"] == key:
                        removed += sum(part.size for part in self._parts(key, upload["UploadId"]))
                        try:
                            self._client.abort_multipart_upload(
                                Bucket=self._bucket, Key=key, UploadId=upload["UploadId"]
                            )
                        except ClientError as error:
                            if _code(error) != "NoSuchUpload":
                                raise
            found = self._head(key)
            if found is not None:
                self._client.delete_object(Bucket=self._bucket, Key=key)
                removed += found.size
            self._drop_marker(sha256)
        return removed

    def describe(self) -> str:
        where = f"S3 对象存储 {self._endpoint}，存储桶 {self._bucket}"
        return f"{where}，前缀 {self._prefix}" if self._prefix else where

    # steps shared with S3Upload (botocore's errors pass through: callers translate them)

    def _head(self, key: str) -> _Object | None:
        try:
            answer = self._client.head_object(Bucket=self._bucket, Key=key)
        except ClientError as error:
            if _code(error) in _NOT_FOUND:
                return None
            raise
        return _Object(answer["ContentLength"], answer.get("Metadata", {}).get(VERIFIED) == "yes")

    def _progress(self, sha256: str, tidy: bool = False) -> _Progress | None:
        """A completed object not yet verified, else the multipart upload holding the most
        bytes (with `tidy`, any other upload on the key, which only a lost answer to a retried
        create leaves, is aborted). None for a verified blob or nothing."""
        key = self.blob_key(sha256)
        found_object = self._head(key)
        if found_object is not None:
            return None if found_object.verified else _Progress(found_object.size, True, None, ())
        found: list[_Progress] = []
        for page in self._client.get_paginator("list_multipart_uploads").paginate(Bucket=self._bucket, Prefix=key):
            for upload in page.get("Uploads", []):
                if upload["Key"] == key:
                    parts = self._parts(key, upload["UploadId"])
                    found.append(_Progress(sum(p.size for p in parts), False, upload["UploadId"], parts))
        if not found:
            return None
        best = max(found, key=lambda progress: progress.size)
        if tidy:
            for other in found:
                if other is not best and other.upload_id is not None:
                    self._client.abort_multipart_upload(Bucket=self._bucket, Key=key, UploadId=other.upload_id)
        return best

    def _parts(self, key: str, upload_id: str) -> tuple[_Part, ...]:
        """The parts numbered 1, 2, … without a gap: a part exists whole or not at all, and
        they are sent in order, so a gap would only follow a part that never arrived."""
        listed: dict[int, _Part] = {}
        pages = self._client.get_paginator("list_parts").paginate(Bucket=self._bucket, Key=key, UploadId=upload_id)
        for page in pages:
            for part in page.get("Parts", []):
                listed[part["PartNumber"]] = _Part(part["PartNumber"], part["ETag"], part["Size"])
        contiguous: list[_Part] = []
        while len(contiguous) + 1 in listed:
            contiguous.append(listed[len(contiguous) + 1])
        return tuple(contiguous)

    def _hash_object(self, sha256: str) -> str:
        digest = hashlib.sha256()
        body = self._client.get_object(Bucket=self._bucket, Key=self.blob_key(sha256))["Body"]
        try:
            for chunk in body.iter_chunks(READ_CHUNK):
                digest.update(chunk)
        finally:
            body.close()
        return digest.hexdigest()

    def _promote(self, sha256: str) -> None:
        """Flag the verified object by copying it onto itself with new metadata (the store
        rewrites the entry, not the bytes), then remove the marker: a crash between the two
        leaves a complete blob and a marker that `settle` removes."""
        key = self.blob_key(sha256)
        self._client.copy_object(
            Bucket=self._bucket,
            Key=key,
            CopySource={"Bucket": self._bucket, "Key": key},
            MetadataDirective="REPLACE",
            Metadata={VERIFIED: "yes"},
        )
        self._drop_marker(sha256)

    def _drop_marker(self, sha256: str) -> None:
        self._client.delete_object(Bucket=self._bucket, Key=self.pending_key(sha256))

    def _tidy(self, sha256: str) -> None:
        """Beside a verified blob: a marker left by a crash after the flag, and any upload a
        stale writer began on the key after it was complete."""
        key = self.blob_key(sha256)
        self._drop_marker(sha256)
        for page in self._client.get_paginator("list_multipart_uploads").paginate(Bucket=self._bucket, Prefix=key):
            for upload in page.get("Uploads", []):
                if upload["Key"] == key:
                    self._client.abort_multipart_upload(Bucket=self._bucket, Key=key, UploadId=upload["UploadId"])

    def _forget(self, sha256: str, progress: _Progress) -> None:
        """Drop an upload or an unverified object; a verified blob is never removed."""
        key = self.blob_key(sha256)
        if progress.upload_id is not None:
            try:
                self._client.abort_multipart_upload(Bucket=self._bucket, Key=key, UploadId=progress.upload_id)
            except ClientError as error:
                if _code(error) != "NoSuchUpload":
                    raise
        found = self._head(key)
        if found is not None and not found.verified:
            self._client.delete_object(Bucket=self._bucket, Key=key)
        self._drop_marker(sha256)


class S3Upload:
    """One PUT's append session: parts of `PART` bytes go out as the buffer fills, one at a
    time in the background."""

    def __init__(self, store: S3BlobStore, sha256: str, progress: _Progress | None) -> None:
        self._store = store
        self._client = store._client
        self._bucket = store._bucket
        self._key = store.blob_key(sha256)
        self._sha = sha256
        self._staged = progress is not None and progress.staged
        self._upload_id = progress.upload_id if progress is not None else None
        self._parts: list[_Part] = list(progress.parts) if progress is not None else []
        self.held = progress.size if progress is not None else 0
        self._durable = self.held
        # Streamed hashing only when this session sees every byte from the first.
        self._hasher = hashlib.sha256() if self.held == 0 and not self._staged else None
        self._buffer = bytearray()
        self._done = False
        # the part being sent in the background, kept until it is durable
        self._pending: Future[None] | None = None
        self._in_flight = b""
        # a small blob verified by `finish`, for `promote` to write to its final key
        self._whole: bytes | None = None

    def write(self, data: bytes | bytearray | memoryview) -> None:
        if self._done:
            raise RuntimeError("this upload session is over")
        if not data:
            return
        if self._staged:
            raise ValueError("the store already holds every byte of this blob")
        if self._hasher is not None:
            self._hasher.update(data)
        self._buffer += data
        while len(self._buffer) >= PART:
            with _unavailable("upload part"):
                self._wait()  # the previous part's failure surfaces here, its bytes still kept
            with memoryview(self._buffer) as view:
                self._in_flight = view[:PART].tobytes()
            del self._buffer[:PART]
            self._pending = self._store._senders.submit(self._send, self._in_flight)

    def keep(self) -> int:
        """Send a tail worth a part; a smaller one is dropped (S3 cannot append to a part),
        and the client resends it from `Held.size`."""
        if self._done:
            return self._durable
        self._done = True
        self._hasher = None
        try:
            self._wait()
            tail = bytes(self._buffer)
        except (ClientError, BotoCoreError):
            tail = self._in_flight + self._buffer
            self._pending, self._in_flight = None, b""
        self._buffer = bytearray()
        if len(tail) >= MIN_PART:
            try:
                self._send(tail)
            except (ClientError, BotoCoreError) as error:
                log.warning("blob %s: the tail could not be kept (%s)", self._sha, type(error).__name__)
        return self._durable

    def finish(self) -> str:
        """A blob that never filled a part and was hashed whole as it streamed is not staged:
        with the right hash, `promote` writes it straight to its final key (no copy); with a
        wrong one, nothing is written. Until the PUT answers, its client was told of none of
        its bytes as held, so a crash in between loses nothing it counts on."""
        if self._done:
            raise RuntimeError("this upload session is over")
        self._done = True
        with _unavailable("finish"):
            self._wait()
            if not self._staged and not self._parts and self._hasher is not None:
                if self._upload_id is not None:  # begun by a session whose first part never arrived
                    self._client.abort_multipart_upload(Bucket=self._bucket, Key=self._key, UploadId=self._upload_id)
                    self._upload_id = None
                digest = self._hasher.hexdigest()
                self._whole = bytes(self._buffer) if digest == self._sha else None
                self._buffer = bytearray()
                return digest
            if not self._staged:
                if self._buffer:
                    self._send(bytes(self._buffer))
                    self._buffer = bytearray()
                # the marker first: a crash after completing must leave something start-up lists
                self._client.put_object(Bucket=self._bucket, Key=self._store.pending_key(self._sha), Body=b"")
                self._complete()
                self._staged = True
            if self._hasher is not None:
                return self._hasher.hexdigest()
            return self._store._hash_object(self._sha)

    def promote(self) -> None:
        with _unavailable("promote"):
            if self._whole is not None:
                self._client.put_object(
                    Bucket=self._bucket,
                    Key=self._store.blob_key(self._sha),
                    Body=self._whole,
                    Metadata={VERIFIED: "yes"},
                )
                self._whole = None
            else:
                self._store._promote(self._sha)

    def discard(self) -> None:
        self._whole = None
        with _unavailable("discard"):
            self._store._forget(self._sha, _Progress(0, self._staged, self._upload_id, ()))

    def _complete(self) -> None:
        assert self._upload_id is not None
        try:
            self._client.complete_multipart_upload(
                Bucket=self._bucket,
                Key=self._key,
                UploadId=self._upload_id,
                MultipartUpload={"Parts": [{"PartNumber": p.number, "ETag": p.etag} for p in self._parts]},
            )
        except ClientError as error:
            # a retry after an answer lost on the way: the first attempt completed it
            found = self._store._head(self._key)
            if _code(error) != "NoSuchUpload" or found is None or found.size != self._durable:
                raise

    def _wait(self) -> None:
        """Until the part in flight is durable; its error is raised (and it stays pending)."""
        if self._pending is not None:
            self._pending.result()
            self._pending, self._in_flight = None, b""

    def _send(self, body: bytes) -> None:
        if self._upload_id is None:
            self._upload_id = self._client.create_multipart_upload(
                Bucket=self._bucket, Key=self._key, Metadata={VERIFIED: "no"}
            )["UploadId"]
        number = len(self._parts) + 1
        answer = self._client.upload_part(
            Bucket=self._bucket, Key=self._key, UploadId=self._upload_id, PartNumber=number, Body=body
        )
        self._parts.append(_Part(number, answer["ETag"], len(body)))
        self._durable += len(body)
