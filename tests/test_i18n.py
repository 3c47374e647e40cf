"""Translations: every msgid in the code has Chinese text, the .mo matches the .po, and dates read
the way residents expect. (Line breaking: tests/test_linebreak.py.)"""
from __future__ import annotations

import ast
import datetime as dt
import re
from pathlib import Path

import pytest

from kiosk import i18n

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ("kiosk", "screens", "devices")
# _("...") / N_('...') in Python and kv files; the string literal is read with ast.
_CALL_RE = re.compile(r"""\bN?_\(\s*((["'])(?:\\.|(?!\2).)*\2)\s*\)""")
_FIELD_RE = re.compile(r"\{(\w*)[^}]*\}")


def used_msgids() -> dict[str, str]:
    """{msgid: 'file:line'} of every marked string in kiosk/, screens/ and devices/."""
    found: dict[str, str] = {}
    for folder in SOURCES:
        for path in sorted((ROOT / folder).rglob("*")):
            if path.suffix not in (".py", ".kv"):
                continue
            for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                for match in _CALL_RE.finditer(line):
                    msgid = ast.literal_eval(match.group(1))
                    found.setdefault(msgid, f"{path.relative_to(ROOT)}:{lineno}")
    return found


@pytest.fixture(autouse=True)
def _zh_cn():
    i18n.set_locale("zh_CN")
    yield
    i18n.set_locale("zh_CN")


def test_the_scan_finds_the_home_tiles():
    used = used_msgids()
    for msgid in ("Service guides", "Public disclosures", "Notices", "Centre guide",
                  "Take a number", "Monday", "Urgent notice", "Elder mode: on"):
        assert msgid in used


def test_every_msgid_in_the_code_has_a_chinese_translation():
    catalogue = i18n.read_po_messages()
    missing = {m: where for m, where in used_msgids().items() if not catalogue.get(m)}
    assert not missing, f"untranslated (add to {i18n.po_path()}): {missing}"


def test_the_catalogue_has_no_stale_entries():
    stale = set(i18n.read_po_messages()) - set(used_msgids())
    assert not stale, f"msgids no longer used in the code: {sorted(stale)}"


def test_translations_keep_their_placeholders():
    for msgid, msgstr in i18n.read_po_messages().items():
        assert set(_FIELD_RE.findall(msgid)) == set(_FIELD_RE.findall(msgstr)), msgid


def test_the_compiled_mo_matches_the_po():
    assert i18n.read_mo_messages() == i18n.read_po_messages(), \
        "kiosk.mo is out of date: run `.venv/bin/python -m kiosk.i18n compile`"


def test_compile_writes_an_equivalent_mo(tmp_path, monkeypatch):
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path)
    target = tmp_path / "zh_CN" / "LC_MESSAGES"
    target.mkdir(parents=True)
    (target / "kiosk.po").write_bytes((ROOT / "kiosk/locale/zh_CN/LC_MESSAGES/kiosk.po").read_bytes())
    i18n.compile_catalog("zh_CN")
    assert i18n.read_mo_messages() == i18n.read_po_messages()


def test_home_tile_titles_in_chinese():
    assert [i18n._(m) for m in ("Service guides", "Public disclosures", "Notices",
                                "Centre guide", "Take a number")] == \
        ["办事指南", "信息公开", "通知公告", "中心导览", "取号"]


def test_date_reads_like_a_chinese_calendar():
    assert i18n.format_date(dt.date(2026, 11, 22)) == "2026年11月22日 星期日"
    assert i18n.format_date(dt.date(2026, 3, 2)) == "2026年3月2日 星期一"
    assert i18n.format_time(dt.datetime(2026, 11, 22, 9, 5, 59)) == "09:05"


def test_english_is_the_msgid_and_unknown_locales_fail_loudly():
    i18n.set_locale("en")
    assert i18n._("Service guides") == "Service guides"
    assert i18n.format_date(dt.date(2026, 11, 22)) == "Sunday, 2026-11-22"
    with pytest.raises(FileNotFoundError, match="fr_FR"):
        i18n.set_locale("fr_FR")
