"""How one back-office process is set up: one settings object, from the command line and
the environment, for every way it is started (a laptop's one process, a city's many).

Secrets (the object store's keys) come from the environment only, never the command
line, where `ps` would show them to every user of the machine.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from .blobstore.base import BlobStore
from .blobstore.local import LocalBlobStore

S3_ACCESS_ENV = "ONEWINDOW_S3_ACCESS_KEY"
S3_SECRET_ENV = "ONEWINDOW_S3_SECRET_KEY"
S3_REGION_ENV = "ONEWINDOW_S3_REGION"


@dataclass(frozen=True)
class S3Settings:
    endpoint: str
    bucket: str
    access_key: str
    secret_key: str
    region: str = "us-east-1"

    @classmethod
    def from_env(cls, endpoint: str, bucket: str) -> S3Settings:
        return cls(
            endpoint,
            bucket,
            os.environ.get(S3_ACCESS_ENV, ""),
            os.environ.get(S3_SECRET_ENV, ""),
            os.environ.get(S3_REGION_ENV, "") or "us-east-1",
        )


@dataclass(frozen=True)
class ServerSettings:
    db_url: str
    blob_dir: Path | None = None  # scans in this folder, unless `s3` is set
    s3: S3Settings | None = None
    host: str = "127.0.0.1"
    port: int = 8765
    # Addresses whose X-Forwarded-For/-Proto are believed (nginx's); empty: nobody's.
    forwarded_allow_ips: str = ""
    access_log: bool = True  # off behind nginx, which logs every request already
    # Bounds on clients (sync.server.limits and uvicorn): seconds without a byte of a body
    # before the request is dropped; open connections one process serves at once (beyond,
    # 503); seconds an idle kept-alive connection stays open.
    body_read_timeout: float = 30.0
    max_connections: int = 2048
    keep_alive_timeout: int = 5
    # Bytes of scans per org unit (held and in progress); beyond, a PUT is answered 507.
    blob_quota: int = 200 * 1000**3
    # How the disk under a folder store is encrypted (luks, bitlocker, …): see `AT_REST`.
    blobs_at_rest: str = ""

    def open_store(self) -> BlobStore:
        """Connect to where scans are kept (the object store is asked to create its bucket)."""
        if self.s3 is not None:
            from .blobstore.s3 import S3BlobStore  # boto3 only where it is used

            s3 = self.s3
            return S3BlobStore.connect(s3.endpoint, s3.bucket, s3.access_key, s3.secret_key, s3.region)
        if self.blob_dir is None:
            raise ValueError("no blob store configured")
        return LocalBlobStore(self.blob_dir)
