"""Searching the hub's items the way the terminal searches guides (content.search): Chinese
substring, full pinyin and pinyin initials (`dbsq` finds 低保申请) over an item's title, keywords
(a centre's and a queue service's name count as one) and category; ranked by content.search.

Working out pinyin costs ~0.3 ms an entry (2,000 guides: ~0.5 s), too slow for every listing, so
each item keeps its entries in the `items.search` column (`stored(doc)`), written with the draft
(hub.items.create / replace_draft) and on publish (hub.publish): the document the list shows,
the draft when there is one. Rows written before revision 0006 are filled by the migration
(`fill`); a row still without it is worked out from its title when listed.

The stored form is one line per entry, `field<TAB>text<TAB>full pinyin<TAB>initials`, so that a
SQL `LIKE '%dbsq%'` over it can narrow the rows first (it never misses one: every haystack of
content.search is in it); `rank` then orders the remaining ones with content.search.SearchIndex.
"""
from __future__ import annotations

from content.search import (
    FIELD_CATEGORY, FIELD_KEYWORD, FIELD_TITLE, SearchIndex, _query_variants, full_pinyin, initials, normalize,
)

Entry = tuple[str, int, str, str, str]  # content.search.index_rows' row: (item id, field, text, full, initials)


def _texts(doc: dict) -> list[tuple[int, str]]:
    """(field, text) of what a document is found by."""
    out = [(FIELD_TITLE, doc.get("title"))]
    out += [(FIELD_KEYWORD, k) for k in (doc.get("keywords") or []) if isinstance(k, str)]
    if isinstance(doc.get("name"), str) and doc.get("name") != doc.get("title"):
        out.append((FIELD_KEYWORD, doc["name"]))
    out.append((FIELD_CATEGORY, doc.get("category")))
    return [(f, t) for f, t in out if isinstance(t, str) and normalize(t)]


def stored(doc: dict | None) -> str | None:
    """The `items.search` value of a document (None for none)."""
    if not doc:
        return None
    return "\n".join(f"{field}\t{normalize(text)}\t{full_pinyin(text)}\t{initials(text)}"
                     for field, text in _texts(doc))


def entries(item_id: str, text: str | None, title: str | None) -> list[Entry]:
    """The rows of one item for SearchIndex: from its stored text, else worked out from its title."""
    if text is None:
        text = stored({"title": title}) or ""
    out = []
    for line in text.split("\n"):
        parts = line.split("\t")
        if len(parts) == 4 and parts[0].isdigit():
            out.append((item_id, int(parts[0]), parts[1], parts[2], parts[3]))
    return out


def variants(q: str) -> list[str]:
    """What the stored text must contain (any of) to match the query: narrows the rows in SQL."""
    return sorted(set(_query_variants(normalize(q)).values()))


def rank(rows: list[Entry], q: str) -> list[str]:
    """The ids of the items that match `q`, best first (ties by id)."""
    if not rows:
        return []
    return SearchIndex(rows, {}).search(q)


def fill(conn, items_table, revisions_table) -> int:
    """Write `search` for every row without it (the migration to 0006; tables given as they are at
    that revision). Returns how many rows were filled."""
    import json

    from sqlalchemy import and_, select, update

    i, r = items_table.c, revisions_table.c
    joined = items_table.outerjoin(revisions_table, and_(r.item_id == i.id, r.revision == i.revision))
    found = conn.execute(select(i.id, i.draft, r.document).select_from(joined).where(i.search.is_(None))).all()
    for row in found:
        draft = row.draft if not isinstance(row.draft, str) else json.loads(row.draft)
        doc = draft or (json.loads(row.document) if row.document else None)
        conn.execute(update(items_table).where(i.id == row.id).values(search=stored(doc) or ""))
    return len(found)
