"""Every text field of every kind holds `<script>`, `"><img onerror>` and `{{7*7}}`, and every staff
page that shows the item (list, search, item page, its form, the publish check, the confirmations,
the audit log) shows them as typed: escaped, never run, never evaluated by Jinja2."""
from __future__ import annotations

import io
import re

import pytest
from PIL import Image

from hub import items
from hub.admin.pages_publish import EDIT_PATHS
from hub.perms import staff_named
from tests.admin_support import csrf_of, signed_in
from tests.hub_api_support import api, database_url  # noqa: F401  (fixtures)

HOSTILE = '<script>alert(1)</script> "><img src=x onerror=alert(1)> {{7*7}}'
H = HOSTILE  # short, for the documents below


def _documents(image: str) -> list[dict]:
    table = {"type": "table", "caption": H, "columns": [H, "金额（元）"], "rows": [[H, "1.00"], ["合计", "1.00"]]}
    blocks = [{"type": "heading", "text": H}, {"type": "paragraph", "text": H},
              {"type": "list", "items": [H, H]}, {"type": "image", "blob": image, "caption": H}]
    return [
        {"id": "x-guide", "kind": "guide", "title": H, "target": "c-a", "category": "便民服务", "summary": H,
         "conditions": [H], "materials": [{"name": H, "note": H}], "steps": [H], "location": H, "hours": H,
         "time_limit": H, "fee": H, "basis": [H], "phone": H, "complaint_phone": H, "faq": [{"q": H, "a": H}],
         "keywords": [H]},
        {"id": "x-disclosure", "kind": "disclosure", "title": H, "target": "c-a", "category": "财务公开",
         "period": "2026-11", "publisher": H, "blocks": [*blocks, table]},
        {"id": "x-notice", "kind": "notice", "title": H, "target": "c-a", "blocks": blocks},
        {"id": "x-slide", "kind": "slide", "title": H, "target": "c-a", "image": image},
        {"id": "c-a", "kind": "centre", "title": H, "target": "c-a", "name": H, "address": H, "hours": [],
         "phone": H, "rooms": [{"name": H, "floor": H, "description": H, "hours": H}],
         "duty": [{"date": "2026-12-02", "name": H, "role": H, "phone": H}], "floor_plan": image},
        {"id": "x-queue", "kind": "ticket_service", "title": H, "target": "c-a", "code": "A", "name": H,
         "windows": [H], "guide_ids": ["x-guide"]},
    ]


def _check(page, where: str) -> None:
    assert page.status_code == 200, (where, page.status_code)
    text = page.text
    assert "<script>alert" not in text and "<img src=x" not in text, where
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text, where  # shown, as text
    assert "{{7*7}}" in text or "{{ 7*7 }}" in text, where            # never evaluated


@pytest.fixture
def hostile(api):  # noqa: F811
    client = signed_in(api, "ed-a")
    png = io.BytesIO()
    Image.new("RGB", (64, 48), (10, 120, 60)).save(png, "PNG")
    image = client.post("/admin/files", data={"csrf": csrf_of(client)}, files={"file": ("a.png", png.getvalue())})
    assert image.status_code == 200, image.text
    docs = _documents(image.json()["sha256"])
    admin = staff_named(api.engine, "admin")
    with api.engine.begin() as conn:
        for doc in docs:
            items.create(conn, admin, doc)
    return api, client, docs


def test_every_page_shows_every_kind_as_typed(hostile):
    api, client, docs = hostile
    _check(client.get("/admin/items"), "list")
    _check(client.get("/admin/items", params={"q": "script"}), "list searched")
    for doc in docs:
        base = f"/admin/items/{doc['id']}"
        for path in (base, f"{base}/{EDIT_PATHS[doc['kind']]}", f"{base}/publish-check", f"{base}?confirm=delete"):
            _check(client.get(path), path)
        if doc["kind"] == "notice":
            _check(client.get(f"{base}?confirm=urgent"), "urgent confirmation")
    admin = staff_named(api.engine, "admin")
    with api.engine.begin() as conn:  # published: the item page shows both sides, the audit log the change
        for doc in docs:
            items.publish_draft(conn, api.settings, admin, doc["id"])
    for doc in docs:
        page = client.get(f"/admin/items/{doc['id']}")
        _check(page, f"{doc['id']} published")
        english = re.findall(r'<th scope="row">\s*([A-Za-z_]+)\s*</th>', page.text)
        assert not english, (doc["kind"], english)  # every field named in Chinese
        assert '"name":' not in page.text and "T00:00" not in page.text  # rows in words, times in China's
    _check(signed_in(api, "admin").get("/admin/audit"), "audit")
    compliance = client.get("/admin/compliance", params={"node": "c-a", "period": "2026-11"})
    _check(compliance, "compliance")  # the disclosure by its title, as text
    assert 'href="/admin/items/x-disclosure"' in compliance.text
