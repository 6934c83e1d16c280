"""Files the window keeps are its clerk's alone: 0600 files in 0700 folders.

A counter PC is often shared (a second clerk account, a technician's account): the store is
encrypted, but notices, logs, the sealed pages' names and the store file itself would otherwise
be readable by every local user under the default umask. New files get the mode from the
process umask set at start; what an older version left behind is tightened at start too.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

PRIVATE_UMASK = 0o077
FILE_MODE = 0o600
FOLDER_MODE = 0o700


def restrict_new_files() -> None:
    """From now on this process creates files 0600 and folders 0700 (set once, at start)."""
    os.umask(PRIVATE_UMASK)


def tighten(folder: Path) -> int:
    """Take group and other permissions off everything under `folder` (the data folder);
    returns how many entries were changed. Symbolic links are left alone (never followed)."""
    changed = 0
    if not folder.is_dir():
        return 0
    for root, dirs, files in os.walk(folder):
        for name, wanted in [(root, FOLDER_MODE)] + [(os.path.join(root, f), FILE_MODE) for f in files]:
            try:
                mode = os.lstat(name).st_mode
            except FileNotFoundError:
                continue
            if stat.S_ISLNK(mode) or not (mode & 0o077):
                continue
            os.chmod(name, stat.S_IMODE(mode) & wanted)
            changed += 1
        dirs[:] = [d for d in dirs if not os.path.islink(os.path.join(root, d))]
    return changed


def private_folder(folder: Path) -> Path:
    """Make `folder` (and missing parents) 0700 whatever the umask."""
    folder.mkdir(parents=True, exist_ok=True, mode=FOLDER_MODE)
    os.chmod(folder, FOLDER_MODE)
    return folder


def write_private(path: Path, data: bytes) -> None:
    """Write `path` as 0600 from its first byte (an existing looser file is tightened first)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    try:
        os.fchmod(fd, FILE_MODE)
        with os.fdopen(fd, "wb") as fh:
            fd = -1
            fh.write(data)
    finally:
        if fd != -1:
            os.close(fd)
