"""The content API against wrong and hostile requests: every refusal is a JSON 4xx naming the
problem (the field, as a dotted path, where one field is wrong), and leaves nothing behind; every
change is in the audit log, with no secret in it."""
from __future__ import annotations

import json

from sqlalchemy import func, select

from hub import audit, db
from tests.hub_api_support import api, database_url, guide, notice  # noqa: F401  (fixtures)

ITEMS = "/api/staff/items"


def refused(resp, status: int, field: str | None = None) -> dict:
    assert resp.status_code == status, resp.text
    body = resp.json()
    assert set(body) <= {"error", "message", "field"} and body["message"], body
    assert body.get("field") == field, body
    return body


def counts(api) -> tuple[int, int, int]:
    with api.engine.connect() as conn:
        return tuple(conn.execute(select(func.count()).select_from(t)).scalar()
                     for t in (db.items, db.item_revisions, db.blobs))


def item_audit(api) -> list[dict]:
    with api.engine.connect() as conn:
        return [e for e in reversed(audit.entries(conn, 500)) if e["action"].startswith("item.")]


def test_validation_names_the_fields(api):
    bad = guide("g1", "c-a", materials=[{"copies": "two"}], visits=100)
    body = refused(api.call("ed-a", "POST", ITEMS, json=bad), 422, "materials.0.name")
    assert "materials.0.copies" in body["message"] and "visits" in body["message"]

    for doc, field in ((guide("../etc", "c-a"), "id"), (guide("a..b", "c-a"), "id"),
                       ({**guide("g1", "c-a"), "kind": "poster"}, "kind"),
                       ({k: v for k, v in guide("g1", "c-a").items() if k != "kind"}, "kind"),
                       ({k: v for k, v in guide("g1", "c-a").items() if k != "target"}, "target"),
                       (guide("g1", "c-a", sort=10**15), "sort"), (guide("g1", "c-a", title=""), "title"),
                       (guide("g1", "c-a", surprise=1), "surprise"),
                       (guide("g1", "c-a", publish_at="2026-02-01T00:00:00", expire_at="2026-01-01T00:00:00"),
                        "(document)"),
                       (notice("n1", "c-a", blocks=[{"type": "table", "columns": ["a"], "rows": [["1", "2"]]}]),
                        "blocks.0.table"),
                       (guide("g1", "no-such-node"), "target"),
                       ({"id": "c-b", "kind": "centre", "title": "B", "target": "c-a", "name": "B", "address": "路"},
                        "target")):
        refused(api.call("ed-a", "POST", ITEMS, json=doc), 422, field)
    assert counts(api) == (0, 0, 0)

    made = api.call("ed-a", "POST", ITEMS, json=guide("g1", "c-a"))
    assert made.status_code == 201 and made.json()["draft"]["updated_at"]  # the hub filled it in
    renamed = refused(api.call("ed-a", "PUT", f"{ITEMS}/g1", json=guide("g2", "c-a")), 422, "id")
    assert "cannot change" in renamed["message"]
    refused(api.call("ed-a", "PUT", f"{ITEMS}/g1", json=notice("g1", "c-a")), 422, "kind")
    refused(api.call("ed-a", "PUT", f"{ITEMS}/g1", json=guide("g1", "c-a", materials=[{}])), 422, "materials.0.name")
    # id and kind may be left out of a replacement: they are the item's
    kept = api.call("ed-a", "PUT", f"{ITEMS}/g1", json={k: v for k, v in guide("g1", "c-a", title="新").items()
                                                        if k not in ("id", "kind")})
    assert kept.status_code == 200 and kept.json()["draft"]["title"] == "新"


def test_hostile_bodies_get_json_refusals_and_leave_nothing(api):
    assert api.call("ed-a", "POST", ITEMS, json=guide("g0", "c-a")).status_code == 201
    before = api.call("ed-a", "GET", f"{ITEMS}/g0").json()
    doc = json.dumps(guide("g1", "c-a")).encode()
    cases = [
        (b"", 422), (b"not json", 422), (b"[1, 2, 3]", 422), (b'"a string"', 422), (b"null", 422),
        (doc[:-1], 422),                                              # cut short
        (b'{"id": "g1", "sort": 1' + b"0" * 40 + b"}", 422),           # a number too long to be one
        (b'{"id": "g1", "sort": 1e999}', 422), (b'{"id": "g1", "sort": NaN}', 422),
        (b"[" * 10_000 + b"]" * 10_000, 422),                         # nested too deeply
        ("{\"title\": \"\u4f60\"}".encode("utf-16"), 422),            # not UTF-8
        (b'{"id": "g1", "x": "' + b"a" * (2 << 20) + b'"}', 413),     # 2 MB
    ]
    for body, status in cases:
        for method, path in (("POST", ITEMS), ("PUT", f"{ITEMS}/g0"), ("POST", "/api/staff/nodes")):
            user = "admin" if path.endswith("nodes") else "ed-a"
            resp = api.call(user, method, path, content=body, headers={"Content-Type": "application/json"})
            refused(resp, status)
    # the size is counted as the body arrives, whatever Content-Length says (here: none, chunked)
    chunks = (b"x" * 65536 for _ in range(40))
    refused(api.call("ed-a", "POST", ITEMS, content=chunks, headers={"Content-Type": "application/json"}), 413)
    assert counts(api) == (1, 0, 0) and api.call("ed-a", "GET", f"{ITEMS}/g0").json() == before
    assert [e["action"] for e in item_audit(api)] == ["item.create"]

    for path in ("/..%2F..%2Fetc%2Fpasswd", "/%00", "/" + "a" * 5000, "/G1"):
        assert refused(api.call("ed-a", "GET", ITEMS + path), 404)["error"] in ("not_found",)
    refused(api.call("ed-a", "POST", ITEMS, json={"id": "g1"}), 422, "kind")


def test_every_change_is_audited_without_secrets(api):
    assert api.call("ed-a", "POST", ITEMS, json=guide("g1", "c-a")).status_code == 201
    assert api.call("ed-a", "PUT", f"{ITEMS}/g1", json=guide("g1", "c-a", title="改")).status_code == 200
    assert api.call("ed-a", "POST", f"{ITEMS}/g1/publish").status_code == 200
    assert api.call("ed-a", "DELETE", f"{ITEMS}/g1").status_code == 200
    refused(api.call("view-a", "PUT", f"{ITEMS}/g1", json=guide("g1", "c-a")), 403)

    entries = item_audit(api)
    assert [(e["action"], e["actor"], e["target"]) for e in entries] == [
        ("item.create", "ed-a", "item:g1"), ("item.draft", "ed-a", "item:g1"),
        ("item.publish", "ed-a", "item:g1"), ("item.delete", "ed-a", "item:g1")]
    create, draft = entries[0], entries[1]
    assert create["before"] is None and create["after"]["draft"]["title"] == "办事指南 g1"
    assert draft["before"]["draft_sha256"] != draft["after"]["draft_sha256"]
    assert draft["after"]["draft"]["title"] == "改"
    text = json.dumps([e["before"] for e in entries] + [e["after"] for e in entries], ensure_ascii=False)
    for secret in api.tokens.values():
        assert secret not in text
    assert "password" not in text and "khub_" not in text
