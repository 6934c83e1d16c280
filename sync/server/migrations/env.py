"""Alembic environment of the back office.

Migrations always run on a connection handed over by `sync.server.migrate`, inside
its transaction (and its lock), so two processes never upgrade at once and a
database is never left half-upgraded.
"""

from __future__ import annotations

from alembic import context

from sync.server.db import Base

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True, compare_type=True)
with context.begin_transaction():
    context.run_migrations()
