"""Alembic's environment for the hub's database (DESIGN.md, issue #13). Run through `hub.migrate`,
never with an alembic.ini: the connection is handed in by the caller."""
