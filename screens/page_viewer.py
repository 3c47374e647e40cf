"""`PageViewer`: page images (a disclosure's `pages`, PNG renders of an uploaded PDF) one at a
time, with 上一页 / 下一页, "第1页/共2页", pinch-zoom and pan, 放大 (zoom in) and 还原 (reset).

The page sits in a `ZoomArea` (a StencilView, so a zoomed page never draws over the buttons)
holding a `PageScatter`: rotation off, scale 1 (the whole page fits the area) to 4, and after
every gesture the page is moved back so it always covers the area where it is larger than the
area, and is centred where it is smaller: a resident can never lose the page off screen.

The viewer is not meant to sit inside a ScrollView (the two would fight over every drag): the
detail screen shows it in place of its scrolling text. Images come from `sources` (file paths
of blobs, from view.blob_path); the viewer does no I/O of its own beyond Kivy's Image loading.
"""
from __future__ import annotations

from kivy.graphics.transformation import Matrix
from kivy.lang import Builder
from kivy.properties import BooleanProperty, ListProperty, NumericProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.scatter import Scatter
from kivy.uix.stencilview import StencilView

from screens.widgets import BoldLabel, DebouncedButtonBehavior

SCALE_MAX = 4.0
ZOOM_STEP = 1.6


class PillButton(DebouncedButtonBehavior, BoldLabel):
    """A rounded outline button (red text on white; `primary` = white on red)."""

    primary = BooleanProperty(False)


class PageScatter(Scatter):
    """The page: pinch zooms, drag pans; `ZoomArea.clamp` keeps it in bounds after each move."""

    def collide_point(self, x, y):
        # the whole area takes gestures, also the margin beside a page narrower than the area
        area = self.parent
        return area.collide_point(x, y) if area is not None else super().collide_point(x, y)

    def on_transform_with_touch(self, touch):
        if self.parent is not None:
            self.parent.clamp()


class ZoomArea(StencilView):
    """Clips the page and fits it: at scale 1 the whole page is visible, centred."""

    source = StringProperty("")

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.fbind("size", self.reset)
        self.fbind("pos", self.reset)

    @property
    def scatter(self) -> PageScatter:
        return self.ids.scatter

    @property
    def image(self):
        return self.ids.image

    def on_touch_down(self, touch):
        if not self.collide_point(*touch.pos):
            return False  # a zoomed page reaches under the buttons; they keep their touches
        return super().on_touch_down(touch)

    def page_size(self) -> tuple[float, float]:
        """Size of the page at scale 1: the image fitted inside the area."""
        texture = self.image.texture
        if texture is None or not texture.width or not texture.height or not self.width:
            return self.width, self.height
        ratio = min(self.width / texture.width, self.height / texture.height)
        return texture.width * ratio, texture.height * ratio

    def reset(self, *_args) -> None:
        """Scale 1, page centred."""
        if "scatter" not in self.ids:
            return  # still being built
        scatter = self.scatter
        scatter.transform = Matrix()
        width, height = self.page_size()
        scatter.size = self.image.size = (width, height)
        scatter.pos = (self.center_x - width / 2, self.center_y - height / 2)

    def clamp(self) -> None:
        """Move the page back so it covers the area (or is centred on an axis where it is smaller)."""
        scatter = self.scatter
        (x, y), (width, height) = scatter.bbox
        new_x = self.center_x - width / 2 if width <= self.width else \
            min(self.x, max(self.right - width, x))
        new_y = self.center_y - height / 2 if height <= self.height else \
            min(self.y, max(self.top - height, y))
        if abs(new_x - x) > 0.01 or abs(new_y - y) > 0.01:
            scatter.pos = (new_x, new_y)

    def zoom_by(self, factor: float) -> None:
        """Zoom around the area's centre, within 1..SCALE_MAX."""
        scatter = self.scatter
        target = min(max(scatter.scale * factor, scatter.scale_min), scatter.scale_max)
        step = target / scatter.scale
        if abs(step - 1) > 1e-6:
            scatter.apply_transform(Matrix().scale(step, step, step), anchor=self.center)
        self.clamp()


class PageViewer(BoxLayout):
    """Toolbar (上一页, 第N页/共M页, 下一页 when there are several pages; 放大, 还原, and 返回正文 when
    `closable`) over the page.

    Dispatches `on_close` when 返回正文 is tapped.
    """

    sources = ListProperty([])
    index = NumericProperty(0)
    closable = BooleanProperty(True)
    paged = BooleanProperty(False)  # more than one page: 上一页, 第N页/共M页, 下一页 are shown
    wide = BooleanProperty(True)   # set by the kv rule: one toolbar row, else two
    scale_value = NumericProperty(1.0)  # the page's zoom, 1 .. SCALE_MAX

    def __init__(self, **kwargs):
        load_kv()
        self.register_event_type("on_close")
        super().__init__(**kwargs)
        self.area.scatter.fbind("scale", self._on_scale)

    def _on_scale(self, _scatter, value) -> None:
        self.scale_value = value

    @property
    def area(self) -> ZoomArea:
        return self.ids.area

    @property
    def scale(self) -> float:
        return self.area.scatter.scale

    def on_sources(self, *_args) -> None:
        self.index = 0
        self.paged = len(self.sources) > 1
        self.area.reset()

    def show_page(self, index: int) -> None:
        """Page `index` (0-based, clamped), at scale 1."""
        if not self.sources:
            return
        self.index = max(0, min(int(index), len(self.sources) - 1))
        self.area.reset()

    def next_page(self) -> None:
        self.show_page(self.index + 1)

    def previous_page(self) -> None:
        self.show_page(self.index - 1)

    def zoom_in(self) -> None:
        self.area.zoom_by(ZOOM_STEP)

    def reset_zoom(self) -> None:
        self.area.reset()

    def on_close(self) -> None:  # the event's default handler
        pass


KV_NAME = "screens/page_viewer.kv"  # a pseudo file name, so the rules load once

KV = """
#:import theme kiosk.theme
#:import _ kiosk.i18n._
#:import SCALE_MAX screens.page_viewer.SCALE_MAX

<PillButton>:
    font_size: app.text_unit * theme.FONT_BUTTON
    color: (theme.ON_RED if self.primary else theme.RED) if not self.disabled else theme.TEXT_MUTED
    halign: 'center'
    valign: 'middle'
    size_hint: None, None
    width: max(self.texture_size[0] + self.font_size * 1.4, theme.MIN_TOUCH_PX * 1.4)
    height: max(self.texture_size[1] + self.font_size * 0.9, theme.MIN_TOUCH_PX)
    opacity: 0.55 if self.disabled else 1
    canvas.before:
        Color:
            rgba: (theme.RED_DARK if self.state == 'down' else theme.RED) if self.primary else (theme.SURFACE_PRESSED if self.state == 'down' else theme.SURFACE)
        RoundedRectangle:
            pos: self.pos
            size: self.size
            radius: [self.height / 2]
        Color:
            rgba: theme.RED if not self.disabled else theme.BORDER
        Line:
            rounded_rectangle: (self.x, self.y, self.width, self.height, self.height / 2)
            width: 1.5

<ZoomArea>:
    canvas.before:
        Color:
            rgba: theme.BORDER
        Rectangle:
            pos: self.pos
            size: self.size
    PageScatter:
        id: scatter
        do_rotation: False
        scale_min: 1
        scale_max: SCALE_MAX
        auto_bring_to_front: False
        Image:
            id: image
            source: root.source
            fit_mode: 'contain'
            on_texture: root.reset()

<PageViewer>:
    orientation: 'vertical'
    spacing: app.ui_unit * theme.GAP * 0.5
    # one toolbar row when everything fits side by side, else page buttons over zoom buttons
    wide: self.width >= (nav.minimum_width if root.paged else 0) + zoom_tools.minimum_width + toolbar.spacing
    BoxLayout:
        id: toolbar
        orientation: 'horizontal' if root.wide else 'vertical'
        size_hint_y: None
        height: self.minimum_height
        spacing: app.ui_unit * theme.GAP * 0.5 if (root.paged or root.wide) else 0
        BoxLayout:
            # paging: only for several pages (one page has nowhere to go); in landscape the
            # empty row still pushes the zoom buttons to the right
            id: nav
            size_hint_y: None
            height: prev.height if root.paged else 0
            opacity: 1 if root.paged else 0
            disabled: not root.paged
            spacing: app.ui_unit * theme.GAP * 0.5
            PillButton:
                id: prev
                text: _("Previous page")
                disabled: root.index <= 0
                on_tap: root.previous_page()
            Widget:
            BoldLabel:
                id: page_label
                text: _("Page {page} of {pages}").format(page=root.index + 1, pages=len(root.sources)) if root.paged else ''
                font_size: app.text_unit * theme.FONT_BUTTON
                color: theme.TEXT
                size_hint_x: None
                width: self.texture_size[0]
            Widget:
            PillButton:
                id: next
                text: _("Next page")
                disabled: root.index >= len(root.sources) - 1
                on_tap: root.next_page()
        BoxLayout:
            id: zoom_tools
            size_hint: None, None
            width: self.minimum_width if root.wide else toolbar.width
            height: zoom_in.height
            spacing: app.ui_unit * theme.GAP * 0.5
            PillButton:
                id: zoom_in
                text: _("Zoom in")
                disabled: root.scale_value >= SCALE_MAX - 0.01
                on_tap: root.zoom_in()
            PillButton:
                id: reset
                text: _("Reset zoom")
                on_tap: root.reset_zoom()
            Widget:
                size_hint_x: None if root.wide else 1
                width: 0
            PillButton:
                id: close
                text: _("Back to the text")
                primary: True
                opacity: 1 if root.closable else 0
                disabled: not root.closable
                width: self.texture_size[0] + self.font_size * 1.4 if root.closable else 0
                on_tap: root.dispatch('on_close')
    ZoomArea:
        id: area
        source: root.sources[int(root.index)] if root.sources else ''
"""


def load_kv() -> None:
    """Load the viewer rules once (PageViewer does it on first use)."""
    if KV_NAME not in Builder.files:
        Builder.load_string(KV, filename=KV_NAME)
