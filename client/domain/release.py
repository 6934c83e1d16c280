"""The release number, one for the window and the back office: both ship from this package,
and a support call starts with "which version?"."""

from __future__ import annotations

from importlib import metadata

DISTRIBUTION = "onewindow"


def release() -> str:
    """The installed version (setup.cfg's, moved by each resolved issue and named in CHANGELOG.md)."""
    try:
        return metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:  # run from a source tree that was never installed
        return "0+unknown"
