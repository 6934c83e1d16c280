"""What the back office needs from the place scans are kept.

Two implementations: `LocalBlobStore` (a folder; the embedded default on a laptop) and
`S3BlobStore` (an S3-compatible object store such as SeaweedFS, for a city). The upload
protocol above them (`sync.server.blobs`) is the same for both: a window resumes from
`Held.size`, the bytes are appended through an `Upload`, and a blob counts only after
the SHA-256 of its whole content matched its name and it was promoted.

Callers hold the blob's lock (`sync.server.blob_locks`) around `open_upload`, the whole
life of the upload, `settle` and `held`: a store does not guard against two writers.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Held:
    """What the store keeps of one blob: `complete` only for a verified, promoted blob;
    otherwise `size` is the durable prefix a client resumes from."""

    size: int
    complete: bool


class Upload(Protocol):
    """One PUT's append session on one blob."""

    held: int  # bytes durably kept before this session's first write: where it starts

    def write(self, data: bytes | bytearray | memoryview) -> None:
        """Append the next bytes, in order (the store may buffer them)."""

    def keep(self) -> int:
        """The client went away: keep durably what can be kept; the size a client resumes from."""

    def finish(self) -> str:
        """Every byte is in: make the content durable and return the hex SHA-256 of the
        whole blob. The blob does not count yet."""

    def promote(self) -> None:
        """After `finish` returned the blob's name: from now on `held` says complete."""

    def discard(self) -> None:
        """After `finish` returned another hash: forget every byte of this blob."""


class BlobStore(Protocol):
    def held(self, sha256: str) -> Held | None:
        """What is kept of the blob, None when nothing is."""

    def open_upload(self, sha256: str, total: int, fresh: bool = False) -> Upload:
        """Start appending after what is durably kept (`Upload.held`). `fresh`: the
        database shows that no upload of this blob ever began, so a store for which looking
        is costly (a round trip or two) may start from nothing without looking."""

    def settle(self, sha256: str) -> Held | None:
        """Finish what a crash left: an upload that already holds every byte is verified
        and promoted when its hash matches (left as it is otherwise, for the next PUT to
        decide). Returns what is kept afterwards."""

    def unfinished(self) -> Iterable[str]:
        """The blobs with an upload begun and not promoted, for start-up's `settle`."""

    def read(self, sha256: str, limit: int) -> bytes:
        """A complete blob's bytes (at most `limit`; longer blobs raise ValueError).
        FileNotFoundError when the store does not hold it complete."""

    def remove(self, sha256: str) -> int:
        """Forget every byte kept of the blob, complete or not (the collector, or an
        abandoned upload replaced); the number of bytes removed."""

    def describe(self) -> str:
        """Where the scans are, for the start-up banner (no secrets)."""
