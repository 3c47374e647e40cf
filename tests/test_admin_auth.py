"""The staff web pages' sign-in, sessions, CSRF and password change (hub.admin), on SQLite and
PostgreSQL, through the real app and its sign-in form."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update

from hub import accounts, db
from hub.admin import sessions
from tests.admin_support import browser, csrf_of, hidden, signed_in, try_login
from tests.hub_api_support import PASSWORD, api, database_url  # noqa: F401  (fixtures)

WRONG = "用户名或密码错误"


def test_sign_in_sets_a_hardened_cookie_and_stores_only_its_hash(api):  # noqa: F811
    client = browser(api)
    answer = try_login(client, "ed-a")
    assert answer.status_code == 303 and answer.headers["location"] == "/admin/items"
    cookie = answer.headers["set-cookie"]
    assert "khub_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert "Secure" not in cookie  # plain http here
    raw = client.cookies.get(sessions.COOKIE)
    with api.engine.connect() as conn:
        hashes = conn.execute(select(db.staff_sessions.c.id_hash)).scalars().all()
    assert hashes == [accounts.digest(raw)] and raw not in hashes
    page = client.get("/admin/items")
    assert page.status_code == 200 and "ed-a" in page.text and "退出登录" in page.text


def test_the_cookie_is_secure_over_https(api):  # noqa: F811
    from fastapi.testclient import TestClient

    client = TestClient(api.client.app, base_url="https://testserver")
    assert "Secure" in try_login(client, "ed-a").headers["set-cookie"]


def test_pages_need_a_session(api):  # noqa: F811
    answer = browser(api).get("/admin/items?kind=notice", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/admin/login?next=/admin/items%3Fkind%3Dnotice"


def test_wrong_password_and_unknown_user_read_the_same(api):  # noqa: F811
    wrong = try_login(browser(api), "ed-a", "not the password at all")
    unknown = try_login(browser(api), "nobody-here", "not the password at all")
    assert wrong.status_code == unknown.status_code == 401
    assert WRONG in wrong.text and WRONG in unknown.text
    assert "nobody-here" in unknown.text  # the name stays in the field, nothing says it is unknown
    assert wrong.text.replace("ed-a", "X").count("用户") == unknown.text.replace("nobody-here", "X").count("用户")


def test_lockout_tells_the_minutes_and_refuses_the_right_password(api):  # noqa: F811
    client = browser(api)
    for _ in range(5):
        assert try_login(client, "ed-b", "wrong password here").status_code == 401
    locked = try_login(client, "ed-b")
    assert locked.status_code == 429
    assert "尝试次数过多，请 15 分钟后再试" in locked.text


def test_a_post_without_the_csrf_token_is_refused(api):  # noqa: F811
    client = signed_in(api, "ed-a")
    for data in ({}, {"csrf": "forged"}):
        answer = client.post("/admin/logout", data=data)
        assert answer.status_code == 403 and "此表单已过期" in answer.text
    assert client.get("/admin/items", follow_redirects=False).status_code == 200  # still signed in
    page = browser(api).get("/admin/login")
    no_token = browser(api).post("/admin/login", data={"user": "ed-a", "password": PASSWORD,
                                                       "login_token": hidden(page.text, "login_token")})
    assert no_token.status_code == 403  # the form's token without its cookie: a cross-site post


def test_sign_out_ends_the_session(api):  # noqa: F811
    client = signed_in(api, "ed-a")
    raw = client.cookies.get(sessions.COOKIE)
    answer = client.post("/admin/logout", data={"csrf": csrf_of(client)}, follow_redirects=False)
    assert answer.status_code == 303
    replay = browser(api)
    replay.cookies.set(sessions.COOKIE, raw, path="/admin")
    assert replay.get("/admin/items", follow_redirects=False).status_code == 303
    with api.engine.connect() as conn:
        assert conn.execute(select(db.staff_sessions)).first() is None


def test_changing_the_password_ends_the_other_sessions(api):  # noqa: F811
    here, there = signed_in(api, "ed-a"), signed_in(api, "ed-a")
    new = "another long password"
    form = {"csrf": csrf_of(here), "old": PASSWORD, "new": new, "again": new + "x"}
    assert "两次输入的新密码不一致" in here.post("/admin/password", data=form).text
    answer = here.post("/admin/password", data={**form, "again": new})
    assert answer.status_code == 200 and "密码已修改" in answer.text
    assert here.get("/admin/items", follow_redirects=False).status_code == 200
    assert there.get("/admin/items", follow_redirects=False).status_code == 303
    assert try_login(browser(api), "ed-a").status_code == 401
    assert try_login(browser(api), "ed-a", new).status_code == 303
    short = here.post("/admin/password", data={"csrf": csrf_of(here), "old": new, "new": "short", "again": "short"})
    assert short.status_code == 422 and "10 至 200" in short.text


def test_a_disabled_user_is_refused_at_once(api):  # noqa: F811
    client = signed_in(api, "ed-a")
    with api.engine.begin() as conn:
        conn.execute(update(db.users).where(db.users.c.name == "ed-a").values(disabled=True))
    assert client.get("/admin/items", follow_redirects=False).status_code == 303


def test_idle_and_absolute_timeouts(api):  # noqa: F811
    client = signed_in(api, "ed-a")
    s = db.staff_sessions.c
    with api.engine.begin() as conn:
        conn.execute(update(db.staff_sessions).values(last_seen_at=db.utcnow() - sessions.IDLE - dt.timedelta(1)))
    assert client.get("/admin/items", follow_redirects=False).status_code == 303
    client = signed_in(api, "ed-a")
    with api.engine.begin() as conn:
        conn.execute(update(db.staff_sessions).values(expires_at=db.utcnow() - dt.timedelta(seconds=1)))
        assert conn.execute(select(s.id_hash)).first() is not None
    assert client.get("/admin/items", follow_redirects=False).status_code == 303


def test_next_never_leaves_the_site(api):  # noqa: F811
    client = browser(api)
    page = client.get("/admin/login?next=//evil.example/admin/")
    answer = client.post("/admin/login", data={"user": "ed-a", "password": PASSWORD, "next": "https://evil.example/",
                                               "login_token": hidden(page.text, "login_token")},
                         follow_redirects=False)
    assert answer.headers["location"] == "/admin/items"


def test_a_form_posted_after_the_session_ended_leads_to_sign_in(api):  # noqa: F811
    client = browser(api)
    answer = client.post("/admin/items/x/publish", data={"csrf": "x"}, follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/admin/login?next=/admin/items"


def test_timed_out_sessions_are_removed_at_the_next_sign_in(api):  # noqa: F811
    signed_in(api, "ed-a")
    with api.engine.begin() as conn:
        conn.execute(update(db.staff_sessions).values(last_seen_at=db.utcnow() - sessions.IDLE))
    signed_in(api, "ed-b")
    with api.engine.connect() as conn:
        rows = conn.execute(select(db.staff_sessions.c.user_id)).all()
    assert len(rows) == 1
