"""`GET /api/staff/items/{id}/preview`: the terminal's own renderer (`kiosk screenshot` in a
subprocess) draws a draft among the centre's published content. On a hub with the demo imported
(SQLite: the renders, not the database, are what is tested; each takes seconds, so there are
three): a draft guide with a new title differs from the published guide where the title is; a
notice at 1920x1080; a second request comes from the cache without a subprocess; readers of
another centre get 404, a bad size 422; a render past its timeout is killed and answered 503.
The PNGs go to tests/_screenshots/ (gitignored) for a person to look at."""
from __future__ import annotations

import datetime as dt
import io
import os
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from PIL import Image, ImageChops

from hub import accounts, db, demo_import, org, preview
from hub.api import create_app
from hub.errors import HubError
from tests.hub_api_support import ApiHub, api, database_url, guide, init_hub  # noqa: F401  (fixtures)

SHOTS = Path(__file__).resolve().parent / "_screenshots"
GUIDE = "guide-medical-insurance"
NEW_TITLE = "预览测试：城乡居民医保新标题"
TITLE_BOX = (40, 190, 760, 280)  # the guide's title at 1080x1920 (below the header bar)


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("preview")
    settings = init_hub(tmp / "hub", f"sqlite:///{tmp / 'hub.sqlite'}", tmp / "pw")
    engine = db.make_engine(settings.database)
    try:
        demo_import.import_demo(engine, settings, "test", demo_import.demo_writer(dt.date.today()))
        org.add_node(engine, "test", "other-centre", "community", "别的社区", "demo-street")
        h = ApiHub(client=None, settings=settings, engine=engine)  # type: ignore[arg-type]
        h.tokens["admin"] = accounts.create_token(engine, "test", "admin")
        h.add_user("ed-demo", "editor", "demo-centre")
        h.add_user("view-other", "viewer", "other-centre")
        with TestClient(create_app(settings)) as client:
            h.client = client
            yield h
    finally:
        engine.dispose()


def png(response, name: str) -> Image.Image:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "image/png"
    SHOTS.mkdir(exist_ok=True)
    (SHOTS / f"{name}.png").write_bytes(response.content)
    return Image.open(io.BytesIO(response.content)).convert("RGB")


def differs(a: Image.Image, b: Image.Image) -> bool:
    return ImageChops.difference(a, b).getbbox() is not None


def preview_url(item_id: str, **query) -> str:
    return f"/api/staff/items/{item_id}/preview?" + "&".join(f"{k}={v}" for k, v in query.items())


def test_a_draft_guide_is_drawn_as_the_terminal_draws_it(hub):
    published = png(hub.call("ed-demo", "GET", preview_url(GUIDE, which="published")), "hub_preview_published")
    doc = hub.call("ed-demo", "GET", f"/api/staff/items/{GUIDE}").json()["published"]
    put = hub.call("ed-demo", "PUT", f"/api/staff/items/{GUIDE}", json={**doc, "title": NEW_TITLE})
    assert put.status_code == 200, put.text
    started = time.monotonic()
    draft = png(hub.call("ed-demo", "GET", preview_url(GUIDE, size="1080x1920")), "hub_preview_draft")
    cold = time.monotonic() - started
    assert draft.size == published.size == (1080, 1920)
    assert differs(draft, published)
    assert differs(draft.crop(TITLE_BOX), published.crop(TITLE_BOX))  # the title is where it changed
    # the same centre around it: the urgent notice's banner and the header bar are unchanged
    assert not differs(draft.crop((0, 0, 1080, 150)), published.crop((0, 0, 1080, 150)))

    def no_subprocess(*_args, **_kwargs):
        raise AssertionError("a cached preview started the renderer")

    mp = pytest.MonkeyPatch()
    mp.setattr(preview.subprocess, "Popen", no_subprocess)
    try:
        started = time.monotonic()
        again = hub.call("ed-demo", "GET", preview_url(GUIDE, size="1080x1920"))
        warm = time.monotonic() - started
    finally:
        mp.undo()
    assert again.status_code == 200 and again.content == draft_bytes(draft, again)
    assert warm < 0.5 < cold, (warm, cold)
    cache = list((hub.settings.data_dir / "preview" / "cache").glob("*.png"))
    assert len(cache) == 2 and not list((hub.settings.data_dir / "preview").glob("render-*"))


def draft_bytes(draft: Image.Image, response) -> bytes:
    assert Image.open(io.BytesIO(response.content)).convert("RGB").tobytes() == draft.tobytes()
    return response.content


def test_a_notice_to_be_published_next_week_at_1920x1080(hub):
    """A terminal shows a notice only from its publish_at: the preview is drawn at that time."""
    listing = hub.call("admin", "GET", "/api/staff/items?kind=notice&centre=demo-centre").json()
    notice = next(i for i in listing["items"] if i["kind"] == "notice")
    doc = hub.call("admin", "GET", f"/api/staff/items/{notice['id']}").json()["published"]
    later = (dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=7)).isoformat()
    put = hub.call("admin", "PUT", f"/api/staff/items/{notice['id']}",
                   json={**doc, "publish_at": later, "expire_at": None, "title": "下周的通知：预览测试"})
    assert put.status_code == 200, put.text
    shot = png(hub.call("admin", "GET", preview_url(notice["id"], size="1920x1080")), "hub_preview_notice_1920x1080")
    assert shot.size == (1920, 1080)
    assert len(set(shot.crop((0, 200, 1920, 700)).getdata())) > 20  # text drawn, not a blank page


def test_refusals(hub):
    assert hub.call("view-other", "GET", preview_url(GUIDE)).status_code == 404
    assert hub.call("ed-demo", "GET", preview_url("no-such-item")).status_code == 404
    assert hub.call(None, "GET", preview_url(GUIDE)).status_code == 401
    bad = hub.call("ed-demo", "GET", preview_url(GUIDE, size="800x480"))
    assert bad.status_code == 422 and bad.json()["field"] == "size"
    assert hub.call("ed-demo", "GET", preview_url(GUIDE, which="both")).json()["field"] == "which"
    centre = hub.call("ed-demo", "GET", preview_url("demo-centre")).json()
    assert centre["error"] == "invalid" and "no detail screen" in centre["message"]
    other = hub.call("admin", "GET", preview_url(GUIDE, centre="other-centre"))
    assert other.status_code == 404 and other.json()["field"] == "centre"  # the item does not reach it


def test_a_render_past_its_timeout_is_killed(tmp_path):
    (tmp_path / "data").mkdir()
    started = time.monotonic()
    with pytest.raises(HubError) as refused:
        preview.run_renderer(tmp_path, "guide_detail", GUIDE, "1080x1920", None, timeout=0.3)
    assert refused.value.status == 503 and "longer than 0 s" in refused.value.message
    assert time.monotonic() - started < 5


def test_a_host_without_opengl_is_told_so(hub, monkeypatch):
    """Mesa pointed at no driver (as on a host without GL): the renderer gives up at once."""
    monkeypatch.setenv("LIBGL_DRIVERS_PATH", "/nonexistent")
    monkeypatch.setenv("MESA_LOADER_DRIVER_OVERRIDE", "nonexistent")
    started = time.monotonic()
    r = hub.call("admin", "GET", preview_url("guide-dibao"))
    assert r.status_code == 503 and r.json()["error"] == "preview_unavailable", r.text
    assert "OpenGL" in r.json()["message"] and time.monotonic() - started < 30
    missing = preview._why_failed("Traceback ...\nModuleNotFoundError: No module named 'kivy'\n")
    assert missing.status == 503 and "'kivy'" in missing.message


def test_the_cache_keeps_the_newest(tmp_path, monkeypatch):
    monkeypatch.setattr(preview, "CACHE_KEEP", 2)
    for n, key in enumerate(["a" * 64, "b" * 64, "c" * 64]):
        preview._store(tmp_path, key, b"png %d" % n)
        os.utime(tmp_path / "preview" / "cache" / f"{key}.png", (1000 + n, 1000 + n))
    assert preview.cached(tmp_path, "a" * 64) is None and preview.cached(tmp_path, "c" * 64) == b"png 2"


def test_without_published_content_there_is_nothing_to_preview_on(api):
    """On SQLite and PostgreSQL: the centres of the API fixture have no centre item, hence no manifest."""
    assert api.call("ed-a", "POST", "/api/staff/items", json=guide("g-pv", "c-a")).status_code in (200, 201)
    none = api.call("ed-a", "GET", preview_url("g-pv"))
    assert none.status_code == 409 and none.json()["error"] == "no_content" and "'c-a'" in none.json()["message"]
    assert api.call("ed-b", "GET", preview_url("g-pv")).status_code == 404
    assert api.call("view-a", "GET", preview_url("g-pv", which="published")).status_code == 404  # never published
    assert api.call("view-a", "GET", preview_url("g-pv", size="1x1")).status_code == 422
