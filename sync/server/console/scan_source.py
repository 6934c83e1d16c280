"""A stored scan as a file the renderer can open, wherever the blob store keeps it.

The renderer runs in a child process on a path (bounded in memory and time). A folder
store already has one; from an object store the scan is copied into a private temporary
folder for the time of one request and removed at once, so no citizen's page stays on
the app machine's disk.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ..blobs import MAX_BLOB_BYTES
from ..blobstore.base import BlobStore
from ..blobstore.local import LocalBlobStore


@contextmanager
def scan_on_disk(store: BlobStore, sha256: str) -> Iterator[Path | None]:
    """The scan's file, or None when the store does not hold it complete."""
    if isinstance(store, LocalBlobStore):
        path = store.paths(sha256).final
        yield path if path.exists() else None
        return
    try:
        data = store.read(sha256, MAX_BLOB_BYTES)
    except FileNotFoundError:
        yield None
        return
    with tempfile.TemporaryDirectory(prefix="onewindow-scan-") as folder:
        path = Path(folder) / "scan"
        path.write_bytes(data)
        del data
        yield path
