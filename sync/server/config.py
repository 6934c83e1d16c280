"""Where the back office keeps its data unless told otherwise.

Shared by the server's CLI and the desktop program's demo mode, so both open
the same database and blob folder by default.
"""

from __future__ import annotations

import os
from pathlib import Path

from platformdirs import user_data_dir

DB_ENV = "ONEWINDOW_SERVER_DB"
BLOBS_ENV = "ONEWINDOW_SERVER_BLOBS"
APP_NAME = "onewindow"


def server_data_dir() -> Path:
    folder = Path(user_data_dir(APP_NAME)) / "server"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def default_db_url() -> str:
    """$ONEWINDOW_SERVER_DB, else a SQLite file in the user's data folder."""
    url = os.environ.get(DB_ENV, "").strip()
    if url:
        return url
    return "sqlite:///" + (server_data_dir() / "server.sqlite").as_posix()


def default_blob_dir(db_url: str | None = None) -> Path:
    """$ONEWINDOW_SERVER_BLOBS, else `blobs/` beside a SQLite file, else in the data folder."""
    env = os.environ.get(BLOBS_ENV, "").strip()
    if env:
        return Path(env)
    url = db_url if db_url is not None else default_db_url()
    prefix = "sqlite:///"
    if url.startswith(prefix) and url[len(prefix) :] not in ("", ":memory:"):
        return Path(url[len(prefix) :].split("?", 1)[0]).parent / "blobs"
    return server_data_dir() / "blobs"


def redacted(db_url: str) -> str:
    """The database address as it may be printed: without its password."""
    from sqlalchemy.engine import make_url

    return make_url(db_url).render_as_string(hide_password=True)
