"""Read-only access to one installed content version: what the screens show.

A `ContentView` is opened on one version and never changes under the reader; the app opens a
new view when `current` moves (at the next return to home). Filtering by publish/expiry uses
the terminal's own clock, so expiry works offline.
"""
from __future__ import annotations

import datetime as dt
import json
import threading
from pathlib import Path

from sqlalchemy import select

from content.schemas import CST, Centre, Guide, ItemBase, Notice, aware, parse_item
from content.search import SearchIndex
from content.store import _ro_engine, blobs_table, items_table, meta_table, search_cache_table, search_table


_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)
_FOREVER = dt.datetime(9999, 1, 1, tzinfo=dt.timezone.utc)


class ContentView:
    def __init__(self, data_dir: Path, version: str):
        self.data_dir = Path(data_dir)
        self.version = version
        self.path = self.data_dir / "versions" / version / "content.sqlite"
        self._engine = _ro_engine(self.path)
        self._lock = threading.Lock()
        self._by_kind: dict[str, list[ItemBase]] = {}
        self._index: SearchIndex | None = None
        self._live_map: tuple[list, dict[str, Guide]] | None = None
        self._live: dict[str, tuple[dt.datetime, dt.datetime, list[ItemBase]]] = {}
        with self._engine.connect() as conn:
            self.meta = {k: v for k, v in conn.execute(select(meta_table.c.key, meta_table.c.value))}

    def close(self) -> None:
        self._engine.dispose()

    @property
    def created_at(self) -> dt.datetime:
        return dt.datetime.fromisoformat(self.meta["created_at"])

    @property
    def centre_id(self) -> str:
        return self.meta["centre"]

    # ---- items ---------------------------------------------------------------------------

    def _all(self, kind: str) -> list[ItemBase]:
        with self._lock:
            cached = self._by_kind.get(kind)
            if cached is None:
                with self._engine.connect() as conn:
                    docs = conn.execute(
                        select(items_table.c.doc).where(items_table.c.kind == kind).order_by(items_table.c.sort, items_table.c.id)
                    ).scalars()
                    cached = [parse_item(d) for d in docs]
                self._by_kind[kind] = cached
            return cached

    def items(self, kind: str, now: dt.datetime | None = None) -> list[ItemBase]:
        """Live items of one kind at `now` (default: the terminal clock), by `sort` then id."""
        now = now or dt.datetime.now(CST)
        cached = self._live.get(kind)
        if cached is not None and cached[0] <= now < cached[1]:
            return cached[2]
        everything = self._all(kind)
        live = [i for i in everything if i.is_live(now)]
        # the answer holds until the next publish/expire moment after `now` (and not before `now`)
        moments = [aware(m) for i in everything for m in (i.publish_at, i.expire_at) if m is not None]
        until = min((m for m in moments if m > now), default=_FOREVER)
        since = max((m for m in moments if m <= now), default=_EPOCH)
        self._live[kind] = (since, until, live)
        return live

    def item(self, item_id: str, now: dt.datetime | None = None) -> ItemBase | None:
        """One live item, or None when it does not exist or is not live."""
        with self._engine.connect() as conn:
            doc = conn.execute(select(items_table.c.doc).where(items_table.c.id == item_id)).scalar()
        if doc is None:
            return None
        item = parse_item(doc)
        return item if item.is_live(now or dt.datetime.now(CST)) else None

    def centre(self) -> Centre | None:
        centres = [c for c in self._all("centre") if isinstance(c, Centre)]
        for c in centres:
            if c.id == self.centre_id:
                return c
        return centres[0] if centres else None

    def guides(self, category: str | None = None, now: dt.datetime | None = None) -> list[Guide]:
        return [g for g in self.items("guide", now) if category is None or g.category == category]  # type: ignore[misc]

    def guide_categories(self, now: dt.datetime | None = None) -> list[str]:
        seen: dict[str, None] = {}
        for g in self.guides(now=now):
            seen.setdefault(g.category)
        return list(seen)

    def urgent_notices(self, now: dt.datetime | None = None) -> list[Notice]:
        return [n for n in self.items("notice", now) if isinstance(n, Notice) and n.level == "urgent"]

    def blob_path(self, sha256: str) -> Path:
        if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
            raise ValueError(f"not a sha256: {sha256!r}")
        return self.data_dir / "blobs" / sha256

    def blob_mime(self, sha256: str) -> str | None:
        with self._engine.connect() as conn:
            return conn.execute(select(blobs_table.c.mime).where(blobs_table.c.sha256 == sha256)).scalar()

    # ---- search --------------------------------------------------------------------------

    def search_index(self) -> SearchIndex:
        with self._lock:
            if self._index is None:
                with self._engine.connect() as conn:
                    rows = [tuple(r) for r in conn.execute(select(search_table))]
                    order = {
                        r.id: (r.sort, len(r.title), r.title)
                        for r in conn.execute(
                            select(items_table.c.id, items_table.c.sort, items_table.c.title).where(items_table.c.kind == "guide")
                        )
                    }
                    cache = {q: json.loads(ids) for q, ids in conn.execute(select(search_cache_table))}
                self._index = SearchIndex(rows, order, cache)
            return self._index

    def search(self, query: str, limit: int | None = 50, now: dt.datetime | None = None) -> list[Guide]:
        """Live guides matching `query`, best first."""
        index = self.search_index()
        live = self._live_guides(now)
        # ask for enough that the hidden (expired, unpublished) guides cannot push a live one out
        ids = index.search(query, None if limit is None else limit + len(index) - len(live))
        hits = []
        for i in ids:
            g = live.get(i)
            if g is not None:
                hits.append(g)
                if limit is not None and len(hits) >= limit:
                    break
        return hits

    def _live_guides(self, now: dt.datetime | None) -> dict[str, Guide]:
        guides = self.items("guide", now)
        cached = self._live_map
        if cached is None or cached[0] is not guides:
            cached = self._live_map = (guides, {g.id: g for g in guides})  # type: ignore[misc]
        return cached[1]
