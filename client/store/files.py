"""Writing a file so that it is whole or absent, even after a power cut or a full disk."""

from __future__ import annotations

import os
from pathlib import Path


def write_whole(target: Path, blob: bytes) -> None:
    """Write beside the target, fsync, rename over it; on failure leave no stray temporary
    file eating what space is left."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + ".tmp")
    try:
        with open(tmp, "wb") as fh:
            fh.write(blob)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except OSError:
        tmp.unlink(missing_ok=True)
        raise
