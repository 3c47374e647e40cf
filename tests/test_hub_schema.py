"""The hub's Alembic migrations: from an empty database to head, and the tables they make are the
ones hub/db.py declares (compare_metadata finds nothing) -- on SQLite and on PostgreSQL."""
from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from hub import db, migrate
from tests.hub_support import database_url  # noqa: F401  (a fixture)


def _diff(engine):
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        return compare_metadata(ctx, db.metadata)


def test_migrations_from_empty_match_the_models(database_url):
    engine = db.make_engine(database_url)
    try:
        assert migrate.current(engine) is None
        assert _diff(engine)  # an empty database differs: the comparison can fail
        migrate.upgrade(engine)
        assert migrate.current(engine) == migrate.head()
        assert _diff(engine) == []
        tables = set(inspect(engine).get_table_names())
        assert set(db.metadata.tables) <= tables and "alembic_version" in tables
        migrate.upgrade(engine)  # again: nothing to do, no error
        assert migrate.current(engine) == migrate.head()
    finally:
        engine.dispose()


def test_a_model_change_without_a_migration_shows(database_url):
    """The agreement test notices a column added to the models but not migrated."""
    from sqlalchemy import Column, MetaData, String

    engine = db.make_engine(database_url)
    try:
        migrate.upgrade(engine)
        changed = MetaData()
        for table in db.metadata.tables.values():
            table.to_metadata(changed)
        changed.tables["users"].append_column(Column("nickname", String(20)))
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), changed)
        assert any(d[0] == "add_column" and d[3].name == "nickname" for d in diff)
    finally:
        engine.dispose()


def test_the_schema_enforces_roles_and_kinds(database_url):
    from sqlalchemy import insert
    from sqlalchemy.exc import IntegrityError

    engine = db.make_engine(database_url)
    try:
        migrate.upgrade(engine)
        now = db.utcnow()
        with engine.begin() as conn:
            conn.execute(insert(db.org_nodes).values(id="d1", kind="district", name="某区", created_at=now))
            uid = conn.execute(insert(db.users).values(name="a", password_hash="x", disabled=False, created_at=now)
                               ).inserted_primary_key[0]
        bad = [
            insert(db.org_nodes).values(id="x", kind="city", name="市", created_at=now),
            insert(db.org_nodes).values(id="y", parent_id="nowhere", kind="street", name="街道", created_at=now),
            insert(db.role_grants).values(user_id=uid, role="admin", node_id="d1", created_at=now),
            insert(db.role_grants).values(user_id=uid, role="editor", node_id=None, created_at=now),
            insert(db.role_grants).values(user_id=uid, role="owner", node_id="d1", created_at=now),
        ]
        for statement in bad:
            with pytest.raises(IntegrityError), engine.begin() as conn:
                conn.execute(statement)
    finally:
        engine.dispose()


def test_only_one_signing_key_is_active(database_url):
    from sqlalchemy import insert
    from sqlalchemy.exc import IntegrityError

    engine = db.make_engine(database_url)
    try:
        migrate.upgrade(engine)
        now = db.utcnow()
        row = dict(created_at=now, active=True)
        with engine.begin() as conn:
            conn.execute(insert(db.signing_keys).values(public_key="a", file="a.pem", **row))
            conn.execute(insert(db.signing_keys).values(public_key="b", file="b.pem", created_at=now, active=False))
        with pytest.raises(IntegrityError), engine.begin() as conn:
            conn.execute(insert(db.signing_keys).values(public_key="c", file="c.pem", previous_id=1,
                                                        rotation_signature="s", **row))
    finally:
        engine.dispose()


def test_a_hub_at_the_previous_revision_migrates_and_keeps_its_data(database_url):
    """A hub set up by the previous release (its users, keys, nodes and codes) is brought to head
    by the same upgrade `kiosk-hub init` runs, and loses nothing; the new tables start empty."""
    from sqlalchemy import func, insert, select

    engine = db.make_engine(database_url)
    try:
        revisions = [r.revision for r in migrate.ScriptDirectory.from_config(migrate.alembic_config()).walk_revisions()]
        previous = revisions[1]  # walk_revisions goes newest first
        migrate.upgrade(engine, previous)
        assert migrate.current(engine) == previous
        now = db.utcnow()
        with engine.begin() as conn:
            conn.execute(insert(db.org_nodes).values(id="d1", kind="district", name="某区", created_at=now))
            conn.execute(insert(db.users).values(name="a", password_hash="x", disabled=False, created_at=now))
            conn.execute(insert(db.enrolment_codes).values(code_hash="h" * 64, centre_id="d1", created_by="a",
                                                          created_at=now, expires_at=now))
        migrate.upgrade(engine)
        assert migrate.current(engine) == migrate.head()
        assert _diff(engine) == []
        with engine.connect() as conn:
            assert conn.execute(select(db.users.c.name)).scalars().all() == ["a"]
            assert conn.execute(select(db.org_nodes.c.id)).scalars().all() == ["d1"]
            assert conn.execute(select(func.count()).select_from(db.enrolment_codes)).scalar() == 1
            assert conn.execute(select(func.count()).select_from(db.items)).scalar() == 0
    finally:
        engine.dispose()
