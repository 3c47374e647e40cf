"""The item page's 预览 and 送达 sections (hub.admin.pages_preview): the preview image route draws a
demo guide at the size asked for (one real render, SQLite: each takes seconds), answers another
centre's staff 404 and a render that cannot be done with its reason in Chinese (an SVG, not a broken
image); a published urgent notice's page says how many of its terminals show it and which do not."""
from __future__ import annotations

import io

from fastapi.testclient import TestClient
from PIL import Image

from tests.admin_support import signed_in
from tests.hub_api_support import api, database_url, guide, notice  # noqa: F401  (fixtures)
from tests.test_hub_preview import hub as demo  # noqa: F401  (the demo imported, SQLite; module-scoped)
from tests.test_hub_items import centre_item
from tests.test_hub_reach import _publish, _terminal, _version
from tests.test_hub_terminals import auth, beat

GUIDE = "guide-medical-insurance"


def test_the_item_page_shows_the_guide_as_a_terminal_draws_it(demo):  # noqa: F811
    client = signed_in(demo, "ed-demo")
    page = client.get(f"/admin/items/{GUIDE}")
    assert page.status_code == 200 and "预览" in page.text and "横屏 1920×1080" in page.text
    url = f"/admin/items/{GUIDE}/preview.png?size=1920x1080&amp;which=published"
    assert url in page.text
    shot = client.get(url.replace("&amp;", "&"))
    assert shot.status_code == 200, shot.text
    assert shot.headers["content-type"] == "image/png"
    assert Image.open(io.BytesIO(shot.content)).size == (1920, 1080)


def test_another_centres_editor_gets_404_and_no_session_signs_in(demo):  # noqa: F811
    demo.add_user("ed-other", "editor", "other-centre")
    other = signed_in(demo, "ed-other")
    for path in (f"/admin/items/{GUIDE}/preview.png", f"/admin/items/{GUIDE}"):
        answer = other.get(path)
        assert answer.status_code == 404 and "image" not in answer.headers["content-type"]
    anonymous = TestClient(demo.client.app).get(f"/admin/items/{GUIDE}/preview.png", follow_redirects=False)
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/admin/login")


def test_preview_permissions_and_reasons(api):  # noqa: F811
    for doc in (guide("g-b", "c-b"), guide("g-a", "c-a")):
        assert api.call("admin", "POST", "/api/staff/items", json=doc).status_code == 201
    client = signed_in(api, "ed-a")
    assert client.get("/admin/items/g-b/preview.png").status_code == 404
    assert client.get("/admin/items/g-a/preview.png?size=800x480").status_code == 422
    why = client.get("/admin/items/g-a/preview.png")  # c-a has published nothing: nothing to draw it among
    assert why.status_code == 409 and why.headers["content-type"].startswith("image/svg+xml")
    assert "该社区尚未发布任何内容" in why.text and "<script" not in why.text
    page = client.get("/admin/items/g-a")
    assert page.status_code == 200 and "/admin/items/g-a/preview.png?size=1080x1920&amp;which=draft" in page.text
    assert "送达情况" not in page.text  # reach is for published notices


def test_a_published_urgent_notice_says_how_many_terminals_show_it(api):  # noqa: F811
    _publish(api, centre_item("c-a"))
    _publish(api, centre_item("c-b"))
    where = {"a-new": "c-a", "a-old": "c-a", "b-new": "c-b"}
    fleet = {name: _terminal(api, centre) for name, centre in where.items()}
    before = _version(api, fleet["a-old"][1])
    _publish(api, notice("urgent-1", "s1", level="urgent", title="紧急通知：停水"))
    for name, (_tid, token) in fleet.items():
        shown = before if name == "a-old" else _version(api, token)
        answer = api.client.post("/api/v1/heartbeat", json=beat(version_shown=shown), headers=auth(token))
        assert answer.status_code == 200, answer.text
    a1, a2, b1 = (fleet[name][0] for name in where)
    page = signed_in(api, "admin").get("/admin/items/urgent-1")
    assert page.status_code == 200 and "已送达 2 / 3 台终端" in page.text and "紧急" in page.text
    assert a2 in page.text and a1 not in page.text and b1 not in page.text
    mine = signed_in(api, "ed-b").get("/admin/items/urgent-1")
    assert "已送达 1 / 1 台终端" in mine.text and a2 not in mine.text
