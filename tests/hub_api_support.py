"""Fixtures for tests of the hub's staff API: a hub set up by `kiosk-hub init` in a temp folder (on
SQLite or PostgreSQL, through hub_support's `database_url`), a small organisation tree, users with
roles and their tokens, and FastAPI's TestClient on the real app.

The tree::

    d1 一区 (district)
      s1 一街道 (street)  -> c-a A社区, c-b B社区 (communities, i.e. centres)
      s2 二街道 (street)  -> c-c C社区

Users (all with PASSWORD): `admin` (admin), `ed-a` editor of c-a, `ed-b` editor of c-b, `view-a`
viewer of c-a, `ed-s1` editor of the street s1, `ed-d1` editor of the district. `api.call(user,
method, path, ...)` sends the request with that user's token.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, field

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from sqlalchemy import insert
from sqlalchemy.engine import Engine

from hub import accounts, cli, db, org
from hub.api import create_app
from hub.settings import HubSettings, load_settings
from tests.hub_support import database_url  # noqa: F401  (a fixture)

PASSWORD = "a long enough password"
TREE = [("d1", "district", "一区", None), ("s1", "street", "一街道", "d1"), ("s2", "street", "二街道", "d1"),
        ("c-a", "community", "A社区", "s1"), ("c-b", "community", "B社区", "s1"), ("c-c", "community", "C社区", "s2")]
USERS = {"ed-a": ("editor", "c-a"), "ed-b": ("editor", "c-b"), "view-a": ("viewer", "c-a"),
         "ed-s1": ("editor", "s1"), "ed-d1": ("editor", "d1")}


@dataclass
class ApiHub:
    client: TestClient
    settings: HubSettings
    engine: Engine
    tokens: dict[str, str] = field(default_factory=dict)

    def call(self, user: str | None, method: str, path: str, **kwargs):
        headers = dict(kwargs.pop("headers", {}))
        if user is not None:
            headers["Authorization"] = f"Bearer {self.tokens[user]}"
        return self.client.request(method, path, headers=headers, **kwargs)

    def add_user(self, name: str, role: str, node: str | None) -> str:
        """A user with PASSWORD and one role; their token. The row is written here with a hash
        made once per test run (argon2 takes ~0.3 s a hash on this machine); the grant and the
        token go through hub.accounts."""
        with self.engine.begin() as conn:
            conn.execute(insert(db.users).values(name=name, password_hash=password_hash(), disabled=False,
                                                 created_at=db.utcnow()))
        accounts.grant(self.engine, "test", name, role, node)
        self.tokens[name] = accounts.create_token(self.engine, "test", name)
        return self.tokens[name]


@functools.cache
def password_hash() -> str:
    return PasswordHasher().hash(PASSWORD)


def init_hub(data_dir, database: str, password_file) -> HubSettings:
    """`kiosk-hub init` in this process (the command's own code), with `admin` as the first admin."""
    password_file.write_text(PASSWORD + "\n")
    code = cli.main(["init", "--data-dir", str(data_dir), "--database", database, "--admin-user", "admin",
                     "--admin-password-file", str(password_file)])
    assert code == 0
    return load_settings(data_dir, database)


def build_tree(engine: Engine) -> None:
    for node, kind, name, parent in TREE:
        org.add_node(engine, "test", node, kind, name, parent)


@pytest.fixture
def api(tmp_path, database_url):  # noqa: F811  (the fixture imported above)
    settings = init_hub(tmp_path / "hub", database_url, tmp_path / "pw")
    engine = db.make_engine(settings.database)
    try:
        build_tree(engine)
        hub = ApiHub(client=None, settings=settings, engine=engine)  # type: ignore[arg-type]
        hub.tokens["admin"] = accounts.create_token(engine, "test", "admin")
        for name, (role, node) in USERS.items():
            hub.add_user(name, role, node)
        with TestClient(create_app(settings)) as client:
            hub.client = client
            yield hub
    finally:
        engine.dispose()


# ---- item documents -------------------------------------------------------------------------

def guide(item_id: str, target: str, **fields) -> dict:
    """A small valid guide (办事指南)."""
    return {"id": item_id, "kind": "guide", "title": fields.pop("title", f"办事指南 {item_id}"),
            "target": target, "category": "便民服务", "summary": "测试用的指南。",
            "materials": [{"name": "居民身份证", "copies": 1}], "steps": ["窗口受理", "当场办结"], **fields}


def notice(item_id: str, target: str, **fields) -> dict:
    """A small valid notice (通知公告)."""
    return {"id": item_id, "kind": "notice", "title": fields.pop("title", f"通知 {item_id}"), "target": target,
            "blocks": [{"type": "paragraph", "text": "本周六上午停电检修。"}], **fields}
