"""The hub's people, organisation, enrolment codes and signing keys, on a migrated database
(SQLite and PostgreSQL): what is stored, what is refused, and the audit record of every change."""
from __future__ import annotations

import datetime as dt
import hashlib
import stat

import pytest
from sqlalchemy import select

from hub import accounts, audit, db, keys, migrate, org
from hub.errors import HubError
from sync import signing
from tests.hub_support import database_url  # noqa: F401  (a fixture)

PASSWORD = "correct horse 9"


@pytest.fixture
def engine(database_url):
    engine = db.make_engine(database_url)
    migrate.upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def tree(engine):
    org.add_node(engine, "t", "d1", "district", "某某区")
    org.add_node(engine, "t", "s1", "street", "某某街道", "d1")
    org.add_node(engine, "t", "c1", "community", "幸福里社区", "s1")
    org.add_node(engine, "t", "c2", "community", "和平社区", "s1")
    return engine


def _audit(engine):
    with engine.connect() as conn:
        return audit.entries(conn)


def test_user_password_is_argon2_and_creation_is_audited(engine):
    accounts.create_user(engine, "cli:root", "alice", PASSWORD, "admin")
    with engine.connect() as conn:
        row = conn.execute(select(db.users).where(db.users.c.name == "alice")).one()
    assert row.password_hash.startswith("$argon2id$") and PASSWORD not in row.password_hash
    actions = [(e["actor"], e["action"], e["target"]) for e in _audit(engine)]
    assert ("cli:root", "user.create", "user:alice") in actions and ("cli:root", "role.grant", "user:alice") in actions
    assert all(PASSWORD not in str(e) and "$argon2" not in str(e) for e in _audit(engine))
    assert _audit(engine)[0]["at"].tzinfo is not None
    with pytest.raises(HubError, match="exists already"):
        accounts.create_user(engine, "t", "alice", PASSWORD, "admin")


@pytest.mark.parametrize("name, password, role, node, field", [
    ("bad name", PASSWORD, "admin", None, "user"),
    ("", PASSWORD, "admin", None, "user"),
    ("bob", "short", "admin", None, "password"),
    ("bob", " " + PASSWORD, "admin", None, "password"),
    ("bob", PASSWORD, "owner", None, "role"),
    ("bob", PASSWORD, "admin", "c1", "node"),
    ("bob", PASSWORD, "editor", None, "node"),
    ("bob", PASSWORD, "editor", "nowhere", "node"),
])
def test_bad_users_are_refused_by_field_and_leave_nothing(tree, name, password, role, node, field):
    with pytest.raises(HubError) as err:
        accounts.create_user(tree, "t", name, password, role, node)
    assert err.value.field == field
    with tree.connect() as conn:
        assert conn.execute(select(db.users)).first() is None  # the grant failed: no user without a role


def test_roles_on_the_tree(tree):
    accounts.create_user(tree, "t", "ed", PASSWORD, "editor", "s1")
    accounts.grant(tree, "t", "ed", "viewer", "d1")
    accounts.grant(tree, "t", "ed", "viewer", "d1")  # again: no second row, no second record
    assert accounts.roles_of(tree, "ed") == [("editor", "s1"), ("viewer", "d1")]
    assert sum(e["action"] == "role.grant" for e in _audit(tree)) == 2
    assert org.subtree(tree, "s1") == {"s1", "c1", "c2"} and org.subtree(tree, "c1") == {"c1"}


def test_tree_shape_is_enforced(tree):
    with pytest.raises(HubError, match="under a street"):
        org.add_node(tree, "t", "c3", "community", "x", "d1")
    with pytest.raises(HubError, match="at the top"):
        org.add_node(tree, "t", "d2", "district", "x", "d1")
    with pytest.raises(HubError, match="exists already"):
        org.add_node(tree, "t", "c1", "community", "x", "s1")
    with pytest.raises(HubError) as err:
        org.add_node(tree, "t", "../x", "district", "x")
    assert err.value.field == "id"


def test_tokens_are_stored_as_sha256_and_can_be_revoked(engine):
    accounts.create_user(engine, "t", "alice", PASSWORD, "admin")
    token = accounts.create_token(engine, "t", "alice")
    with engine.connect() as conn:
        row = conn.execute(select(db.api_tokens)).one()
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest() and row.last_used_at is None
    assert accounts.user_for_token(engine, token) == "alice"
    with engine.connect() as conn:
        assert conn.execute(select(db.api_tokens.c.last_used_at)).scalar() is not None
    assert accounts.user_for_token(engine, token + "x") is None
    assert accounts.user_for_token(engine, row.token_hash) is None  # the stored hash signs nobody in
    assert accounts.revoke_token(engine, "t", token) and not accounts.revoke_token(engine, "t", token)
    assert accounts.user_for_token(engine, token) is None
    assert token not in str(_audit(engine))


def test_an_expired_token_is_refused(engine):
    import datetime as dt

    from sqlalchemy import update

    accounts.create_user(engine, "t", "alice", PASSWORD, "admin")
    token = accounts.create_token(engine, "t", "alice", dt.timedelta(minutes=30))
    assert accounts.user_for_token(engine, token) == "alice"
    with engine.begin() as conn:
        conn.execute(update(db.api_tokens).values(expires_at=db.utcnow() - dt.timedelta(seconds=1)))
    assert accounts.user_for_token(engine, token) is None
    with engine.begin() as conn:  # a token from before revision 0004 has no expiry
        conn.execute(update(db.api_tokens).values(expires_at=None))
    assert accounts.user_for_token(engine, token) == "alice"


def test_disabled_user_gets_no_token_and_loses_theirs(engine):
    from sqlalchemy import update

    accounts.create_user(engine, "t", "alice", PASSWORD, "admin")
    token = accounts.create_token(engine, "t", "alice")
    with engine.begin() as conn:
        conn.execute(update(db.users).values(disabled=True))
    assert accounts.user_for_token(engine, token) is None
    with pytest.raises(HubError, match="disabled"):
        accounts.create_token(engine, "t", "alice")
    with pytest.raises(HubError, match="no user"):
        accounts.create_token(engine, "t", "nobody")


def test_enrolment_code_is_one_time_and_expires(tree):
    code, expires = org.create_code(tree, "t", "c1", dt.timedelta(hours=24))
    assert len(code) == 19 and code.count("-") == 3
    assert dt.timedelta(hours=23) < expires - db.utcnow() <= dt.timedelta(hours=24)
    with tree.connect() as conn:
        stored = conn.execute(select(db.enrolment_codes.c.code_hash)).scalar()
    assert code not in stored and code.replace("-", "") not in str(_audit(tree))
    assert org.redeem(tree, "wrong-code") is None
    assert org.redeem(tree, code.lower().replace("-", " ")) == "c1"  # typed loosely on a kiosk: still it
    assert org.redeem(tree, code) is None  # once only
    old, _ = org.create_code(tree, "t", "c2", dt.timedelta(minutes=1))
    from sqlalchemy import update

    with tree.begin() as conn:
        conn.execute(update(db.enrolment_codes).where(db.enrolment_codes.c.centre_id == "c2")
                     .values(expires_at=db.utcnow() - dt.timedelta(seconds=1)))
    assert org.redeem(tree, old) is None


def test_choose_centre(engine, tree):
    with pytest.raises(HubError, match="2 centres"):
        org.choose_centre(tree, None)
    assert org.choose_centre(tree, "c2") == "c2"
    with pytest.raises(HubError, match="no centre 's1'"):
        org.choose_centre(tree, "s1")


@pytest.mark.parametrize("text, delta", [("30m", dt.timedelta(minutes=30)), ("24h", dt.timedelta(hours=24)),
                                         ("7d", dt.timedelta(days=7))])
def test_durations(text, delta):
    assert org.parse_duration(text) == delta


@pytest.mark.parametrize("text", ["", "0h", "24", "1w", "31d", "-1h", "1.5h", "２h"])
def test_bad_durations(text):
    with pytest.raises(HubError) as err:
        org.parse_duration(text)
    assert err.value.field == "expires"


def test_signing_key_file_and_rotation_chain(engine, tmp_path):
    keys_dir = tmp_path / "keys"
    first = keys.create_first(engine, keys_dir, "t")
    (key_file,) = keys_dir.iterdir()
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600 and first.encode() not in key_file.read_bytes()
    with pytest.raises(HubError, match="rotate-key"):
        keys.create_first(engine, keys_dir, "t")
    current = keys.active(engine, keys_dir)
    assert current.public_key == first and current.rotation_signature is None

    new = keys.rotate(engine, keys_dir, "t")
    assert keys.active(engine, keys_dir).public_key == new.public_key != first
    # a terminal that pinned the first key accepts the new one through the chain, and its bodies
    pinned = signing.load_public_key(first)
    for public, proof in keys.chain(engine)[1:]:
        pinned = signing.verify_rotation(pinned, public, proof)
    signing.verify(pinned, b"{}", signing.sign(new.private, b"{}"))
    assert any(e["action"] == "key.rotate" and e["before"]["public_key"] == first for e in _audit(engine))
    assert len(list(keys_dir.iterdir())) == 2


def test_a_readable_or_missing_key_file_is_refused(engine, tmp_path):
    keys_dir = tmp_path / "keys"
    keys.create_first(engine, keys_dir, "t")
    (key_file,) = keys_dir.iterdir()
    key_file.chmod(0o644)
    with pytest.raises(HubError, match="mode 0644"):
        keys.active(engine, keys_dir)
    key_file.unlink()
    with pytest.raises(HubError, match="cannot read"):
        keys.rotate(engine, keys_dir, "t")


def test_racing_rotations_leave_one_active_key_and_an_unbroken_chain(engine, tmp_path):
    """Four rotate-key at once: each wins or is told to try again; the chain still verifies."""
    import threading

    keys_dir = tmp_path / "keys"
    first = keys.create_first(engine, keys_dir, "t")
    barrier, outcomes = threading.Barrier(4), []

    def one():
        barrier.wait()
        try:
            keys.rotate(engine, keys_dir, "t")
            outcomes.append("won")
        except HubError as exc:
            outcomes.append(exc.code)

    threads = [threading.Thread(target=one) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(outcomes) == 4 and set(outcomes) <= {"won", "conflict"} and "won" in outcomes
    with engine.connect() as conn:
        assert len(conn.execute(select(db.signing_keys.c.id).where(db.signing_keys.c.active.is_(True))).all()) == 1
    pinned = signing.load_public_key(first)
    for public, proof in keys.chain(engine)[1:]:
        pinned = signing.verify_rotation(pinned, public, proof)
    assert signing.public_key_b64(pinned) == keys.active(engine, keys_dir).public_key
