"""Unknown paths and methods under /admin/ are the pages' own Chinese error page (404 / 405),
signed in or not, while the JSON API keeps its JSON answers and known pages still send a
signed-out browser to the sign-in page. SQLite and PostgreSQL."""
from __future__ import annotations

from tests.admin_support import browser, signed_in
from tests.hub_api_support import api, database_url  # noqa: F401  (fixtures)

NO_PAGE = "没有这个页面"


def _is_error_page(answer, status: int, words: str) -> None:
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"].startswith("text/html")
    assert words in answer.text and "无法显示此页面" in answer.text and "返回内容列表" in answer.text
    assert "script-src 'self'" in answer.headers["content-security-policy"]
    assert "detail" not in answer.text


def test_an_unknown_admin_path_is_the_404_page(api):  # noqa: F811
    client = signed_in(api, "ed-a")
    for path in ("/admin/anything-unknown", "/admin/items/x/unknown", "/admin/items/n-1/edit/more",
                 "/admin/terminals/t/nothing", "/admin/static/missing.css", "/admin/%3Cscript%3E"):
        answer = client.get(path)
        _is_error_page(answer, 404, NO_PAGE)
        assert "退出登录" in answer.text  # the header of a signed-in page
    assert "<script>" not in client.get("/admin/<script>alert(1)</script>").text


def test_a_signed_out_browser_gets_the_404_page_or_the_sign_in_page(api):  # noqa: F811
    client = browser(api)
    _is_error_page(client.get("/admin/anything-unknown"), 404, NO_PAGE)
    for known in ("/admin/items", "/admin/terminals", "/admin/items/x"):
        answer = client.get(known, follow_redirects=False)
        assert answer.status_code == 303 and answer.headers["location"].startswith("/admin/login?next="), known


def test_a_wrong_method_is_the_405_page(api):  # noqa: F811
    client = signed_in(api, "ed-a")
    answer = client.post("/admin/items", data={})
    _is_error_page(answer, 405, "此页面不接受这种请求")
    assert answer.headers["allow"] == "GET"
    _is_error_page(client.delete("/admin/terminals"), 405, "此页面不接受这种请求")


def test_the_json_api_keeps_its_json_answers(api):  # noqa: F811
    for method, path, status in (("GET", "/api/staff/no-such-thing", 404), ("GET", "/administrator", 404),
                                 ("GET", "/no-such-thing", 404), ("DELETE", "/api/staff/whoami", 405)):
        answer = api.call("admin", method, path)
        assert answer.status_code == status, (path, answer.text)
        assert answer.headers["content-type"] == "application/json"
        assert answer.json()["error"] == {404: "not_found", 405: "method_not_allowed"}[status]
    assert api.call("admin", "GET", "/api/staff/items/nope").json()["error"] == "not_found"
