"""The hub's tests run on SQLite and on PostgreSQL when one answers: `database_url` is a fresh,
empty database per test -- a temp SQLite file, or a new PostgreSQL database created on the server
named by KIOSK_HUB_TEST_PG (default postgresql://postgres@127.0.0.1:5432/test, when that port
answers) and dropped afterwards."""
from __future__ import annotations

import os
import secrets
import socket

import pytest

PG_ENV = "KIOSK_HUB_TEST_PG"
PG_DEFAULT = "postgresql://postgres@127.0.0.1:5432/test"


def pg_admin_url() -> str | None:
    """The PostgreSQL server to create test databases on, or None (the PG tests then skip)."""
    if os.environ.get(PG_ENV):
        return os.environ[PG_ENV]
    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=0.5):
            return PG_DEFAULT
    except OSError:
        return None


def _with_db(url: str, name: str) -> str:
    base, _, _query = url.partition("?")
    return base.rsplit("/", 1)[0] + "/" + name


def _admin(url: str):
    import psycopg

    return psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True, connect_timeout=5)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'hub.sqlite'}"
        return
    admin = pg_admin_url()
    if admin is None:
        pytest.skip(f"no PostgreSQL: 127.0.0.1:5432 does not answer and {PG_ENV} is unset")
    name = f"kiosk_hub_test_{secrets.token_hex(6)}"
    with _admin(admin) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')

    yield _with_db(admin, name).replace("postgresql://", "postgresql+psycopg://", 1)
    # the test's engines hold pooled connections: end them so the database can go
    with _admin(admin) as conn:
        conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,))
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
