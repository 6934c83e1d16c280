"""Back-office databases for tests: a SQLite file, or a throw-away PostgreSQL schema.

The PostgreSQL server is the session's `postgres_url` fixture (tests/conftest.py): the
given ONEWINDOW_TEST_PG_URL, or a cluster started the first time a test asks for one.
Each test gets its own schema, dropped afterwards.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, make_url, text

from tests.support.back_office import sqlite_url

BACKENDS = ("sqlite", "postgresql")


@contextmanager
def pg_schema_url(base: str) -> Iterator[str]:
    """A URL whose search_path is a fresh schema of the database at `base`."""
    schema = f"ow_test_{uuid.uuid4().hex[:12]}"
    owner = create_engine(base)
    with owner.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with owner.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        owner.dispose()


@contextmanager
def server_database(backend: str, folder: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """A database URL for the back office on `backend` ("sqlite" or "postgresql"); PostgreSQL
    is started (or the test skipped) only when a test asks for it."""
    if backend == "sqlite":
        yield sqlite_url(folder)
    else:
        with pg_schema_url(request.getfixturevalue("postgres_url")) as url:
            yield url
