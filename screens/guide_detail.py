"""One 办事指南 in full: what it is, where and when, conditions, the materials as a checklist,
numbered steps, basis, FAQ; a QR code to the online service; 朗读 (read aloud) when offline TTS
exists; 打印告知单 when a printer is configured (screens.guide_print). Long content scrolls.

`show_guide(guide_id)` renders a guide from `app.view` (`app.open_screen("guide_detail", guide_id=ID)` calls it, through `show`, before the
screen switch). The QR code is drawn in memory (qrcode -> Pillow -> PNG bytes -> Kivy texture):
no temp files. Content text is shown with markup off (CJKLabel / markup=False).
"""
from __future__ import annotations

import io

from kivy.core.image import Image as CoreImage
from kivy.factory import Factory
from kivy.properties import BooleanProperty, ObjectProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.scrollview import ScrollView

from content.schemas import Guide
from kiosk.i18n import N_, _
from screens import guides, read_aloud
from screens.base import KioskScreen
from screens.clip import ScissorClip
from screens.cull import CullingScroll
from screens.frames import AfterFrame
from screens.guide_rows import (GuideFactRow, GuideFaqRow, GuideMarkerRow,  # noqa: F401
                                 GuideMaterialRow)  # (Factory names of the detail rows)
from screens.read_aloud import ReadAloud
from screens.speech import guide_speech, material_detail
from screens.text_label import TextLabel
from screens.widgets import BoldLabel

QR_CACHE_SIZE = 64
FIRST_FRAME_MIN_SECTIONS = 2  # built in the tap's frame whatever the estimate says


# ---- the QR code --------------------------------------------------------------------------------

def qr_texture(url: str):
    """A Kivy texture of the QR code for `url`, made in memory."""
    import qrcode

    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=8, border=2)
    code.add_data(url)
    code.make(fit=True)
    buffer = io.BytesIO()
    code.make_image(fill_color="black", back_color="white").save(buffer)
    buffer.seek(0)
    texture = CoreImage(buffer, ext="png").texture
    texture.mag_filter = "nearest"  # sharp modules when scaled up
    return texture


# ---- widgets (rules in guides.kv) ---------------------------------------------------------------

class GuideHeading(BoldLabel):
    heading = StringProperty("")


class GuideSection(BoxLayout):
    heading = StringProperty("")


class GuideTag(TextLabel):
    pass


class GuideDetailHeader(BoxLayout):
    screen = ObjectProperty(None)
    title = StringProperty("")
    category = StringProperty("")
    visits = StringProperty("")
    has_qr = BooleanProperty(False)     # room for the QR code (its texture may follow)
    qr_texture = ObjectProperty(None, allownone=True)


class GuideDetailBody(ScissorClip, CullingScroll, ScrollView):
    """The detail page: scissor-clipped (screens/clip.py), unseen sections not drawn
    (screens/cull.py)."""


def section_plan(guide: Guide) -> list[tuple[str, list[tuple[str, dict]]]]:
    """Every section of the guide in reading order, as (heading, [(row class, properties)]);
    empty sections are left out."""
    bullet = "•"
    facts = [(_("Where to apply"), guide.location), (_("Hours"), guide.hours),
             (_("Time limit"), guide.time_limit),
             (_("Visits in person"), guides.visits_text(guide.visits)),
             (_("Fee"), guide.fee), (_("Enquiries"), guide.phone),
             (_("Complaints"), guide.complaint_phone)]
    plan = [
        (_("Summary"), [("GuideText", {"plain_text": guide.summary})] if guide.summary else []),
        (_("Service information"),
         [("GuideFactRow", {"label": k, "value": v}) for k, v in facts if v]),
        (_("Conditions"),
         [("GuideMarkerRow", {"marker": bullet, "text": c, "round": False})
          for c in guide.conditions]),
        (_("Required materials"),
         [("GuideMaterialRow", {"name": m.name, "detail": material_detail(m), "note": m.note})
          for m in guide.materials]),
        (_("Procedure"),
         [("GuideMarkerRow", {"marker": str(n), "text": step, "round": True})
          for n, step in enumerate(guide.steps, 1)]),
        (_("Legal basis"),
         [("GuideMarkerRow", {"marker": bullet, "text": b, "round": False}) for b in guide.basis]),
        (_("Frequently asked questions"),
         [("GuideFaqRow", {"q": _("Q: {text}").format(text=f.q), "a": _("A: {text}").format(text=f.a)})
          for f in guide.faq]),
    ]
    return [(heading, rows) for heading, rows in plan if rows]


def first_screen_count(plan, room_px: float, line_px: float, chars_per_line: float) -> int:
    """How many sections of `plan` (section_plan) fill `room_px` of height, estimated from
    their text (15% to spare): a heading counts two lines, a row its characters over
    `chars_per_line`."""
    used, count = 0.0, 0
    for _heading, rows in plan:
        if used >= room_px * 1.15 and count >= FIRST_FRAME_MIN_SECTIONS:
            break
        lines = 2.0
        for _kind, props in rows:
            chars = sum(len(v) for v in props.values() if isinstance(v, str))
            lines += max(1, -(-chars // max(1, int(chars_per_line)))) + 0.6
        used += lines * line_px
        count += 1
    return count


class WidgetPool:
    """Detail widgets kept for the next guide: creating Kivy widgets (kv rules, labels) is the
    slow part of showing a guide, changing the text of an existing one is cheap."""

    def __init__(self):
        self._free: dict[str, list] = {}

    def take(self, kind: str, props: dict):
        free = self._free.get(kind)
        if not free:
            widget = Factory.get(kind)()
        else:
            # rather one already showing the first property (a section's heading, a fact's
            # label, a bullet): its text keeps its texture instead of being rendered again
            name, value = next(iter(props.items()))
            match = next((i for i in range(len(free) - 1, -1, -1)
                          if getattr(free[i], name) == value), len(free) - 1)
            widget = free.pop(match)
        for name, value in props.items():
            setattr(widget, name, value)
        return widget

    def give(self, widget) -> None:
        if widget.parent is not None:
            widget.parent.remove_widget(widget)
        self._free.setdefault(type(widget).__name__, []).append(widget)


# ---- the screen ---------------------------------------------------------------------------------

class GuideDetailScreen(KioskScreen):
    guide_id = StringProperty("")

    def __init__(self, **kwargs):
        kwargs.setdefault("name", "guide_detail")
        super().__init__(**kwargs)
        self.title = _("Guide details")
        self.reader = ReadAloud(self, self.speech_text)
        self.scroll = GuideDetailBody()
        self.header = GuideDetailHeader(screen=self)
        self.scroll.ids.column.add_widget(self.header)
        self.ids.body.add_widget(self.scroll)
        self.print_row = self._print_row()
        self.guide: Guide | None = None
        self.sections: list[GuideSection] = []
        self._view = None
        self._qr_cache: dict[str, object] = {}
        self._pool = WidgetPool()
        self._pending: list = []      # sections still to build (next frame)
        self._finish = AfterFrame(self._build_pending)

    def _print_row(self):
        """打印告知单 under the title, only when a printer is configured (screens.guide_print)."""
        from screens import guide_print

        if not guide_print.printer_configured(self.app):
            return None
        guide_print.load_kv()
        row = guide_print.GuidePrintRow(screen=self)
        self.header.ids.left.add_widget(row)
        return row

    # ---- showing a guide ---------------------------------------------------------------------

    unavailable = N_("This guide is no longer available. Please ask the staff.")

    def show(self, guide_id: str | None = None) -> bool:
        """`app.open_screen("guide_detail", guide_id=ID)`: False when the guide is not live."""
        return True if guide_id is None else self.show_guide(guide_id)

    def show_guide(self, guide_id: str) -> bool:
        """Render guide `guide_id` from the app's view; False when it is not (or no longer) live."""
        app = self.app
        guide = app.view.item(guide_id, now=app.now())
        if not isinstance(guide, Guide):
            return False
        self.reader.stop()
        self._view = app.view
        self.guide, self.guide_id = guide, guide.id
        header = self.header
        header.title, header.category = guide.title, guide.category
        header.visits = guides.visits_text(guide.visits)
        self.reader.check_available()
        for section in self.sections:
            for row in list(section.ids.rows.children):
                self._pool.give(row)
            self._pool.give(section)
        self.sections = []
        # What the resident sees first is built now; the sections further down and the QR
        # code follow in the next frame, so the tap shows its result at once.
        plan = section_plan(guide)
        first = self._first_screen(plan)
        for heading, rows in plan[:first]:
            self._add_section(heading, rows)
        self._pending = plan[first:]
        header.has_qr = bool(guide.online_url)
        header.qr_texture = self._qr_cache.get(guide.online_url) if guide.online_url else None
        self._finish()
        self.scroll.scroll_y = 1
        return True

    def _first_screen(self, plan) -> int:
        """Sections to build in the tap's frame: enough to fill the visible page."""
        from kivy.core.window import Window

        font = self.app.text_unit * guides.FONT_BODY
        scroll, header = self.scroll, self.header
        laid_out = scroll.get_root_window() is not None or \
            getattr(self, "_last_layout", None) == self._layout_key()
        if laid_out and scroll.height > header.height > 0:
            room, width = scroll.height - header.height, scroll.width  # the page as laid out
        else:  # first visit: nothing laid out yet, the window is the bound
            room, width = Window.height, Window.width
        return first_screen_count(plan, room, font * 1.45, max(1.0, width * 0.75 / font))

    def _add_section(self, heading: str, rows: list[tuple[str, dict]]) -> None:
        section = self._pool.take("GuideSection", {"heading": heading})
        for kind, props in rows:
            section.ids.rows.add_widget(self._pool.take(kind, props))
        self.scroll.ids.column.add_widget(section)
        self.sections.append(section)

    def _build_pending(self) -> None:
        pending, self._pending = self._pending, []
        for heading, rows in pending:
            self._add_section(heading, rows)
        guide = self.guide
        if guide is not None and guide.online_url and self.header.qr_texture is None:
            self.header.qr_texture = self._qr(guide.online_url)

    def refresh(self) -> None:
        if self.guide_id and self.app.view is not self._view:  # a new content version
            self.show_guide(self.guide_id)

    def reset(self) -> None:
        self.reader.stop()
        self.scroll.scroll_y = 1

    def prepare_screenshot(self) -> None:
        """Show a representative guide (the first one) for `kiosk screenshot`."""
        first = self.app.view.guides(now=self.app.now())
        if first:
            self.show_guide(first[0].id)

    def section_headings(self) -> list[str]:
        return [s.heading for s in self.sections]

    def _qr(self, url: str):
        texture = self._qr_cache.get(url)
        if texture is None:
            if len(self._qr_cache) >= QR_CACHE_SIZE:
                self._qr_cache.clear()
            texture = self._qr_cache[url] = qr_texture(url)
        return texture

    # ---- read aloud (screens.read_aloud) ----------------------------------------------------

    def speech_text(self) -> str:
        """What 朗读 reads: the guide's title, summary, materials and where to go."""
        return guide_speech(self.guide) if self.guide is not None else ""

    @property
    def read_button(self):
        return self.header.ids.read_row.button

    def on_leave(self, *_args) -> None:
        # the page's size as last shown, for _first_screen while the screen is off the window
        # (the reading stops by itself: ReadAloud watches on_leave)
        self._last_layout = self._layout_key()

    def _layout_key(self) -> tuple:
        from kivy.core.window import Window

        return (tuple(Window.size), self.app.text_unit)


def create(app) -> GuideDetailScreen:
    read_aloud.load_kv()
    guides.load_kv()
    return GuideDetailScreen()
