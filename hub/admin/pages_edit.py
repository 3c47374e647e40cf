"""The notice form: editing a notice's draft (`/admin/items/{id}/edit`) and a new notice
(`/admin/new-notice?target=NODE`): title, level (普通 / 紧急), the body, target node and publish /
expire time (China's time), saved through hub.items (forms.save), which checks the document and the
staff member's rights and audits the change. "Save and publish…" goes on to the publish check.

The body is plain text, blocks separated by a blank line: `## 标题` a heading (`#` to `###`: its
level), lines each starting `- ` a list (`1. ` an ordered one), anything else a paragraph. Images
and tables stand in the text as a line of their own, `[图片 2]` / `[表格 1]` (numbered as listed
under the text): images are rows of the form (the stored image, a caption, "remove") plus a blank
upload field to add one; tables are shown but not editable here (the staff API and bundles make
them) -- they can be moved (by their line) or removed. An image or table whose line is missing
from the text is kept at the end, so nothing is lost by a slip."""
from __future__ import annotations

import re

from fastapi import APIRouter, Depends, Request

from content.i18n import N_
from hub import perms
from hub.admin import forms, sessions, web
from hub.admin.pages_guide import shown_local, stored_time
from hub.admin.pages_items import FIELD_LABELS, LEVELS

router = APIRouter()
LABELS = {**FIELD_LABELS, "id": N_("Id"), "caption": N_("Caption")}
MAX_IMAGES = 50
TEXT_BLOCKS = ("paragraph", "heading", "list")  # the blocks the text itself makes (pages_disclosure uses it)
# the lines that place an image or table in the body: the words staff see in the form, in Chinese
# (what as_text writes), English accepted too
MARKS = {"image": "图片", "table": "表格"}
_MARK_RE = re.compile(r"^\[(图片|表格|image|table) ?(\d{1,3})\]$", re.IGNORECASE)
_ITEM_RE = re.compile(r"^(- |• |\d+\. )")
_HEADING_RE = re.compile(r"^(#{1,3}) +(\S.*)$")


def _mark(kind: str, n: int) -> str:
    return f"[{MARKS[kind]} {n}]"


def as_text(blocks: list[dict]) -> str:
    """The body as the form's text (the inverse of `blocks_of`): images and tables as their lines,
    numbered in order."""
    out, seen = [], {"image": 0, "table": 0}
    for b in blocks:
        if b["type"] in seen:
            seen[b["type"]] += 1
            out.append(_mark(b["type"], seen[b["type"]]))
        elif b["type"] == "heading":
            out.append("#" * b.get("level", 2) + " " + b["text"])
        elif b["type"] == "list":
            out.append("\n".join((f"{n}. " if b.get("ordered") else "- ") + entry
                                 for n, entry in enumerate(b["items"], 1)))
        else:
            out.append(b["text"])
    return "\n\n".join(out)


def _text_block(part: str) -> dict:
    lines = part.split("\n")
    heading = _HEADING_RE.match(part) if len(lines) == 1 else None
    if heading:
        return {"type": "heading", "text": heading.group(2).strip(), "level": len(heading.group(1))}
    if all(_ITEM_RE.match(line) for line in lines):
        return {"type": "list", "items": [_ITEM_RE.sub("", line).strip() for line in lines],
                "ordered": all(line[0].isdigit() for line in lines)}
    return {"type": "paragraph", "text": part}


def blocks_of(body: str, images: list[dict | None] = (), tables: list[dict | None] = ()) -> list[dict]:
    """The form's text split at blank lines into blocks; a line `[图片 N]` / `[表格 N]` places the
    Nth of `images` / `tables` (None: removed, its line dropped). Those not placed go at the end."""
    pools = {"image": list(images), "table": list(tables)}
    placed: set[tuple[str, int]] = set()
    blocks = []
    for part in (p.strip() for p in body.replace("\r\n", "\n").split("\n\n")):
        mark = _MARK_RE.match(part)
        if mark:
            kind = "image" if mark.group(1).lower() in ("图片", "image") else "table"
            n = int(mark.group(2))
            if 1 <= n <= len(pools[kind]):
                if pools[kind][n - 1] is not None and (kind, n) not in placed:
                    blocks.append(pools[kind][n - 1])
                placed.add((kind, n))
                continue
        if part:
            blocks.append(_text_block(part))
    for kind, pool in pools.items():
        blocks.extend(b for n, b in enumerate(pool, 1) if b is not None and (kind, n) not in placed)
    return blocks


def values_of(doc: dict) -> dict:
    """A notice document as the form's values."""
    blocks = doc.get("blocks", [])
    return {"title": doc.get("title", ""), "level": doc.get("level", "normal"), "body": as_text(blocks),
            "target": doc.get("target", ""), "publish_at": shown_local(doc.get("publish_at")),
            "expire_at": shown_local(doc.get("expire_at")), "removed_tables": [],
            "images": [{"blob": b["blob"], "caption": b.get("caption", ""), "remove": False}
                       for b in blocks if b["type"] == "image"]}


def values_from(form) -> dict:
    values = {name: str(form.get(name) or "").strip() for name in ("title", "level", "target", "publish_at",
                                                                     "expire_at", "id")}
    values["body"] = str(form.get("body") or "")
    count = str(form.get("images.count") or "0")
    count = min(int(count), MAX_IMAGES) if count.isdigit() else 0
    rows = [{"blob": str(form.get(f"images.{n}.blob") or "").strip(),
             "caption": str(form.get(f"images.{n}.caption") or "").strip(),
             "remove": bool(form.get(f"images.{n}.remove"))} for n in range(count)]
    values["images"] = [r for r in rows if r["blob"]]
    values["removed_tables"] = [int(v) for v in form.getlist("tables.remove") if str(v).isdigit()]
    return values


def tables_of(doc: dict | None) -> list[dict]:
    return [b for b in (doc or {}).get("blocks", []) if b["type"] == "table"]


def document(values: dict, base: dict) -> dict:
    """The notice the values make, over `base` (the stored document: its tables and `sort`)."""
    images = [None if r["remove"] else {"type": "image", "blob": r["blob"], "caption": r["caption"]}
              for r in values["images"]]
    tables = [None if n in values["removed_tables"] else t for n, t in enumerate(tables_of(base), 1)]
    doc = {"sort": base["sort"]} if "sort" in base else {}
    doc.update(kind="notice", title=values["title"], level=values["level"] or "normal", target=values["target"] or base.get("target", ""),
               blocks=blocks_of(values["body"], images, tables), publish_at=stored_time(values["publish_at"]),
               expire_at=stored_time(values["expire_at"]))
    return doc


def _form(request, session, staff, values, item=None, status=200, field=None, targets=None):
    base = (item["draft"] or item["published"]) if item else None
    return web.render(request, "edit.html", status, session=session, item=item, values=values, levels=LEVELS,
                      labels=LABELS, field=field or "", tables=tables_of(base), marks=MARKS,
                      targets=targets or forms.targets_or_403(request, staff))


def _notice(request: Request, staff: perms.Staff, item_id: str) -> dict:
    return forms.writable_item(request, staff, item_id, "notice")


@router.get("/admin/items/{item_id}/edit")
def edit_form(item_id: str, request: Request, session: sessions.Session = Depends(web.signed_in)):
    staff = web.staff_of(request, session)
    item = _notice(request, staff, item_id)
    return _form(request, session, staff, values_of(item["draft"] or item["published"]), item)


@router.post("/admin/items/{item_id}/edit")
@web.form_post
def save_draft(request: Request, form):
    session, staff = web.signed_form(request, form)
    item = _notice(request, staff, request.path_params["item_id"])
    values = values_from(form)
    try:
        forms.save(request, staff, document(values, item["draft"] or item["published"]), item["id"])
    except forms.Refused as exc:
        return _form(request, session, staff, values, item, exc.status, exc.field)
    return forms.after_save(form, item["id"])


@router.get("/admin/new-notice")
def new_form(request: Request, session: sessions.Session = Depends(web.signed_in)):
    staff = web.staff_of(request, session)
    targets = forms.targets_or_403(request, staff)
    values = {**values_of({}), "id": "", "target": forms.chosen_target(request, targets)}
    return _form(request, session, staff, values, targets=targets)


@router.post("/admin/new-notice")
@web.form_post
def create_notice(request: Request, form):
    session, staff = web.signed_form(request, form)
    forms.targets_or_403(request, staff)
    values = values_from(form)
    try:
        item_id = forms.save(request, staff, {**document(values, {}), "id": forms.new_id(values["id"], "notice")})
    except forms.Refused as exc:
        return _form(request, session, staff, values, status=exc.status, field=exc.field)
    return forms.after_save(form, item_id)
