"""办事指南: category chips, the list of guides (a RecycleView) and the way into search.

Also the pieces the two other guide screens share: the list row (`GuideRow`, used by the search
results too) and the summary line of a guide; `app.open_screen("guide_detail", guide_id=ID)` shows one guide
on the `guide_detail` screen. The kv rules of all three screens are in guides.kv.
"""
from __future__ import annotations

from pathlib import Path

from kivy.app import App
from kivy.clock import Clock
from kivy.graphics import Color, RoundedRectangle
from kivy.lang import Builder
from kivy.properties import (BooleanProperty, NumericProperty, ObjectProperty,
                             StringProperty)
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.recycleview import RecycleView
from kivy.uix.recycleview.views import RecycleDataViewBehavior
from kivy.uix.scrollview import ScrollView
from kivy.uix.widget import Widget

from kiosk import theme
from kiosk.i18n import _
from screens.base import KioskScreen
from screens.clip import ScissorClip
from screens.layer import CachedLayer
from screens.text_label import TextLabel
from screens.text_cache import CachedPiece
from screens.widgets import DebouncedButtonBehavior

KV_PATH = Path(__file__).with_suffix(".kv")
DETAIL_KV_PATH = Path(__file__).with_name("guide_detail.kv")

# design px (x app.text_unit)
FONT_SEARCH = 34
FONT_CHIP = 30
FONT_ROW_TITLE = 38
FONT_ROW_META = 28
FONT_QUERY = 44
FONT_MESSAGE = 34
FONT_KEY = 40
KEY_HEIGHT = 96
FONT_DETAIL_TITLE = 50
FONT_SECTION = 36
FONT_BODY = 31
FACT_LABEL_EMS = 6.6    # width of the 办理地点/窗口 … labels, in characters
QR_SIDE = 230


def load_kv() -> None:
    """Load guides.kv and guide_detail.kv once (every guide screen's create() calls this)."""
    for path in (KV_PATH, DETAIL_KV_PATH):
        if str(path) not in Builder.files:
            Builder.load_file(str(path))


# ---- text shared by the list, the search results and the detail ---------------------------

def visits_text(visits: int) -> str:
    """到现场次数 as residents know it: 0 -> 无需到现场, n -> 到现场n次."""
    if visits <= 0:
        return _("No visit in person needed")
    return _("{count} visit(s) in person").format(count=visits)


def guide_meta(guide) -> str:
    """The summary line under a guide's title: visits, then the promised time limit."""
    parts = [visits_text(guide.visits)]
    if guide.time_limit:
        parts.append(_("Time limit: {text}").format(text=guide.time_limit))
    return " ｜ ".join(parts)


def row_data(guides, meta: bool = True) -> list[dict]:
    """RecycleView data for `guides` (rows are GuideRow); `meta=False`: titles only."""
    return [{"guide_id": g.id, "title": g.title, "category": g.category,
             "meta": guide_meta(g) if meta else ""} for g in guides]


def row_height(text_unit: float, ui_unit: float, lines: int = 2) -> float:
    """Height of one GuideRow (title, and the summary line when `lines` is 2); never below
    a finger."""
    if lines < 2:
        return max(theme.MIN_TOUCH_PX, text_unit * FONT_ROW_TITLE * 1.35 + ui_unit * 28)
    return max(theme.MIN_TOUCH_PX * 1.2,
               text_unit * (FONT_ROW_TITLE + FONT_ROW_META) * 1.35 + ui_unit * 28)


def key_height(ui_unit: float, text_scale: float, compact: bool) -> float:
    """Height of an on-screen key: x1.4 in elder mode, the finger floor on a small panel
    (where three rows of keys must leave room for the results)."""
    if compact:
        return theme.MIN_TOUCH_PX
    return max(theme.MIN_TOUCH_PX, ui_unit * KEY_HEIGHT * text_scale)


def qr_side(ui_unit: float) -> float:
    """Side of the QR code: big enough for a phone camera at arm's length."""
    return max(130.0, ui_unit * QR_SIDE)


_FADE = {}


def fade_texture():
    """A horizontal ramp from transparent to opaque white (tinted by the kv Color)."""
    texture = _FADE.get("texture")
    if texture is None:
        from kivy.graphics.texture import Texture

        width = 32
        texture = Texture.create(size=(width, 1), colorfmt="rgba")
        ramp = bytes(v for i in range(width) for v in (255, 255, 255, int(255 * i / (width - 1))))
        texture.blit_buffer(ramp, colorfmt="rgba", bufferfmt="ubyte")
        _FADE["texture"] = texture
    return texture


# ---- widgets --------------------------------------------------------------------------------

class GuideMagnifier(Widget):
    """A drawn magnifying glass (the Chinese font has no emoji)."""


class GuideSearchButton(DebouncedButtonBehavior, BoxLayout):
    text = StringProperty("")


class GuideCategoryChip(DebouncedButtonBehavior, TextLabel):
    """One category filter; `category` "" means 全部 (all)."""

    category = StringProperty("")
    selected = BooleanProperty(False)
    screen = ObjectProperty(None, allownone=True)

    def on_tap(self):
        if self.screen is not None:
            self.screen.select_category(self.category)


class GuideChips(CachedLayer, BoxLayout):
    """The category chips, drawn once as one picture (screens/layer.py); scrolling sideways
    moves the picture, a chip pressed or chosen redraws it."""


class ChipsScroll(ScissorClip, ScrollView):
    """Sideways scroller of the chips, scissor-clipped (screens/clip.py)."""


class GuideRow(RecycleDataViewBehavior, DebouncedButtonBehavior, Widget):
    """A guide in a list: title, category tag, summary line. Tapping opens the guide.

    One widget drawing its three texts (screens.text_cache.CachedPiece: recycled rows reuse
    rendered texts) where a box of boxes and labels was; the layout is what those boxes gave.
    The card (outline, accent, pressed fill) is drawn by the kv rule.

    Kivy keeps unused RecycleView rows in a module-level cache shared by every RecycleView (and
    every App in a test process), so a row must not bind to `app` in kv: it follows the app
    that shows it (`t`/`u` = that app's text_unit/ui_unit), rebinding when reused elsewhere.
    """

    guide_id = StringProperty("")
    title = StringProperty("")
    category = StringProperty("")
    meta = StringProperty("")
    t = NumericProperty(1.0)
    u = NumericProperty(1.0)

    def __init__(self, **kwargs):
        self._app = None
        self._relayout = Clock.create_trigger(self.layout_texts, -1)
        super().__init__(**kwargs)
        canvas = self.canvas
        self.title_text = CachedPiece(canvas)
        self._tag_colour = Color(*theme.BADGE_BG)
        self._tag = RoundedRectangle(size=(0, 0))
        canvas.add(self._tag_colour)
        canvas.add(self._tag)
        self.category_text = CachedPiece(canvas)
        self.meta_text = CachedPiece(canvas)
        self._boxes: tuple = ()
        for prop in ("title", "category", "meta", "t", "u", "size"):
            self.fbind(prop, self._relayout)
        self.fbind("pos", self._place)
        self._follow(App.get_running_app())

    def pieces(self) -> list:
        return [self.title_text, self.category_text, self.meta_text]

    def layout_texts(self, *_args) -> None:
        """Render the texts for the row's size (the list gives it)."""
        t, u = self.t, self.u
        left, right, vertical, gap = u * theme.PAD * 0.8, u * theme.PAD * 0.6, u * 12, u * 4
        inner = self.height - 2 * vertical - gap
        shares = FONT_ROW_TITLE + (FONT_ROW_META if self.meta else 0)
        line_h, meta_h = inner * FONT_ROW_TITLE / shares, inner - inner * FONT_ROW_TITLE / shares
        category_w = self.category_text.render(self.category, t * FONT_ROW_META,
                                               color=theme.RED)[0] + u * 24
        title_w = self.width - left - right - category_w - u * theme.PAD * 0.5
        title_font = t * FONT_ROW_TITLE
        self.title_text.render(self.title, title_font, color=theme.TEXT, halign="left",
                               valign="middle", text_size=(title_w, line_h), shorten=True,
                               shorten_from="right", outline_width=max(1, int(title_font / 40)),
                               outline_color=theme.TEXT[:3])
        meta_w = self.width - left - right
        self.meta_text.render(self.meta, t * FONT_ROW_META, color=theme.TEXT_MUTED,
                              halign="left", valign="middle", text_size=(meta_w, meta_h),
                              shorten=True, shorten_from="right")
        self._boxes = (left, vertical, gap, line_h, meta_h, title_w, category_w, meta_w)
        self._place()

    def _place(self, *_args) -> None:
        if not self._boxes:
            return
        left, vertical, gap, line_h, meta_h, title_w, category_w, meta_w = self._boxes
        x, line_y = self.x + left, self.y + self.height - vertical - line_h
        self.title_text.place(x, line_y, title_w, line_h)
        tag_x, text_h = x + title_w + self.u * theme.PAD * 0.5, self.category_text.texture_size[1]
        self._tag.pos = (tag_x, line_y + line_h / 2.0 - text_h * 0.6)
        self._tag.size = (category_w, text_h * 1.2) if self.category else (0, 0)
        self._tag.radius = [self.u * 8]
        self.category_text.place(tag_x, line_y, category_w, line_h)
        self.meta_text.place(x, line_y - gap - meta_h, meta_w, meta_h)

    def refresh_view_attrs(self, rv, index, data):
        self._follow(App.get_running_app())
        return super().refresh_view_attrs(rv, index, data)

    def _follow(self, app) -> None:
        if app is self._app or app is None:
            return
        # bound methods: Kivy keeps them weakly, so the app never keeps a dropped row (and
        # through its parents a dropped screen) alive
        if self._app is not None:
            self._app.unbind(text_unit=self._copy_units, ui_unit=self._copy_units)
        self._app = app
        app.bind(text_unit=self._copy_units, ui_unit=self._copy_units)
        self._copy_units(app)

    def _copy_units(self, app, *_args) -> None:
        self.t, self.u = app.text_unit, app.ui_unit

    def on_tap(self):
        if self.guide_id:
            App.get_running_app().open_screen("guide_detail", guide_id=self.guide_id)


class GuideList(ScissorClip, RecycleView):  # clipped without stencil fills (screens/clip.py)
    """A RecycleView of GuideRow (rules in guides.kv)."""

    cols = NumericProperty(1)
    lines = NumericProperty(2)   # 1: rows show the title only (small panels)

    def rows(self) -> list[GuideRow]:
        """The row widgets on screen now (a RecycleView builds only what is visible)."""
        return sorted((w for w in self.ids.layout.children if isinstance(w, GuideRow)),
                      key=lambda w: (-round(w.y), w.x))

    def row(self, guide_id: str) -> GuideRow | None:
        return next((w for w in self.rows() if w.guide_id == guide_id), None)


class GuidesBody(BoxLayout):
    screen = ObjectProperty(None)
    count_text = StringProperty("")


class GuidesScreen(KioskScreen):
    """办事指南: 全部 + one chip per category, then the guides of the chosen category."""

    category = StringProperty("")  # "" = all categories

    def __init__(self, **kwargs):
        kwargs.setdefault("name", "guides")
        super().__init__(**kwargs)
        self.title = _("Service guides")
        self.content = GuidesBody(screen=self)
        self.ids.body.add_widget(self.content)
        self._view = None
        self._chips: dict[str, GuideCategoryChip] = {}

    # ---- what the tests and other screens use ------------------------------------------

    @property
    def guide_list(self) -> GuideList:
        return self.content.ids.list

    def chip(self, category: str) -> GuideCategoryChip | None:
        """The chip of `category` ("" = 全部)."""
        return self._chips.get(category)

    def chips(self) -> list[GuideCategoryChip]:
        return list(self._chips.values())

    # ---- behaviour -----------------------------------------------------------------------

    def refresh(self) -> None:
        view = self.app.view
        if view is not self._view:  # first visit, or a new content version
            self._view = view
            self._build_chips(view.guide_categories(now=self.app.now()))
            if self.category and self.category not in self._chips:
                self.category = ""
        self._show()

    def reset(self) -> None:
        self.select_category("")

    def select_category(self, category: str) -> None:
        self.category = category
        self._show()
        self.guide_list.scroll_y = 1

    def open_search(self) -> None:
        """A fresh search (the query of the last resident is not kept)."""
        from screens import registry

        manager = self.app.manager
        if not manager.has_screen("guide_search"):
            manager.add_widget(registry.create("guide_search", self.app))
        manager.get_screen("guide_search").reset()
        self.app.open_screen("guide_search")

    def _build_chips(self, categories: list[str]) -> None:
        box = self.content.ids.chips
        box.clear_widgets()
        self._chips = {}
        for category, text in [("", _("All"))] + [(c, c) for c in categories]:
            chip = GuideCategoryChip(text=text, category=category, screen=self)
            self._chips[category] = chip
            box.add_widget(chip)

    def _show(self) -> None:
        if self._view is None:
            return
        guides = self._view.guides(self.category or None, now=self.app.now())
        for category, chip in self._chips.items():
            chip.selected = category == self.category
        self.content.count_text = _("{count} service guides").format(count=len(guides))
        self.guide_list.data = row_data(guides)


def create(app) -> GuidesScreen:
    load_kv()
    return GuidesScreen()
