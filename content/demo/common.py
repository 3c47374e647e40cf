"""Facts shared by every part of the demo centre: names, phones, windows, date helpers.

The centre, its 街道 and every phone number are invented. Addresses use an invented district
so nobody mistakes the demo for a real office.
"""
from __future__ import annotations

import datetime as dt

from content.schemas import FAQ, Disclosure, Heading, ListBlock, Material, Paragraph, Table

CENTRE_NAME = "幸福里社区党群服务中心"
COMMUNITY = "幸福里社区"
STREET = "和丰街道"
PARTY_COMMITTEE = "幸福里社区党委"
RESIDENTS_COMMITTEE = "幸福里社区居民委员会"
SUPERVISION_COMMITTEE = "幸福里社区居务监督委员会"
STREET_OFFICE = "丰乐区和丰街道办事处"
ADDRESS = "丰乐区和丰街道幸福里路88号（幸福里公交站北50米）"

CENTRE_PHONE = "0571-86512300"
PHONE_A = "0571-86512301"  # 综合受理: social assistance, elderly, disability, family planning
PHONE_B = "0571-86512302"  # 社保医保·就业
PHONE_C = "0571-86512303"  # 党群服务窗口
PHONE_D = "0571-86512304"  # 便民服务 / 证明开具
PHONE_HEALTH = "0571-86513120"  # 社区卫生服务站
COMPLAINT_PHONE = "0571-86510012"  # 和丰街道效能投诉

HOURS_WEEKDAY = "周一至周五 8:30-12:00，13:30-17:00（法定节假日除外）"
HOURS_WITH_SAT = "周一至周五 8:30-12:00，13:30-17:00；周六 9:00-12:00（法定节假日除外）"

LOC_A = "一楼便民服务大厅 1号、2号窗口（综合受理）"
LOC_B = "一楼便民服务大厅 3号、4号窗口（社保医保·就业）"
LOC_C = "一楼党群服务窗口（5号窗口）"
LOC_D = "一楼便民服务大厅 6号窗口（便民服务）"

# default phone and location of a guide by the queue it sends residents to
BY_SERVICE = {
    "A": (PHONE_A, LOC_A),
    "B": (PHONE_B, LOC_B),
    "C": (PHONE_C, LOC_C),
    "D": (PHONE_D, LOC_D),
}

# (网格, 网格员, 电话, 负责区域, 网格党支部书记)
GRIDS = [("第一网格", "方晓丽", "0571-86512311", "幸福里一区1-12幢", "何丽娟"),
         ("第二网格", "俞建华", "0571-86512312", "幸福里二区1-15幢", "吴建军"),
         ("第三网格", "潘美玲", "0571-86512313", "幸福里三区、幸福里商业街", "朱秀英"),
         ("第四网格", "戴志明", "0571-86512314", "和丰新村1-9幢", "沈国平"),
         ("第五网格", "邹文静", "0571-86512315", "辖区企业、学校、医院", "赵一鸣")]

ONLINE = "https://zwfw.example.gov.cn/item/"

WEEKDAYS = "一二三四五六日"


def M(name: str, copies: int = 1, kind: str = "original", note: str = "") -> Material:
    """One required material; kind is original / copy / original_and_copy."""
    return Material(name=name, copies=copies, original_or_copy=kind, note=note)


def Q(q: str, a: str) -> FAQ:
    return FAQ(q=q, a=a)


def fixed_stamp(year: int, month: int, day: int, today: dt.date) -> dt.datetime:
    """A fixed 'last reviewed' time, moved back before `today` when `today` is earlier.

    Guides keep the same updated_at from day to day (so a daily rebuild does not resend them),
    yet never claim to be updated in the future.
    """
    stamp = dt.datetime(year, month, day, 9, 30)
    latest = dt.datetime.combine(today - dt.timedelta(days=1), dt.time(9, 30))
    return min(stamp, latest)


def at(day: dt.date, hour: int = 9, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute))


def cn_date(day: dt.date, weekday: bool = False) -> str:
    text = f"{day.year}年{day.month}月{day.day}日"
    if weekday:
        text += f"（星期{WEEKDAYS[day.weekday()]}）"
    return text


def cn_md(day: dt.date, weekday: bool = False) -> str:
    text = f"{day.month}月{day.day}日"
    if weekday:
        text += f"（星期{WEEKDAYS[day.weekday()]}）"
    return text


def month_before(today: dt.date, n: int = 1) -> tuple[int, int]:
    """(year, month) of the month `n` months before today's month."""
    index = today.year * 12 + (today.month - 1) - n
    return index // 12, index % 12 + 1


def quarter_before(today: dt.date) -> tuple[int, int]:
    """(year, quarter) of the last complete quarter."""
    index = today.year * 4 + (today.month - 1) // 3 - 1
    return index // 4, index % 4 + 1


def period_month(year: int, month: int) -> str:
    return f"{year}-{month:02d}"


def yuan(cents: int) -> str:
    """12345678 -> '123,456.78' (amounts are kept in cents so totals add up exactly)."""
    return f"{cents // 100:,}.{cents % 100:02d}"


# ---- block shorthands for disclosures and notices -------------------------------------------

def P(text: str) -> Paragraph:
    return Paragraph(text=text)


def H(text: str, level: int = 2) -> Heading:
    return Heading(text=text, level=level)


def L(*items: str, ordered: bool = False) -> ListBlock:
    return ListBlock(items=list(items), ordered=ordered)


def T(caption: str, columns: list[str], rows: list[list[str]], align: str = "") -> Table:
    """align as a string of l/r/c, one letter per column ("lrrl")."""
    names = {"l": "left", "r": "right", "c": "center"}
    return Table(caption=caption, columns=columns, rows=rows, align=[names[a] for a in align])


def disclosure(id: str, title: str, category: str, period: str, publisher: str, blocks: list,
               valid_from: dt.date, valid_to: dt.date, pages: tuple[str, ...] = (), sort: int = 0) -> Disclosure:
    """A Disclosure published on the first day of its 公示期 (updated_at 9:00 that day)."""
    return Disclosure(id=id, title=title, category=category, period=period, publisher=publisher,
                      blocks=blocks, pages=list(pages), valid_from=valid_from, valid_to=valid_to,
                      updated_at=at(valid_from), sort=sort)
