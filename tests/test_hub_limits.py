"""Sign-in lockout and rate limits, counted in the database (SQLite and PostgreSQL), and the
migration that added their table keeping what was there."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import insert, select, update

from hub import accounts, db, limits, migrate
from hub.errors import HubError
from tests.hub_support import database_url  # noqa: F401  (a fixture)

PASSWORD = "correct horse 9"


@pytest.fixture
def engine(database_url):
    engine = db.make_engine(database_url)
    migrate.upgrade(engine)
    accounts.create_user(engine, "t", "alice", PASSWORD, "admin")
    yield engine
    engine.dispose()


def _code(engine, name, password, client=None):
    try:
        accounts.verify_login(engine, name, password, client)
        return 200
    except HubError as exc:
        return exc.status


def _unlock(engine):
    with engine.begin() as conn:
        conn.execute(update(db.auth_failures).values(locked_until=db.utcnow() - dt.timedelta(seconds=1)))


def test_five_wrong_passwords_lock_even_the_right_one(engine):
    assert accounts.verify_login(engine, "alice", PASSWORD) == "alice"
    assert [_code(engine, "alice", "wrong password") for _ in range(5)] == [401] * 5
    with pytest.raises(HubError, match=r"try again in \d+ s") as err:
        accounts.verify_login(engine, "alice", PASSWORD)
    assert err.value.status == 429 and 890 <= int(err.value.message.split()[-2]) <= 900
    _unlock(engine)
    assert _code(engine, "alice", PASSWORD) == 200  # the lock is over and a success clears the count
    with engine.connect() as conn:
        assert conn.execute(select(db.auth_failures)).first() is None


def test_after_a_lock_one_more_failure_locks_again(engine):
    for _ in range(5):
        _code(engine, "alice", "wrong password")
    _unlock(engine)
    assert _code(engine, "alice", "wrong password") == 401
    assert _code(engine, "alice", PASSWORD) == 429


def test_unknown_names_and_disabled_users_get_the_same_answer(engine):
    with pytest.raises(HubError) as unknown:
        accounts.verify_login(engine, "nobody", PASSWORD)
    with pytest.raises(HubError) as wrong:
        accounts.verify_login(engine, "alice", "wrong password")
    assert (unknown.value.status, unknown.value.message) == (wrong.value.status, wrong.value.message)
    with engine.begin() as conn:
        conn.execute(update(db.users).values(disabled=True))
    assert _code(engine, "alice", PASSWORD) == 401
    assert [_code(engine, "nobody", "x" * 12) for _ in range(4)] == [401] * 4  # one failed above
    assert _code(engine, "nobody", "x" * 12) == 429  # unknown names lock too: nothing tells them apart


def test_one_client_address_is_limited_across_names(engine):
    for i in range(5):
        assert _code(engine, f"guess{i}", "wrong password", client="10.0.0.9") == 401
    assert _code(engine, "alice", PASSWORD, client="10.0.0.9") == 429
    assert _code(engine, "alice", PASSWORD, client="10.0.0.10") == 200


def test_the_window_forgets_old_failures(engine):
    start = db.utcnow()
    limit = limits.Limit(failures=3, window=dt.timedelta(minutes=10), lock=dt.timedelta(minutes=1))
    with engine.begin() as conn:
        assert limits.failed(conn, "k", limit, start) == 1
        assert limits.failed(conn, "k", limit, start + dt.timedelta(minutes=5)) == 2
        assert limits.failed(conn, "k", limit, start + dt.timedelta(minutes=11)) == 1  # a new window
        limits.check(conn, "k", start + dt.timedelta(minutes=11))
        limits.failed(conn, "k", limit, start + dt.timedelta(minutes=12))
        assert limits.failed(conn, "k", limit, start + dt.timedelta(minutes=12)) == 3
        with pytest.raises(HubError):
            limits.check(conn, "k", start + dt.timedelta(minutes=12, seconds=30))
        limits.check(conn, "k", start + dt.timedelta(minutes=13, seconds=1))  # the lock ran out


def test_upgrade_from_the_first_revision_keeps_the_data(database_url):
    engine = db.make_engine(database_url)
    try:
        migrate.upgrade(engine, "0001")
        assert migrate.current(engine) == "0001" != migrate.head()
        with engine.begin() as conn:
            conn.execute(insert(db.users).values(name="kept", password_hash="x", disabled=False,
                                                 created_at=db.utcnow()))
        migrate.upgrade(engine)
        assert migrate.current(engine) == migrate.head()
        with engine.connect() as conn:
            assert conn.execute(select(db.users.c.name)).scalars().all() == ["kept"]
            assert conn.execute(select(db.auth_failures)).all() == []
    finally:
        engine.dispose()


def test_enrolment_guesses_from_one_address_are_limited(engine):
    from hub import org

    org.add_node(engine, "t", "d1", "district", "区")
    org.add_node(engine, "t", "s1", "street", "街道", "d1")
    org.add_node(engine, "t", "c1", "community", "社区", "s1")
    code, _ = org.create_code(engine, "t", "c1", dt.timedelta(hours=1))
    for i in range(limits.ENROL.failures):
        assert org.redeem(engine, f"AAAA-BBBB-CCCC-{i:04d}", client="10.1.1.1") is None
    with pytest.raises(HubError) as err:
        org.redeem(engine, code, client="10.1.1.1")  # even the right code, while locked
    assert err.value.status == 429
    assert org.redeem(engine, code, client="10.1.1.2") == "c1"  # another address; the code was not spent


def test_failures_counted_at_once_by_many_workers_are_all_counted(engine):
    """Eight threads (own connections, as worker processes would have) fail on one key at once."""
    import threading

    limit = limits.Limit(failures=1000, window=dt.timedelta(minutes=10), lock=dt.timedelta(minutes=1))
    barrier = threading.Barrier(8)

    def worker():
        barrier.wait()
        for _ in range(5):
            with engine.begin() as conn:
                limits.failed(conn, "shared", limit)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    with engine.connect() as conn:
        assert conn.execute(select(db.auth_failures.c.count).where(db.auth_failures.c.key == "shared")).scalar() == 40
