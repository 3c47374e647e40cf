"""信息公开: four big tabs (党务公开 / 政务公开 / 居务公开 / 财务公开), chips to pick a period
(全部 and every period present in the tab), and the list of disclosures, newest first.

Only live items are listed: `view.items("disclosure", app.now())` applies publish_at/expire_at
by the terminal's own clock. `valid_to` is the end of the 公示期, not an expiry: after it the
item stays listed (as an archive item, until its expire_at) with a muted "公示期已结束".
Tapping a row opens `disclosure_detail`. The tab and period survive a visit to the detail and
back; `reset()` (idle) returns to the first tab.
"""
from __future__ import annotations

import datetime as dt

from kivy.lang import Builder
from kivy.properties import BooleanProperty, ListProperty, NumericProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout

from content.schemas import DISCLOSURE_CATEGORIES, Disclosure, aware
from kiosk.i18n import N_, _
from screens import base
from screens.base import KioskScreen
from screens.disclosure_row import DisclosureRow
from screens.widgets import BoldLabel, CJKLabel, DebouncedButtonBehavior

CATEGORY_NAMES = {  # schema value -> msgid of its tab
    "党务公开": N_("Party affairs"),
    "政务公开": N_("Government affairs"),
    "居务公开": N_("Residents' affairs"),
    "财务公开": N_("Financial affairs"),
}
_QUARTER = {"Q1": 1, "Q2": 4, "Q3": 7, "Q4": 10, "H1": 1, "H2": 7}


# ---- pure helpers (also used by disclosure_detail) ------------------------------------------

def category_name(category: str) -> str:
    return _(CATEGORY_NAMES.get(category, category))


def period_key(period: str) -> tuple[int, int, int]:
    """Sort key of a period ("2026-11", "2026-Q3", "2026-H1", "2026"): (year, first month,
    minus its length in months), so that later periods sort higher and, of two periods starting
    the same month, the shorter (more specific) one does."""
    year, _sep, part = period.partition("-")
    if not part:
        return int(year), 1, -12
    if part in _QUARTER:
        return int(year), _QUARTER[part], -3 if part.startswith("Q") else -6
    return int(year), int(part), -1


def period_label(period: str) -> str:
    """"2026-11" -> 2026年11月, "2026-Q3" -> 2026年第3季度, "2026-H1" -> 2026年上半年, "2026" -> 2026年."""
    year, _sep, part = period.partition("-")
    if not part:
        return _("Year {year}").format(year=year)
    if part.startswith("Q"):
        return _("{year}, quarter {quarter}").format(year=year, quarter=part[1:])
    if part == "H1":
        return _("{year}, first half").format(year=year)
    if part == "H2":
        return _("{year}, second half").format(year=year)
    return _("{year}, month {month}").format(year=year, month=int(part))


def format_day(day: dt.date) -> str:
    return _("{month}/{day}/{year}").format(year=day.year, month=day.month, day=day.day)


def validity_text(item: Disclosure) -> str:
    """The 公示期 line, or "" when the item has none."""
    start, end = item.valid_from, item.valid_to
    if start and end:
        return _("Public notice period: {start} to {end}").format(start=format_day(start),
                                                                   end=format_day(end))
    if start:
        return _("Public notice period: from {start}").format(start=format_day(start))
    if end:
        return _("Public notice period: until {end}").format(end=format_day(end))
    return ""


def notice_period_ended(item: Disclosure, today: dt.date) -> bool:
    return item.valid_to is not None and item.valid_to < today


def newest_first(items) -> list[Disclosure]:
    """By period (latest first), then updated_at (latest first), then id."""
    ordered = sorted(items, key=lambda d: d.id)
    return sorted(ordered, key=lambda d: (period_key(d.period), aware(d.updated_at)), reverse=True)


# ---- widgets ----------------------------------------------------------------------------------

class CategoryTab(DebouncedButtonBehavior, BoldLabel):
    category = StringProperty("")
    selected = BooleanProperty(False)


class PeriodChip(DebouncedButtonBehavior, BoldLabel):
    period = StringProperty("")   # "" = 全部
    selected = BooleanProperty(False)


class NoticePeriodLine(CJKLabel):
    """A muted line about the 公示期 (its dates; 公示期已结束), in the list and the detail:
    it takes no room at all while it has no text."""

    scale = NumericProperty(0.85)  # of the body text size


class DisclosuresPanel(BoxLayout):
    """Tabs, period chips with the count, and the scrolling list (ids: tabs, chips, count, rows)."""

    empty = BooleanProperty(False)


class DisclosuresScreen(KioskScreen):
    category = StringProperty(DISCLOSURE_CATEGORIES[0])
    period = StringProperty("")        # "" = every period
    periods = ListProperty([])         # periods present in the current tab, newest first

    def __init__(self, **kwargs):
        kwargs.setdefault("name", "disclosures")
        super().__init__(**kwargs)
        self.title = _("Public disclosures")
        self.panel = DisclosuresPanel()
        self.ids.body.add_widget(self.panel)
        self.tabs: dict[str, CategoryTab] = {}
        for category in DISCLOSURE_CATEGORIES:
            tab = CategoryTab(category=category, text=category_name(category))
            tab.bind(on_tap=lambda t: self.select_category(t.category))
            self.tabs[category] = tab
            self.panel.ids.tabs.add_widget(tab)
        self._items: list[Disclosure] = []
        self._signature: tuple | None = None
        self._today = dt.date.min  # set from the app's clock by refresh()

    # ---- data ------------------------------------------------------------------------------

    def refresh(self) -> None:
        app = self.app
        now = app.now()
        items = newest_first(i for i in app.view.items("disclosure", now) if isinstance(i, Disclosure))
        signature = (app.view.version, now.date(), tuple(i.id for i in items))
        if signature == self._signature:
            return  # back from a detail: keep the list and its scroll position
        self._signature, self._items, self._today = signature, items, now.date()
        self._show(scroll_top=True)

    def reset(self) -> None:
        self.category, self.period = DISCLOSURE_CATEGORIES[0], ""
        self._signature = None

    def items_in(self, category: str) -> list[Disclosure]:
        return [i for i in self._items if i.category == category]

    def shown_items(self) -> list[Disclosure]:
        return [i for i in self.items_in(self.category) if not self.period or i.period == self.period]

    # ---- user actions ------------------------------------------------------------------------

    def select_category(self, category: str) -> None:
        if category != self.category or self.period:
            self.category, self.period = category, ""
            self._show(scroll_top=True)

    def select_period(self, period: str) -> None:
        if period != self.period:
            self.period = period
            self._show(scroll_top=True)

    def open_item(self, item_id: str) -> None:
        self.app.open_screen("disclosure_detail", item_id=item_id)

    # ---- building ------------------------------------------------------------------------------

    def _show(self, scroll_top: bool) -> None:
        for category, tab in self.tabs.items():
            tab.selected = category == self.category
        in_tab = self.items_in(self.category)
        self.periods = sorted({i.period for i in in_tab}, key=period_key, reverse=True)
        if self.period not in self.periods:
            self.period = ""
        self._build_chips()
        shown = self.shown_items()
        ids = self.panel.ids
        ids.count.text = _("{count} items").format(count=len(shown))
        ids.rows.clear_widgets()
        for item in shown:
            row = DisclosureRow(item_id=item.id, title=item.title,
                                meta=f"{item.publisher}　{period_label(item.period)}",
                                validity=validity_text(item),
                                ended=notice_period_ended(item, self._today))
            row.bind(on_tap=lambda r: self.open_item(r.item_id))
            ids.rows.add_widget(row)
        self.panel.empty = not shown
        if scroll_top:
            ids.scroll.scroll_y = 1

    def _build_chips(self) -> None:
        chips = self.panel.ids.chips
        chips.clear_widgets()
        for period in [""] + list(self.periods):
            chip = PeriodChip(period=period, selected=period == self.period,
                              text=period_label(period) if period else _("All"))
            chip.bind(on_tap=lambda c: self.select_period(c.period))
            chips.add_widget(chip)

    def rows(self) -> list[DisclosureRow]:
        """The rows shown, top to bottom (tests)."""
        return list(reversed(self.panel.ids.rows.children))

    def chips(self) -> list[PeriodChip]:
        return list(reversed(self.panel.ids.chips.children))


KV_NAME = "screens/disclosures.kv"  # a pseudo file name, so the rules load once

KV = """
#:import theme kiosk.theme
#:import _ kiosk.i18n._

<NoticePeriodLine>:
    font_size: app.text_unit * theme.FONT_BODY * self.scale
    color: theme.TEXT_MUTED
    opacity: 1 if self.plain_text else 0
    height: self.texture_size[1] if self.plain_text else 0

<CategoryTab>:
    font_size: app.text_unit * theme.FONT_BUTTON * (0.9 if app.compact else 1.05)
    color: theme.ON_RED if self.selected else theme.RED
    halign: 'center'
    valign: 'middle'
    text_size: self.width, None
    canvas.before:
        Color:
            rgba: (theme.RED if self.selected else (theme.SURFACE_PRESSED if self.state == 'down' else theme.SURFACE))
        RoundedRectangle:
            pos: self.pos
            size: self.size
            radius: [app.ui_unit * theme.RADIUS]
        Color:
            rgba: theme.RED
        Line:
            rounded_rectangle: (self.x, self.y, self.width, self.height, app.ui_unit * theme.RADIUS)
            width: 1.5

<PeriodChip>:
    font_size: app.text_unit * theme.FONT_BODY * 0.9
    color: theme.ON_RED if self.selected else theme.TEXT
    size_hint: None, 1
    width: max(self.texture_size[0] + self.font_size * 1.6, theme.MIN_TOUCH_PX * 1.2)
    halign: 'center'
    valign: 'middle'
    canvas.before:
        Color:
            rgba: theme.RED if self.selected else (theme.SURFACE_PRESSED if self.state == 'down' else theme.SURFACE)
        RoundedRectangle:
            pos: self.pos
            size: self.size
            radius: [self.height / 2]
        Color:
            rgba: theme.RED if self.selected else theme.BORDER
        Line:
            rounded_rectangle: (self.x, self.y, self.width, self.height, self.height / 2)
            width: 1.3

<DisclosureRow>:
    size_hint_y: None
    t: app.text_unit
    u: app.ui_unit
    # the card; its texts and the › are drawn by the row itself (screens/disclosure_row.py)
    canvas.before:
        Color:
            rgba: theme.SURFACE_PRESSED if self.state == 'down' else theme.SURFACE
        RoundedRectangle:
            pos: self.pos
            size: self.size
            radius: [app.ui_unit * theme.RADIUS]
        Color:
            rgba: theme.BORDER
        Line:
            rounded_rectangle: (self.x, self.y, self.width, self.height, app.ui_unit * theme.RADIUS)
            width: 1.2
        Color:
            rgba: theme.RED if not self.ended else theme.BORDER
        RoundedRectangle:
            pos: self.pos
            size: app.ui_unit * theme.ACCENT, self.height
            radius: [app.ui_unit * theme.RADIUS, 0, 0, app.ui_unit * theme.RADIUS]

<DisclosuresPanel>:
    orientation: 'vertical'
    spacing: app.ui_unit * theme.GAP * (0.4 if app.compact else 0.6)
    BoxLayout:
        id: tabs
        size_hint_y: None
        height: max(theme.MIN_TOUCH_PX * 1.15, app.text_unit * theme.FONT_BUTTON * (2.1 if app.compact else 2.6))
        spacing: app.ui_unit * theme.GAP * 0.5
    BoxLayout:
        size_hint_y: None
        height: max(theme.MIN_TOUCH_PX, app.text_unit * theme.FONT_BODY * 2)
        spacing: app.ui_unit * theme.GAP * 0.5
        ScrollView:
            id: chip_scroll
            do_scroll_y: False
            bar_width: 0
            BoxLayout:
                id: chips
                size_hint_x: None
                width: self.minimum_width
                spacing: app.ui_unit * theme.GAP * 0.4
        TextLabel:
            id: count
            font_size: app.text_unit * theme.FONT_BODY * 0.85
            color: theme.TEXT_MUTED
            size_hint_x: None
            width: self.texture_size[0]
    FloatLayout:
        ScrollView:
            id: scroll
            pos: self.parent.pos
            size: self.parent.size
            do_scroll_x: False
            bar_width: app.ui_unit * 10
            bar_color: theme.RED[:3] + (0.7,)
            bar_inactive_color: theme.RED[:3] + (0.35,)
            scroll_type: ['bars', 'content']
            BoxLayout:
                id: rows
                orientation: 'vertical'
                size_hint_y: None
                height: self.minimum_height
                padding: 0, 0, app.ui_unit * 16, 0
                spacing: app.ui_unit * theme.GAP * 0.5
        TextLabel:
            text: _("Nothing has been published here yet") if root.empty else ''
            font_size: app.text_unit * theme.FONT_BODY
            color: theme.TEXT_MUTED
            pos: self.parent.pos
            size: self.parent.size
"""


def load_kv() -> None:
    if KV_NAME not in Builder.files:
        Builder.load_string(KV, filename=KV_NAME)


def create(app) -> DisclosuresScreen:
    base.load_kv()
    load_kv()
    return DisclosuresScreen()
