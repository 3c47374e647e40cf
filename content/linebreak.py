"""Chinese line breaking for the resident screens and the printed receipts (pure Python, no
Kivy; the caller measures: screens.cjk_label with the label's font, devices.receipt in printer
cells).

Kivy breaks lines only at ASCII spaces (PITFALLS.md): a CJK run is cut wherever it overflows,
a mixed line like ``订单号 ABC-123 已经提交`` pushes the whole CJK run down, and a line may start
with "，". `wrap_cjk` breaks the text itself; `screens.cjk_label.CJKLabel` hands Kivy lines that
already fit, so Kivy never breaks them again.

The rules, in order of priority:

1. Every line fits `max_width` (as measured by the injected `width_of`), unless a single
   character is wider than a whole line.
2. Breaks may fall between any two CJK characters, at spaces, and between a CJK character and a
   Latin word or number. Latin words and numbers (``2026-11-22``, ``0571-86512300``, ``12.5%``,
   ``ABC-123``) stay whole unless they are longer than a line; then they are cut, after a ``-``
   or ``/`` where one falls late enough.
3. 避头尾: no line starts with closing punctuation (`NO_LINE_START`) and none ends with an
   opening bracket or quote (`NO_LINE_END`). They are glued to their neighbour before filling
   lines, so a break never falls next to them.
4. A paragraph does not end with one lone character when the line before can spare one.

Paragraphs ("\\n") and empty lines are kept; a paragraph's leading indent (e.g. "　　") is kept,
spaces at a wrapped line's start or end are dropped.
"""
from __future__ import annotations

import re
from collections import deque
from collections.abc import Callable

Measure = Callable[[str], float]

NO_LINE_START = frozenset("，。、；：？！）》」』】〕〉〗”’…‥—～·%‰℃,.;:?!)]}")
NO_LINE_END = frozenset("（《「『【〔〈〖“‘([{")
# a Latin word or a number, with the joiners that keep 2026-11-22, 12.5%, a@b.cn, 8:30 whole
_WORD = r"[A-Za-z0-9\u00C0-\u024F][A-Za-z0-9\u00C0-\u024F_\-./:@+#%&']*"
_TOKEN_RE = re.compile(rf"{_WORD}|\s+|.", re.S)
_SOFT_BREAK_AFTER = "-/"  # where a too-long word is cut preferably (0571-|86512300)


def wrap_cjk(text: str, width_of: Measure, max_width: float) -> list[str]:
    """`text` split into lines no wider than `max_width`; "\\n" starts a new paragraph."""
    lines: list[str] = []
    for para in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        lines += _wrap_paragraph(para, width_of, max_width)
    return lines


def fit_lines(text: str, width_of: Measure, max_width: float, max_lines: int = 0) -> list[str]:
    """`wrap_cjk`, cut to `max_lines` (0 = all) with "…" at the end of the last line kept."""
    lines = wrap_cjk(text, width_of, max_width)
    if not max_lines or len(lines) <= max_lines:
        return lines
    kept = lines[:max_lines]
    kept[-1] = ellipsize(kept[-1].rstrip() + "…", width_of, max_width)
    return kept


def ellipsize(line: str, width_of: Measure, max_width: float) -> str:
    """`line` cut to fit `max_width` with a trailing "…" (unchanged when it fits)."""
    if width_of(line) <= max_width:
        return line
    line = line.removesuffix("…")
    while line and (width_of(line + "…") > max_width or line[-1] in NO_LINE_END
                    or line[-1].isspace()):
        line = line[:-1]
    return line + "…"


# ---- one paragraph ----------------------------------------------------------------------------

def clusters(para: str) -> list[str]:
    """`para` cut into the pieces a line break may fall between.

    A piece is a CJK character, a Latin word or number, or a run of spaces; closing punctuation
    is glued to the piece before it and opening brackets to the piece after them (避头尾).
    """
    out: list[str] = []
    glue_next = False
    for tok in _TOKEN_RE.findall(para):
        if tok.isspace():
            if glue_next and out:
                out[-1] += tok  # "（ 注" : the bracket still needs what follows it
            else:
                out.append(tok)
            continue
        if out and (glue_next or tok[0] in NO_LINE_START):
            if out[-1].isspace() and len(out) > 1:  # "你好 ，": no break before the comma
                tok = out.pop() + tok
            out[-1] += tok
        else:
            out.append(tok)
        glue_next = tok[-1] in NO_LINE_END
    return out


def _wrap_paragraph(para: str, width_of: Measure, max_width: float) -> list[str]:
    if not para.strip():
        return [""]
    pending = deque(clusters(para))
    lines: list[list[str]] = []
    line: list[str] = []
    used = 0.0
    while pending:
        piece = pending.popleft()
        if piece.isspace():
            if line or not lines:  # keep a paragraph's indent, drop spaces at a wrapped start
                line.append(piece)
                used += width_of(piece)
            continue
        w = width_of(piece)
        if used + w <= max_width:
            line.append(piece)
            used += w
            continue
        if w > max_width:  # longer than a whole line: cut it, starting here if there is room
            room = max_width - used if used <= max_width * 2 / 3 else 0.0
            parts = split_long(piece, width_of, max_width, room)
            if parts[0]:
                line.append(parts[0])
            pending.extendleft(reversed(parts[1:]))
        else:
            pending.appendleft(piece)
        if _visible(line):
            lines.append(_settle(line, pending, width_of, max_width))
        line, used = [], 0.0
    if _visible(line):
        lines.append(_settle(line, pending, width_of, max_width))
    _avoid_orphan(lines, width_of, max_width)
    return ["".join(ln).rstrip() for ln in lines]


def _visible(line: list[str]) -> bool:
    return any(not p.isspace() for p in line)


def _settle(line: list[str], pending: deque, width_of: Measure, max_width: float) -> list[str]:
    """Drop trailing spaces; if the whole line measures wider than the sum of its pieces
    (kerning, rounding), hand pieces back to `pending` until it fits."""
    while line and line[-1].isspace():
        line.pop()
    while len(line) > 1 and width_of("".join(line).rstrip()) > max_width:
        pending.appendleft(line.pop())
        while line and line[-1].isspace():
            line.pop()
    return line


def split_long(word: str, width_of: Measure, max_width: float,
               room: float | None = None) -> list[str]:
    """`word` (wider than `max_width`) cut into parts: the first fits `room` (default: a whole
    line; it may be empty),
    each further one fits `max_width`. A part never starts with closing punctuation when the
    part before can give up a character; a Latin word or number is cut after its last "-" or
    "/" that fits (0571-|86512300, https://|www...), else after as many characters as fit."""
    parts: list[str] = []
    rest = word
    limit = max_width if room is None else room
    while rest:
        if width_of(rest) <= limit:
            parts.append(rest)
            break
        n = _longest_prefix(rest, width_of, limit)
        if n == 0 and limit < max_width:  # not even one character fits the room
            parts.append("")
            limit = max_width
            continue
        n = max(n, 1)  # a character wider than a line still goes somewhere
        if rest[:n].isascii():
            soft = max(rest.rfind(ch, 0, n) for ch in _SOFT_BREAK_AFTER) + 1
            if soft * 2 >= n and soft < n:
                n = soft
            elif soft == 0 and limit < max_width and n < len(rest):
                parts.append("")  # no good cut in the room left: start the word on a new line
                limit = max_width
                continue
        while 1 < n < len(rest) and (rest[n] in NO_LINE_START or rest[n - 1] in NO_LINE_END):
            n -= 1
        parts.append(rest[:n])
        rest = rest[n:]
        limit = max_width
    return parts or [""]


def _longest_prefix(text: str, width_of: Measure, limit: float) -> int:
    """The most leading characters of `text` whose width fits `limit` (binary search)."""
    lo, hi = 0, len(text)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if width_of(text[:mid]) <= limit:
            lo = mid
        else:
            hi = mid - 1
    return lo


def _avoid_orphan(lines: list[list[str]], width_of: Measure, max_width: float) -> None:
    """Never end a paragraph with one lone CJK character (punctuation aside): when the line
    before has pieces to spare, its last piece moves down (if the result still fits)."""
    if len(lines) < 2:
        return
    last, prev = lines[-1], lines[-2]
    body = "".join(last).strip()
    core = [ch for ch in body if ch not in NO_LINE_START]
    if len(core) != 1 or core[0].isascii():
        return
    if len(prev) < 3 or prev[-1].isspace() or prev[-1][0].isascii():
        return
    moved = prev[-1] + "".join(last)
    if width_of(moved.rstrip()) <= max_width:
        lines[-2], lines[-1] = prev[:-1], [moved]
