"""Translations of every resident-facing string (gettext domain ``kiosk``) and dates.
(Chinese line breaking is in ``content.linebreak``.)

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
import sys
from pathlib import Path

from content.i18n import N_, load_catalog  # noqa: F401 (N_ is the terminal's marker too)

DOMAIN = "kiosk"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DEFAULT_LOCALE = "zh_CN"


class _Catalog:
    """Holds the active translations; `set_locale` swaps them (main thread, at start-up)."""

    translations: gettext.NullTranslations = gettext.NullTranslations()
    locale: str = "en"


def _(message: str) -> str:
    """The translation of `message` in the active locale (the msgid itself when untranslated)."""
    return _Catalog.translations.gettext(message)


def set_locale(locale: str = DEFAULT_LOCALE) -> None:
    """Switch every later `_()` to `locale`. "en"/"C" use the English msgids.

    An unknown locale raises FileNotFoundError naming the missing catalogue, rather than
    silently showing English to residents.
    """
    _Catalog.translations = load_catalog(DOMAIN, LOCALE_DIR, locale, how="`python -m kiosk.i18n compile`")
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
