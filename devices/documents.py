"""What residents take away on paper: the queue ticket, a guide's 一次性告知单, the test page.

Each function returns a `Receipt` (layout only; printing is devices.printer's job). Words on the
paper are resident-facing, so they go through the gettext function the caller passes as `_`
(kiosk.i18n._ in the app): devices/ does not import the app's i18n module, but its msgids live
in the same catalogue (tests/test_i18n.py scans devices/ too).
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from content.i18n import N_
from devices.receipt import QR, Cut, Feed, Receipt, Rule, Text

Translate = Callable[[str], str]


ORIGINAL_OR_COPY = {
    "original": N_("original"),
    "copy": N_("photocopy"),
    "original_and_copy": N_("original and photocopy"),
}


def _stamp(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M")


def ticket(_: Translate, *, centre_name: str, number: str, service_name: str, ahead: int,
           issued_at: dt.datetime, qr_url: str | None = None, name_masked: str | None = None,
           paper_mm: int = 80) -> Receipt:
    """The queue ticket: centre, big number, service, people ahead, time, QR, tips."""
    r = Receipt(paper_mm=paper_mm)
    r.add(Text(centre_name, 1, True, "center"), Feed(1))
    r.add(Text(number, 3, True, "center"), Text(service_name, 1, True, "center"))
    if name_masked:
        r.add(Text(_("Name: {name}").format(name=name_masked), 1, False, "center"))
    r.add(Rule())
    r.add(Text(_("{count} people ahead of you").format(count=ahead) if ahead else _("You are next"), 1, False, "left"))
    r.add(Text(_("Taken at {time}").format(time=_stamp(issued_at)), 1, False, "left"))
    if qr_url:
        r.add(Feed(1), QR(qr_url, module=6), Text(_("Scan to follow your place in the queue"), 1, False, "center"))
    r.add(Rule())
    r.add(Text(_("Please wait for your number to be called. If you miss your turn, please take a new number."),
               1, False, "left"))
    r.add(Text(_("Valid today only"), 1, False, "left"), Cut())
    return r


def guide_checklist(_: Translate, guide, *, centre_name: str, printed_at: dt.datetime,
                    paper_mm: int = 80) -> Receipt:
    """一次性告知单: the guide's materials as a checklist, where and when, time limit, phone, QR."""
    r = Receipt(paper_mm=paper_mm)
    r.add(Text(_("One-time notice of required materials"), 1, True, "center"))
    r.add(Text(guide.title, 2, True, "center"), Rule())
    r.add(Text(_("Materials to bring:"), 1, True, "left"))
    for m in guide.materials:
        kind = _(ORIGINAL_OR_COPY[m.original_or_copy])
        copies = _("{count} copies").format(count=m.copies) if m.copies else ""
        detail = "，".join(x for x in (kind, copies) if x)
        line = f"□ {m.name}（{detail}）"
        if m.note:
            line += f" {m.note}"
        r.add(Text(line, 1, False, "left"))
    r.add(Rule())
    for label, value in (
        (_("Where"), guide.location),
        (_("Hours"), guide.hours),
        (_("Time limit"), guide.time_limit),
        (_("Fee"), guide.fee),
        (_("Enquiries"), guide.phone),
    ):
        if value:
            r.add(Text(f"{label}：{value}", 1, False, "left"))
    if guide.online_url:
        r.add(Feed(1), QR(guide.online_url, module=5), Text(_("Scan to apply online"), 1, False, "center"))
    r.add(Rule(), Text(f"{centre_name}  {_stamp(printed_at)}", 1, False, "center"), Cut())
    return r


def printer_test_page(_: Translate, *, url: str, encoding: str, paper_mm: int, printed_at: dt.datetime) -> Receipt:
    """The maintenance test page: fonts, sizes, alignment, QR and settings in one strip."""
    r = Receipt(paper_mm=paper_mm)
    r.add(Text(_("Printer test page"), 2, True, "center"), Rule())
    r.add(Text(_("Normal text: community service centre, ABC-123, 2026-11-22"), 1, False, "left"))
    r.add(Text(_("Bold text"), 1, True, "left"), Text(_("Right aligned"), 1, False, "right"))
    r.add(Text("A001", 3, True, "center"))
    r.add(Text("（：）【，。、；？！】", 1, False, "left"))
    r.add(QR("https://zwfw.example.gov.cn/test", module=5))
    r.add(Rule(), Text(f"{url}  {encoding}  {paper_mm}mm", 1, False, "left"))
    r.add(Text(_stamp(printed_at), 1, False, "left"), Cut())
    return r
