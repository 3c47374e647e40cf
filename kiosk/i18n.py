"""Translations of every resident-facing string (gettext domain ``kiosk``), dates, and
Chinese line breaking.

Message ids are English; the catalogue ``kiosk/locale/zh_CN/LC_MESSAGES/kiosk.po`` holds the
Chinese text and is compiled to ``kiosk.mo`` next to it (both ship as package data). Content text
(guide titles, notices, ...) is already Chinese and is never passed through ``_()``.

Recompile after editing the .po (needs babel, a test dependency)::

    .venv/bin/python -m kiosk.i18n compile

``tests/test_i18n.py`` fails when the .mo is out of date or a msgid has no translation.
"""
from __future__ import annotations

import datetime as dt
import gettext
import re
import sys
from collections.abc import Callable
from pathlib import Path

DOMAIN = "kiosk"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DEFAULT_LOCALE = "zh_CN"


class _Catalog:
    """Holds the active translations; `set_locale` swaps them (main thread, at start-up)."""

    translations: gettext.NullTranslations = gettext.NullTranslations()
    locale: str = "en"


def N_(message: str) -> str:
    """Marks a msgid for extraction without translating it yet (translate at use with _())."""
    return message


def _(message: str) -> str:
    """The translation of `message` in the active locale (the msgid itself when untranslated)."""
    return _Catalog.translations.gettext(message)


def set_locale(locale: str = DEFAULT_LOCALE) -> None:
    """Switch every later `_()` to `locale`. "en"/"C" use the English msgids.

    An unknown locale raises FileNotFoundError naming the missing catalogue, rather than
    silently showing English to residents.
    """
    if locale in ("en", "en_US", "C", "POSIX"):
        _Catalog.translations, _Catalog.locale = gettext.NullTranslations(), locale
        return
    mo = mo_path(locale)
    if not mo.is_file():
        raise FileNotFoundError(f"no compiled catalogue for locale {locale!r}: {mo} is missing "
                                f"(run `python -m kiosk.i18n compile`)")
    _Catalog.translations = gettext.translation(DOMAIN, LOCALE_DIR, languages=[locale])
    _Catalog.locale = locale


def current_locale() -> str:
    return _Catalog.locale


def po_path(locale: str = DEFAULT_LOCALE) -> Path:
    return LOCALE_DIR / locale / "LC_MESSAGES" / f"{DOMAIN}.po"


def mo_path(locale: str = DEFAULT_LOCALE) -> Path:
    return LOCALE_DIR / locale / "LC_MESSAGES" / f"{DOMAIN}.mo"


# ---- dates and times ----------------------------------------------------------------------

WEEKDAYS = (N_("Monday"), N_("Tuesday"), N_("Wednesday"), N_("Thursday"), N_("Friday"),
            N_("Saturday"), N_("Sunday"))


def format_date(day: dt.date) -> str:
    """"2026年11月22日 星期日" in zh_CN."""
    weekday = _(WEEKDAYS[day.weekday()])
    return _("{weekday}, {year}-{month}-{day}").format(
        weekday=weekday, year=day.year, month=day.month, day=day.day)


def format_time(moment: dt.datetime | dt.time) -> str:
    """24-hour clock, "14:05" (the same in every locale we ship)."""
    return f"{moment.hour:02d}:{moment.minute:02d}"


# ---- Chinese line breaking (used by screens.widgets.CJKLabel) ------------------------------
# Kivy breaks lines only at ASCII spaces (PITFALLS.md): a CJK run is cut wherever it overflows and
# a line may start with "，". We break ourselves: CJK between any two characters, Latin words and
# numbers kept whole, and the common 避头尾 rules (no closing punctuation at a line start, no
# opening bracket at a line end).

NO_LINE_START = frozenset("，。、；：！？）》」』】〕〉…—·,.;:!?)%’”")
NO_LINE_END = frozenset("（《「『【〔〈(‘“")
_TOKEN_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_\-./:@+#%]*|\s+|.", re.S)


def wrap_cjk(text: str, width_of: Callable[[str], float], max_width: float) -> list[str]:
    """Split `text` into lines no wider than `max_width` (as measured by `width_of`)."""
    lines: list[str] = []
    for para in text.split("\n"):
        line, width = "", 0.0
        for word in _TOKEN_RE.findall(para):
            # a word wider than a whole line is broken by characters
            for token in (word,) if len(word) == 1 or width_of(word) <= max_width else word:
                w = width_of(token)
                if not line or width + w <= max_width or token.isspace():
                    line, width = line + token, width + w
                else:
                    line, width = _break(lines, line, token, width_of)
        lines.append(line.rstrip())
    return _avoid_orphan(lines)


def _avoid_orphan(lines: list[str]) -> list[str]:
    """Never end a paragraph with one lone character (punctuation aside): move one down."""
    if len(lines) < 2 or len(lines[-2]) < 4 or lines[-2][-1].isascii():
        return lines
    if len([ch for ch in lines[-1] if ch not in NO_LINE_START]) > 1:
        return lines
    take = 2 if lines[-2][-1] in NO_LINE_START else 1
    return lines[:-2] + [lines[-2][:-take], lines[-2][-take:] + lines[-1]]


def _break(lines: list[str], line: str, token: str, width_of) -> tuple[str, float]:
    """End `line` before `token`, moving one character down when a 避头尾 rule requires it."""
    carry = ""
    stripped = line.rstrip()
    if len(stripped) > 1 and (token[0] in NO_LINE_START or stripped[-1] in NO_LINE_END):
        stripped, carry = stripped[:-1], stripped[-1]
    lines.append(stripped.rstrip())
    new = (carry + token).lstrip()
    return new, width_of(new)


def ellipsize(line: str, width_of: Callable[[str], float], max_width: float) -> str:
    """`line` cut to fit `max_width` with a trailing "…"."""
    if width_of(line) <= max_width:
        return line
    while line and width_of(line + "…") > max_width:
        line = line[:-1]
    return line + "…"


# ---- catalogue maintenance (babel is a test/dev dependency, imported lazily) --------------

def read_po_messages(locale: str = DEFAULT_LOCALE) -> dict[str, str]:
    """{msgid: msgstr} of the .po (fuzzy entries count as untranslated)."""
    from babel.messages.pofile import read_po

    with open(po_path(locale), "rb") as fh:
        catalog = read_po(fh, locale=locale)
    return {m.id: ("" if m.fuzzy else m.string) for m in catalog if m.id}


def read_mo_messages(locale: str = DEFAULT_LOCALE) -> dict[str, str]:
    """{msgid: msgstr} of the compiled .mo (header entry excluded)."""
    with open(mo_path(locale), "rb") as fh:
        trans = gettext.GNUTranslations(fh)
    return {k: v for k, v in trans._catalog.items() if k}  # noqa: SLF001 (stdlib has no API)


def compile_catalog(locale: str = DEFAULT_LOCALE) -> Path:
    """Compile the .po to the .mo (temp file + rename). Returns the .mo path."""
    import io

    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with open(po_path(locale), "rb") as fh:
        catalog = read_po(fh, locale=locale)
    buf = io.BytesIO()
    write_mo(buf, catalog, use_fuzzy=False)
    target = mo_path(locale)
    tmp = target.with_suffix(".mo.tmp")
    tmp.write_bytes(buf.getvalue())
    tmp.replace(target)
    return target


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args[:1] != ["compile"]:
        print("usage: python -m kiosk.i18n compile [LOCALE]", file=sys.stderr)
        return 2
    locale = args[1] if len(args) > 1 else DEFAULT_LOCALE
    print(compile_catalog(locale))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
