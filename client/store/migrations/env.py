"""Alembic environment for the local store.

Migrations always run on a connection handed over by `client.store.migrate`, inside
its transaction, so a store is never left half-upgraded.
"""

from __future__ import annotations

from alembic import context

from client.store.models import Base

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
