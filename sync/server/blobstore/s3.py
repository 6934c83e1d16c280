"""Scans in an S3-compatible object store (SeaweedFS in a city's installation).

The resumable, hash-checked upload maps onto one S3 multipart upload per blob, at the key
`<prefix>staging/<sha>`:

- written bytes are buffered and sent as parts of `PART` bytes; when the client goes away a
  buffered tail of at least `MIN_PART` (S3's smallest part but the last) is still sent, a
  smaller one is dropped. What a client resumes from is the bytes in the parts uploaded.
- the upload in progress is found again by any app process through `list_multipart_uploads`
  and `list_parts`: nothing about it lives in one process.
- `finish` completes the upload to the staging object. A session that saw every byte from 0
  hashed them as they streamed; a resumed one cannot read the earlier parts before
  completion, so it reads the staging object back to hash it.
- `promote` copies the staging object (server-side) to `<prefix>blobs/<sha[:2]>/<sha>` and then
  removes it. Only that final key makes a blob complete, and it is written only after the hash
  matched, so no crash between two steps makes an unverified blob look complete; a staging
  object left behind still holds every byte for `settle` to verify.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
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
# Parts in flight at once over all the uploads of one store (one per upload at most).
SENDERS = 8

_NOT_FOUND = {"404", "NoSuchKey", "NotFound"}


def client_config() -> Config:
    """Bounded waits and a few retries: a county link or a store restarting must fail an
    upload (the window resumes), never hang an app process."""
    return Config(
        connect_timeout=5,
        read_timeout=60,
        retries={"max_attempts": 4, "mode": "standard"},
        s3={"addressing_style": "path"},
    )


def _missing(error: ClientError) -> bool:
    return error.response.get("Error", {}).get("Code", "") in _NOT_FOUND


@dataclass(frozen=True)
class _Part:
    number: int
    etag: str
    size: int


@dataclass(frozen=True)
class _Progress:
    """What the store keeps of a blob not yet promoted: a staging object (every byte, not
    verified) or a multipart upload with its parts."""

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
        # A part goes out while the caller receives the next one (boto3 clients are thread-safe).
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
        store._ensure_bucket(region)
        return store

    def _ensure_bucket(self, region: str) -> None:
        try:
            self._client.head_bucket(Bucket=self._bucket)
            return
        except ClientError as error:
            if not _missing(error):
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
            # another app process starting at the same time created it first
            if error.response.get("Error", {}).get("Code") != "BucketAlreadyOwnedByYou":
                raise

    @property
    def bucket(self) -> str:
        return self._bucket

    # keys

    def blob_key(self, sha256: str) -> str:
        return f"{self._prefix}blobs/{sha256[:2]}/{sha256}"

    def staging_key(self, sha256: str) -> str:
        return f"{self._prefix}staging/{sha256}"

    # BlobStore

    def held(self, sha256: str) -> Held | None:
        size = self._size(self.blob_key(sha256))
        if size is not None:
            return Held(size, True)
        progress = self._progress(sha256)
        if progress is None:
            return None
        return Held(progress.size, False)

    def open_upload(self, sha256: str, total: int) -> S3Upload:
        progress = self._progress(sha256, tidy=True)
        return S3Upload(self, sha256, total, progress)

    def settle(self, sha256: str) -> Held | None:
        """A staging object (a crash after completing, before promoting) is verified and
        promoted, or removed when its hash is wrong: it already holds every byte, so no later
        PUT could mend it. A multipart upload in progress is left for the next PUT, which
        knows the blob's size; one without parts is aborted."""
        final = self._size(self.blob_key(sha256))
        progress = self._progress(sha256)
        if final is not None:
            if progress is not None:  # a crash after the copy, before the staging object went
                self._forget(sha256, progress)
            return Held(final, True)
        if progress is None:
            return None
        if not progress.staged:
            if progress.upload_id is not None and not progress.parts:
                self._forget(sha256, progress)
                return None
            return Held(progress.size, False)
        if self._hash_staging(sha256) == sha256:
            self._promote(sha256)
            log.info("blob %s… settled: verified and promoted", sha256[:12])
            return Held(progress.size, True)
        self._forget(sha256, progress)
        log.warning("blob %s… settled: its staged content has another hash, removed", sha256[:12])
        return None

    def unfinished(self) -> Iterable[str]:
        staging = f"{self._prefix}staging/"
        found: set[str] = set()
        for listing in self._client.get_paginator("list_objects_v2").paginate(Bucket=self._bucket, Prefix=staging):
            found.update(item["Key"][len(staging) :] for item in listing.get("Contents", []))
        uploads = self._client.get_paginator("list_multipart_uploads").paginate(Bucket=self._bucket, Prefix=staging)
        for page in uploads:
            found.update(upload["Key"][len(staging) :] for upload in page.get("Uploads", []))
        return sorted(found)

    def read(self, sha256: str, limit: int) -> bytes:
        try:
            answer = self._client.get_object(Bucket=self._bucket, Key=self.blob_key(sha256))
        except ClientError as error:
            if _missing(error):
                raise FileNotFoundError(sha256) from error
            raise
        body = answer["Body"]
        with body:
            if answer["ContentLength"] > limit:
                raise ValueError(f"blob {sha256[:12]}… is {answer['ContentLength']} bytes, more than {limit}")
            return body.read()

    def describe(self) -> str:
        where = f"S3 对象存储 {self._endpoint}，存储桶 {self._bucket}"
        return f"{where}，前缀 {self._prefix}" if self._prefix else where

    # steps shared with S3Upload

    def _size(self, key: str) -> int | None:
        try:
            return self._client.head_object(Bucket=self._bucket, Key=key)["ContentLength"]
        except ClientError as error:
            if _missing(error):
                return None
            raise

    def _progress(self, sha256: str, tidy: bool = False) -> _Progress | None:
        """The staging object, else the multipart upload holding the most bytes (with `tidy`,
        any other upload on the key, which only a race outside the caller's lock could leave,
        is aborted)."""
        key = self.staging_key(sha256)
        staged = self._size(key)
        if staged is not None:
            return _Progress(staged, True, None, ())
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

    def _hash_staging(self, sha256: str) -> str:
        digest = hashlib.sha256()
        body = self._client.get_object(Bucket=self._bucket, Key=self.staging_key(sha256))["Body"]
        with body:
            for chunk in body.iter_chunks(READ_CHUNK):
                digest.update(chunk)
        return digest.hexdigest()

    def _promote(self, sha256: str) -> None:
        """Copy inside the store, then remove the staging object: a crash between the two
        leaves a complete blob and a leftover that `settle` removes."""
        self._client.copy_object(
            Bucket=self._bucket,
            Key=self.blob_key(sha256),
            CopySource={"Bucket": self._bucket, "Key": self.staging_key(sha256)},
        )
        self._client.delete_object(Bucket=self._bucket, Key=self.staging_key(sha256))

    def _forget(self, sha256: str, progress: _Progress) -> None:
        key = self.staging_key(sha256)
        if progress.upload_id is not None:
            try:
                self._client.abort_multipart_upload(Bucket=self._bucket, Key=key, UploadId=progress.upload_id)
            except ClientError as error:
                if error.response.get("Error", {}).get("Code") != "NoSuchUpload":
                    raise
        self._client.delete_object(Bucket=self._bucket, Key=key)


class S3Upload:
    """One PUT's append session: parts of `PART` bytes go out as the buffer fills."""

    def __init__(self, store: S3BlobStore, sha256: str, total: int, progress: _Progress | None) -> None:
        self._store = store
        self._client = store._client
        self._bucket = store._bucket
        self._key = store.staging_key(sha256)
        self._sha = sha256
        self._total = total
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

    def write(self, data: bytes | memoryview) -> None:
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
            self._wait()  # the previous part's failure surfaces here, its bytes still kept
            with memoryview(self._buffer) as view:
                self._in_flight = view[:PART].tobytes()
            del self._buffer[:PART]
            self._pending = self._store._senders.submit(self._send, self._in_flight)

    def keep(self) -> int:
        """Send a tail worth a part; a smaller one is dropped (S3 cannot append to a part),
        and the client resends it from `Held.size`."""
        if not self._done:
            self._done = True
            try:
                self._wait()
                tail = bytes(self._buffer)
            except (ClientError, BotoCoreError):
                tail = self._in_flight + self._buffer
                self._pending, self._in_flight = None, b""
            if len(tail) >= MIN_PART:
                try:
                    self._send(tail)
                except (ClientError, BotoCoreError) as error:
                    log.warning("blob %s…: the tail part could not be kept (%s)", self._sha[:12], type(error).__name__)
            self._buffer = bytearray()
            self._hasher = None
        return self._durable

    def finish(self) -> str:
        if self._done:
            raise RuntimeError("this upload session is over")
        self._done = True
        self._wait()
        if not self._staged:
            if not self._parts:
                # small blobs (and an upload that never got a part): one PUT of the whole
                if self._upload_id is not None:
                    self._client.abort_multipart_upload(Bucket=self._bucket, Key=self._key, UploadId=self._upload_id)
                    self._upload_id = None
                self._client.put_object(Bucket=self._bucket, Key=self._key, Body=bytes(self._buffer))
            else:
                if self._buffer:
                    self._send(bytes(self._buffer))
                self._complete()
            self._buffer = bytearray()
            self._staged = True
        if self._hasher is not None:
            return self._hasher.hexdigest()
        return self._store._hash_staging(self._sha)

    def promote(self) -> None:
        self._store._promote(self._sha)

    def discard(self) -> None:
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
            if error.response.get("Error", {}).get("Code") != "NoSuchUpload":
                raise
            if self._store._size(self._key) != self._durable:
                raise

    def _wait(self) -> None:
        """Until the part in flight is durable; its error is raised (and it stays pending)."""
        if self._pending is not None:
            self._pending.result()
            self._pending, self._in_flight = None, b""

    def _send(self, body: bytes) -> None:
        if self._upload_id is None:
            self._upload_id = self._client.create_multipart_upload(Bucket=self._bucket, Key=self._key)["UploadId"]
        number = len(self._parts) + 1
        answer = self._client.upload_part(
            Bucket=self._bucket, Key=self._key, UploadId=self._upload_id, PartNumber=number, Body=body
        )
        self._parts.append(_Part(number, answer["ETag"], len(body)))
        self._durable += len(body)
