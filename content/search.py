"""Guide search: Chinese substring, full pinyin, pinyin initials and mixed input.

`index_rows()` turns a guide into rows (title, each keyword, category) with their pinyin; the
rows are computed once, when a version is built, and stored in its content.sqlite. At run time
`SearchIndex` keeps three haystacks per field (the text, its full pinyin, its initials), each one
long string with the entries separated by a newline, so a keystroke costs a handful of `str.find`
scans in C rather than a Python loop over every guide.

Ranking, best first: field (title, then keyword, then category), then a match at the start of
the entry before one inside it, then the kind of match (characters, full pinyin, initials), then
the guide's own `sort`, then the shorter title.
"""
from __future__ import annotations

from bisect import bisect_left, bisect_right
import re
from dataclasses import dataclass


FIELD_TITLE, FIELD_KEYWORD, FIELD_CATEGORY = 0, 1, 2
MATCH_TEXT, MATCH_FULL, MATCH_INITIALS = 0, 1, 2
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_DROP = re.compile(r"[^0-9a-z\u3400-\u9fff\uf900-\ufaff]+")


def normalize(text: str) -> str:
    """Lower case, no spaces or punctuation: what both entries and queries are compared as."""
    return _DROP.sub("", text.lower())


# pypinyin (its dictionaries take ~55 MB of memory) is imported on first use: the terminal only
# needs it for a query that mixes Chinese with letters, which the on-screen keyboard cannot type;
# the index is built with it on the hub or by `kiosk content` commands.

def full_pinyin(text: str) -> str:
    from pypinyin import lazy_pinyin

    return normalize("".join(lazy_pinyin(text)))


def initials(text: str) -> str:
    """First letter of each syllable; a run of Latin letters or digits is kept whole."""
    from pypinyin import Style, lazy_pinyin

    out = []
    for chunk in lazy_pinyin(text, style=Style.FIRST_LETTER):
        out.append(chunk)
    return normalize("".join(out))


def index_rows(item_id: str, title: str, keywords: list[str], category: str) -> list[tuple[str, int, str, str, str]]:
    """(item_id, field, text, full pinyin, initials) for each searchable entry of one guide."""
    rows = []
    entries = [(FIELD_TITLE, title)] + [(FIELD_KEYWORD, k) for k in keywords] + [(FIELD_CATEGORY, category)]
    for field, text in entries:
        norm = normalize(text)
        if norm:
            rows.append((item_id, field, norm, full_pinyin(text), initials(text)))
    return rows


@dataclass(frozen=True)
class _Hay:
    text: str  # the entries in guide-rank order, newline-separated: infix matches by str.find
    starts: list[int]  # offset of each entry in `text`
    owners: list[int]  # guide number (= tie-break rank) of each entry, ascending
    keys: list[str]  # the entries sorted as strings: prefix matches by bisection
    key_owners: list[int]  # guide number of each of `keys`


def _hay(values: list[str], owners: list[int]) -> _Hay:
    pairs = sorted(zip(owners, values))
    starts, pos = [], 0
    for _owner, v in pairs:
        starts.append(pos)
        pos += len(v) + 1
    by_key = sorted(zip(values, owners))
    return _Hay(
        "\n".join(v for _o, v in pairs), starts, [o for o, _v in pairs], [k for k, _o in by_key], [o for _k, o in by_key]
    )


class SearchIndex:
    """In-memory index over the rows of one content version."""

    def __init__(
        self,
        rows: list[tuple[str, int, str, str, str]],
        order: dict[str, tuple],
        precomputed: dict[str, list[str]] | None = None,
    ):
        """`rows` from index_rows(); `order` maps item id -> tie-break key (sort, len(title), title)."""
        self.precomputed = precomputed or {}
        self.ids = sorted({r[0] for r in rows}, key=lambda i: order.get(i, (0, 0, i)))
        number = {item_id: n for n, item_id in enumerate(self.ids)}  # n is already the tie-break rank
        self._hays: list[tuple[int, int, _Hay]] = []  # in (field, kind) order
        for field in (FIELD_TITLE, FIELD_KEYWORD, FIELD_CATEGORY):
            mine = [r for r in rows if r[1] == field]
            owners = [number[r[0]] for r in mine]
            for kind, col in ((MATCH_TEXT, 2), (MATCH_FULL, 3), (MATCH_INITIALS, 4)):
                self._hays.append((field, kind, _hay([r[col] for r in mine], owners)))

    def __len__(self) -> int:
        return len(self.ids)

    def search(self, query: str, limit: int | None = None) -> list[str]:
        """Item ids, best first; with a `limit` only the best `limit` are worked out."""
        q = normalize(query)
        cached = self.precomputed.get(q)
        if cached is not None:
            return cached[:limit] if limit is not None else cached
        return self._search(q) if limit is None else self._top(q, limit)

    def _top(self, q: str, limit: int) -> list[str]:
        """The first `limit` of _search(q), without looking at every match.

        Buckets are visited in ranking order (field, then prefix before infix, then kind) and
        each bucket yields its guides in rank order, so the first `limit` new guides seen are
        the answer: a keystroke that matches thousands of guides costs about `limit` steps.
        """
        variants = _query_variants(q)
        out: list[int] = []
        seen: set[int] = set()
        if not variants or limit <= 0:
            return []
        for field in (FIELD_TITLE, FIELD_KEYWORD, FIELD_CATEGORY):
            hays = [(kind, hay) for f, kind, hay in self._hays if f == field and variants.get(kind)]
            for kind, hay in hays:  # prefix matches: a contiguous range of the sorted keys
                sub = variants[kind]
                lo = bisect_left(hay.keys, sub)
                hi = bisect_left(hay.keys, sub + "\U0010ffff", lo)
                for owner in sorted(hay.key_owners[lo:hi]):
                    if owner not in seen:
                        seen.add(owner)
                        out.append(owner)
                        if len(out) >= limit:
                            return [self.ids[o] for o in out]
            for kind, hay in hays:  # infix matches: entries are in rank order, so scan from the top
                sub = variants[kind]
                text, starts, owners = hay.text, hay.starts, hay.owners
                last = len(starts) - 1
                pos = text.find(sub)
                while pos != -1:
                    idx = bisect_right(starts, pos) - 1
                    owner = owners[idx]
                    if owner not in seen:
                        seen.add(owner)
                        out.append(owner)
                        if len(out) >= limit:
                            return [self.ids[o] for o in out]
                    if idx >= last:
                        break
                    pos = text.find(sub, starts[idx + 1])
        return [self.ids[o] for o in out]

    def _search(self, q: str) -> list[str]:
        variants = _query_variants(q)
        if not variants:
            return []
        n = len(self.ids)
        best: dict[int, int] = {}
        get = best.get
        for field, kind, hay in self._hays:
            sub = variants.get(kind)
            if not sub:
                continue
            text, starts, owners = hay.text, hay.starts, hay.owners
            last = len(starts) - 1
            find = text.find
            pos = find(sub)
            while pos != -1:
                idx = bisect_right(starts, pos) - 1
                owner = owners[idx]
                # one int orders like (field, infix, kind, tie-break rank): cheaper than a tuple
                key = ((field * 2 + (pos != starts[idx])) * 3 + kind) * n + owner
                old = get(owner)
                if old is None or key < old:
                    best[owner] = key
                if idx >= last:
                    break
                pos = find(sub, starts[idx + 1])
        return [self.ids[k % n] for k in sorted(best.values())]

    def precompute(self) -> dict[str, list[str]]:
        """Answers to every one-character Latin query, the slowest ones (nearly every guide matches).

        Computed when a version is built and stored with it, so the first keystroke is instant.
        """
        return {c: self._search(c) for c in "abcdefghijklmnopqrstuvwxyz0123456789"}


def _query_variants(q: str) -> dict[int, str]:
    """What to look for in each haystack kind (q is normalized). Mixed input (低保sq) becomes pinyin."""
    if not q:
        return {}
    if _CJK.search(q):
        variants = {MATCH_TEXT: q}
        if re.search(r"[a-z]", q):  # mixed: compare as pinyin
            variants[MATCH_FULL] = full_pinyin(q)
            variants[MATCH_INITIALS] = initials(q)
        return variants
    return {MATCH_TEXT: q, MATCH_FULL: q, MATCH_INITIALS: q}
