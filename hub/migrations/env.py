"""Alembic environment: the caller (`hub.migrate`) hands in an open connection in
`config.attributes["connection"]`; there is no URL, no ini file and no offline mode."""
from __future__ import annotations

from alembic import context

from hub.db import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run the hub's migrations through hub.migrate (kiosk-hub init), not the alembic command")

# render_as_batch: SQLite alters a table by copying it, which Alembic does in batch mode
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True, compare_type=True)
with context.begin_transaction():
    context.run_migrations()
