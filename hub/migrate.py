"""The hub's schema, by Alembic: `upgrade` to the newest revision (kiosk-hub init), and where a
database stands (`kiosk-hub check`). The configuration is built here, in code: no alembic.ini at
run time, the scripts found inside the installed package (hub/migrations/)."""
from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(connection=None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def head() -> str:
    """The newest revision this program knows."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current(engine: Engine) -> str | None:
    """The database's revision (None: an empty database)."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the database to `revision` in one transaction (both databases alter tables transactionally)."""
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), revision)


def known(revision: str) -> bool:
    """Whether this program has `revision` (a newer program may have migrated the database)."""
    try:
        return ScriptDirectory.from_config(alembic_config()).get_revision(revision) is not None
    except Exception:  # alembic raises several types for an unknown id
        return False
