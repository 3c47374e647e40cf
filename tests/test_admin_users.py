"""The 用户 page: admins only; creating a user who can then sign in; granting and removing a role;
disabling a user refuses their session and token at once; CSRF; mistakes in Chinese by the field."""
from __future__ import annotations

import re

from hub import accounts
from tests.admin_support import browser, signed_in, try_login
from tests.hub_api_support import api  # noqa: F401  (a fixture)
from tests.hub_support import database_url  # noqa: F401  (a fixture)

NEW_PASSWORD = "another long password"


def _csrf(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


def _admin(api):
    client = signed_in(api, "admin")
    page = client.get("/admin/users")
    assert page.status_code == 200, page.text
    return client, _csrf(page.text)


def test_an_editor_gets_403_and_cannot_post(api):  # noqa: F811
    client = signed_in(api, "ed-s1")
    page = client.get("/admin/users")
    assert page.status_code == 403 and "此页面仅限管理员使用" in page.text
    csrf = _csrf(page.text)
    answer = client.post("/admin/users", data={"csrf": csrf, "name": "x1", "password": NEW_PASSWORD,
                                               "again": NEW_PASSWORD, "role": "admin"})
    assert answer.status_code == 403
    assert client.post("/admin/users/disable", data={"csrf": csrf, "user": "ed-a"}).status_code == 403
    assert "x1" not in [u["name"] for u in accounts.list_users(api.engine)]


def test_admin_lists_creates_and_the_user_signs_in(api):  # noqa: F811
    client, csrf = _admin(api)
    page = client.get("/admin/users").text
    assert "用户" in page and "ed-a" in page and "编辑" in page and "查看者" in page and "c-a" in page
    data = {"name": "new-ed", "password": NEW_PASSWORD, "again": NEW_PASSWORD, "role": "editor", "node": "c-b"}
    assert client.post("/admin/users", data=data).status_code == 403  # no CSRF token
    made = client.post("/admin/users", data={**data, "csrf": csrf}, follow_redirects=True)
    assert made.status_code == 200 and "用户已创建" in made.text and "new-ed" in made.text
    assert accounts.roles_of(api.engine, "new-ed") == [("editor", "c-b")]
    assert try_login(browser(api), "new-ed", NEW_PASSWORD).status_code == 303
    again = client.post("/admin/users", data={**data, "csrf": csrf})
    assert again.status_code == 409 and "不能与已有用户重名" in again.text


def test_mistakes_are_shown_by_their_field(api):  # noqa: F811
    client, csrf = _admin(api)
    base = {"csrf": csrf, "name": "<b>x</b>", "password": NEW_PASSWORD, "again": NEW_PASSWORD, "role": "viewer",
            "node": "c-a"}
    bad_name = client.post("/admin/users", data=base)
    assert bad_name.status_code == 422 and "用户名为 1 至 64 个" in bad_name.text
    assert "<b>x</b>" not in bad_name.text and "&lt;b&gt;x&lt;/b&gt;" in bad_name.text
    differ = client.post("/admin/users", data={**base, "name": "v2", "again": "something else entirely"})
    assert differ.status_code == 422 and "两次输入的密码不一致" in differ.text
    short = client.post("/admin/users", data={**base, "name": "v2", "password": "short", "again": "short"})
    assert short.status_code == 422 and "10 至 200" in short.text
    no_node = client.post("/admin/users", data={**base, "name": "v2", "node": ""})
    assert no_node.status_code == 422 and "须选择组织" in no_node.text
    assert "v2" not in [u["name"] for u in accounts.list_users(api.engine)]


def test_grant_and_remove_a_role(api):  # noqa: F811
    client, csrf = _admin(api)
    assert client.post("/admin/users/grant", data={"user": "view-a", "role": "editor", "node": "c-c"}).status_code == 403
    granted = client.post("/admin/users/grant", data={"csrf": csrf, "user": "view-a", "role": "editor", "node": "c-c"},
                          follow_redirects=True)
    assert granted.status_code == 200 and "已授权" in granted.text
    assert ("editor", "c-c") in accounts.roles_of(api.engine, "view-a")
    removed = client.post("/admin/users/revoke", data={"csrf": csrf, "user": "view-a", "role": "editor", "node": "c-c"},
                          follow_redirects=True)
    assert removed.status_code == 200 and "已撤销授权" in removed.text
    assert accounts.roles_of(api.engine, "view-a") == [("viewer", "c-a")]
    bad = client.post("/admin/users/grant", data={"csrf": csrf, "user": "view-a", "role": "editor", "node": ""})
    assert bad.status_code == 422 and "须选择组织" in bad.text
    own = client.post("/admin/users/revoke", data={"csrf": csrf, "user": "admin", "role": "admin"})
    assert own.status_code == 409 and "不能对自己的账号" in own.text
    assert client.post("/admin/users/grant", data={"csrf": csrf, "user": "ghost", "role": "admin"}).status_code == 404
    audit = client.get("/admin/audit?target=user:view-a").text
    assert "授权" in audit and "撤销授权" in audit


def test_disabling_refuses_session_and_token_at_once(api):  # noqa: F811
    victim = signed_in(api, "ed-a")
    assert victim.get("/admin/items").status_code == 200
    assert api.call("ed-a", "GET", "/api/staff/items").status_code == 200
    client, csrf = _admin(api)
    assert client.post("/admin/users/disable", data={"user": "ed-a"}).status_code == 403  # no CSRF token
    done = client.post("/admin/users/disable", data={"csrf": csrf, "user": "ed-a"}, follow_redirects=True)
    assert done.status_code == 200 and "用户已停用" in done.text
    assert victim.get("/admin/items", follow_redirects=False).status_code in (302, 303, 307)
    assert api.call("ed-a", "GET", "/api/staff/items").status_code == 401
    assert try_login(browser(api), "ed-a").status_code != 303
    assert client.post("/admin/users/disable", data={"csrf": csrf, "user": "admin"}).status_code == 409
    enabled = client.post("/admin/users/enable", data={"csrf": csrf, "user": "ed-a"}, follow_redirects=True)
    assert enabled.status_code == 200 and "用户已启用" in enabled.text
    assert try_login(browser(api), "ed-a").status_code == 303
