"""Opening hours as structured data, parsed from the Chinese text staff write.

A ticket service's `hours` are lines like ``周一至周五 8:30-12:00``, ``周六 9:00-12:00``,
``每天 9:00-17:00``, ``工作日 13:30-17:00`` or ``周一、周三 9:00-11:00``. The same text is shown
to residents as written; the queue uses the parsed form to open and close a service and to say
when it opens next. A line that cannot be parsed is a content error (`kiosk content check`
names it), never silently "always open".

No Kivy here: the lobby queue service and the content checker both import this module.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

_DAY = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6, "七": 6}
_ALL = {"每天": range(7), "每日": range(7), "全天": range(7), "工作日": range(5), "周末": (5, 6)}
_LINE = re.compile(r"^\s*(?P<days>[^\d]+?)\s*(?P<h1>\d{1,2})[:：](?P<m1>\d{2})\s*[-–—~～至到]\s*(?P<h2>\d{1,2})[:：](?P<m2>\d{2})\s*$")
_RANGE = re.compile(r"^(?:周|星期)([一二三四五六日天七])\s*[至到\-–—~～]\s*(?:周|星期)([一二三四五六日天七])$")
_SINGLE = re.compile(r"^(?:周|星期)([一二三四五六日天七])$")


class HoursError(ValueError):
    """A line of opening hours that does not say which days and which times."""


@dataclass(frozen=True)
class Period:
    """Open on `days` (0 = Monday) from `start` (inclusive) to `end` (exclusive)."""

    days: frozenset[int]
    start: dt.time
    end: dt.time

    def contains(self, moment: dt.datetime) -> bool:
        return moment.weekday() in self.days and self.start <= moment.time() < self.end


def _days(text: str) -> frozenset[int]:
    text = text.strip()
    if text in _ALL:
        return frozenset(_ALL[text])
    out: set[int] = set()
    for part in re.split(r"[、，,和及/ ]+", text):
        if not part:
            continue
        if m := _RANGE.match(part):
            a, b = _DAY[m.group(1)], _DAY[m.group(2)]
            if b < a:
                raise HoursError(f"{part!r}: the range runs backwards")
            out.update(range(a, b + 1))
        elif m := _SINGLE.match(part):
            out.add(_DAY[m.group(1)])
        elif part in _ALL:
            out.update(_ALL[part])
        else:
            raise HoursError(f"{part!r} is not a day (write 周一至周五, 周六, 每天, 工作日 or 周一、周三)")
    if not out:
        raise HoursError("no days given")
    return frozenset(out)


def parse_line(line: str) -> Period:
    """One line of hours; HoursError says what is wrong."""
    m = _LINE.match(line)
    if not m:
        raise HoursError(f"{line!r}: write the days, then the times, e.g. 周一至周五 8:30-12:00")
    try:
        start = dt.time(int(m["h1"]), int(m["m1"]))
        end = dt.time(int(m["h2"]), int(m["m2"])) if (m["h2"], m["m2"]) != ("24", "00") else dt.time.max
    except ValueError:
        raise HoursError(f"{line!r}: a time is out of range (00:00 to 24:00)") from None
    if end <= start:
        raise HoursError(f"{line!r}: the closing time is not after the opening time")
    return Period(_days(m["days"]), start, end)


def parse_hours(lines: list[str]) -> list[Period]:
    """Every line parsed; an empty list means "no fixed hours" (open whenever the queue runs)."""
    return [parse_line(line) for line in lines]


def is_open(periods: list[Period], moment: dt.datetime) -> bool:
    return not periods or any(p.contains(moment) for p in periods)


def next_opening(periods: list[Period], moment: dt.datetime) -> dt.datetime | None:
    """The first opening strictly after `moment` within a week, or None when never open."""
    best: dt.datetime | None = None
    for offset in range(8):
        day = moment.date() + dt.timedelta(days=offset)
        for p in periods:
            if day.weekday() not in p.days:
                continue
            at = dt.datetime.combine(day, p.start, tzinfo=moment.tzinfo)
            if at > moment and (best is None or at < best):
                best = at
        if best is not None:
            return best
    return best

