"""gettext catalogs, shared by the terminal (`kiosk.i18n`, domain ``kiosk``) and the lobby queue's
pages (`tickets.pages`, domain ``tickets``): neither imports the other, both import this.

Message ids are English; each catalog is `<locale_dir>/<locale>/LC_MESSAGES/<domain>.po`,
compiled to the `.mo` beside it. A missing catalog is an error naming the file (and how to make
it), never English shown to residents or staff without anyone noticing.
"""
from __future__ import annotations

import gettext
from pathlib import Path

ENGLISH = ("en", "en_US", "C", "POSIX")


def N_(message: str) -> str:
    """Marks a msgid for extraction without translating it yet (translate at use)."""
    return message


def mo_path(domain: str, locale_dir: Path, locale: str) -> Path:
    return Path(locale_dir) / locale / "LC_MESSAGES" / f"{domain}.mo"


def load_catalog(domain: str, locale_dir: Path, locale: str, how: str = "") -> gettext.NullTranslations:
    """The translations of `domain` in `locale`; the msgids themselves for English. `how`
    tells the maintainer how to compile a missing catalog."""
    if locale in ENGLISH:
        return gettext.NullTranslations()
    mo = mo_path(domain, locale_dir, locale)
    if not mo.is_file():
        how = how or f"`pybabel compile -D {domain} -d {locale_dir} -l {locale}`"
        raise FileNotFoundError(f"no compiled catalog for locale {locale!r}: {mo} is missing (run {how})")
    return gettext.translation(domain, str(locale_dir), languages=[locale])
