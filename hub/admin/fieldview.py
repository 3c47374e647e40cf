"""An item's fields as staff read them, on the item page and in the publish check: each kind's
Chinese labels (the labels of its own form) and values in words -- times in China's time, weekdays
by name, a material as `居民身份证 · 1 份 · 原件`, a room or a duty as one line, an image block as
`[图片 N]` -- never a JSON dump or an English field name."""
from __future__ import annotations

from sqlalchemy import select

from content.i18n import N_
from hub import db
from hub.admin import pages_centre, pages_disclosure, pages_edit, pages_guide, pages_slide, pages_ticket_service, web
from hub.admin.pages_items import FIELD_LABELS, field_rows

KIND_LABELS = {"guide": {**pages_guide.LABELS, "ticket_service": N_("Queue to join")}, "notice": pages_edit.LABELS, "slide": pages_slide.LABELS,
               "disclosure": pages_disclosure.LABELS, "centre": pages_centre.LABELS,
               "ticket_service": pages_ticket_service.LABELS}
ROW_PARTS = {"materials": ("name", "copies", "original_or_copy", "note"), "faq": ("q", "a"),
             "rooms": ("name", "floor", "hours", "description"), "duty": ("date", "name", "role", "phone")}
TIMES = ("publish_at", "expire_at", "updated_at")
COPIES, QUESTION, ANSWER, PAGES = N_("%(n)s copies"), N_("Q: %(text)s"), N_("A: %(text)s"), N_("%(n)s pages")


def labels_for(kind: str) -> dict:
    return KIND_LABELS.get(kind, FIELD_LABELS)


def _row(name: str, row: dict, words) -> str:
    parts = []
    for part in ROW_PARTS[name]:
        value = row.get(part)
        if value in (None, ""):
            continue
        if part == "copies":
            value = words.gettext(COPIES) % {"n": value}
        elif part == "original_or_copy":
            value = words.gettext(pages_guide.ORIGINALS.get(value, str(value)))
        elif name == "faq":
            value = words.gettext(QUESTION if part == "q" else ANSWER) % {"text": value}
        parts.append(str(value))
    return " · ".join(parts)


def readable(doc: dict | None) -> dict | None:
    """A document with its values as staff read them (the item page and the publish check)."""
    if doc is None:
        return None
    words = web.translations()
    out = dict(doc)
    if isinstance(doc.get("days"), list):
        out["days"] = " ".join(words.gettext(pages_slide.WEEKDAYS.get(d, str(d))) for d in doc["days"])
    for name in TIMES:
        if isinstance(doc.get(name), str):
            out[name] = web.shown_time(doc[name])
    for name in ("time_from", "time_to"):
        if isinstance(doc.get(name), str):
            out[name] = doc[name][:5]
    for name in ROW_PARTS:
        if isinstance(doc.get(name), list) and all(isinstance(r, dict) for r in doc[name]):
            out[name] = [_row(name, r, words) for r in doc[name]]
    if isinstance(doc.get("blocks"), list):  # images as the notice form's lines; the pictures beside
        images = [b for b in doc["blocks"] if isinstance(b, dict) and b.get("type") == "image"]
        mark = pages_edit.MARKS["image"]
        out["blocks"] = [{"type": "paragraph", "text": f"[{mark} {images.index(b) + 1}] "
                          f"{b.get('caption', '')}".strip()} if b in images else b for b in doc["blocks"]]
    if isinstance(doc.get("pages"), list):
        out["pages"] = words.gettext(PAGES) % {"n": len(doc["pages"])} if doc["pages"] else ""
    return out


def rows(item: dict, engine=None) -> list[dict]:
    """field_rows of the item's draft and published version, readable, with its kind's labels;
    with `engine`, the target node by its name: `幸福里社区党群服务中心（demo-centre）`."""
    labels = labels_for(item["kind"])
    draft, published = readable(item["draft"]), readable(item["published"])
    if engine is not None:
        names = node_names(engine, {d["target"] for d in (draft, published) if d and isinstance(d.get("target"), str)})
        for doc in (draft, published):
            if doc and doc.get("target") in names:
                doc["target"] = f"{names[doc['target']]}（{doc['target']}）"
    return [dict(r, label=labels.get(r["name"]) or r["label"]) for r in field_rows(draft, published)]


def node_names(engine, ids: set[str]) -> dict[str, str]:
    if not ids:
        return {}
    n = db.org_nodes.c
    with engine.connect() as conn:
        return dict(conn.execute(select(n.id, n.name).where(n.id.in_(sorted(ids)))).all())
