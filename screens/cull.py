"""A scrolled page that does not draw its parts out of sight: `CullingColumn` inside a
`CullingScroll`.

Kivy draws every instruction of a scrolled page in every frame, the sections far below the
fold included (the scissor or stencil only throws their pixels away). A guide or a disclosure
is several screens long: half of a frame's draws were for text nobody could see. The page (a
vertical BoxLayout, `CullingColumn`, the ScrollView's one child) keeps all its widgets; the
canvas of each of its children that lies wholly outside the view (with a margin) is taken out
of the page's canvas until it scrolls near again. Checked before every frame that follows a
scroll, a layout change or a new page.

Children of the page must not overlap (a column of sections): their drawing order is not kept.
A child that is itself a CullingColumn (BlockView, the blocks of a disclosure) is culled inside
too; the page and such columns must not be RelativeLayouts (coordinates are shared).
"""
from __future__ import annotations

from kivy.clock import Clock
from kivy.factory import Factory
from kivy.uix.boxlayout import BoxLayout

MARGIN = 0.25  # of the view's height, kept drawn above and below it (a fling lands drawn)


class CullingColumn(BoxLayout):
    """The page: a BoxLayout whose children's canvases can be taken out (`hide`/`show`)."""

    def __init__(self, **kwargs):
        self.hidden: set = set()
        super().__init__(**kwargs)

    def hide(self, child) -> None:
        if child not in self.hidden:
            self.canvas.remove(child.canvas)
            self.hidden.add(child)

    def show(self, child) -> None:
        if child in self.hidden:
            self.canvas.add(child.canvas)
            self.hidden.discard(child)

    def remove_widget(self, widget, *args, **kwargs):
        self.show(widget)  # Kivy removes the child's canvas from ours
        super().remove_widget(widget, *args, **kwargs)

    def do_layout(self, *args):
        super().do_layout(*args)
        # The children just moved: what is in view has changed. A column inside a card inside
        # the page lays its rows out after the page did (rows added to a card arrive at (0, 0)
        # and were culled there for good, leaving the card empty on screen).
        node = self.parent
        while node is not None and not isinstance(node, CullingScroll):
            parent = node.parent
            node = parent if parent is not node else None  # the Window is its own parent
        if node is not None:
            node._cull_trigger()


class CullingScroll:
    """Mixin, before ScrollView among the bases: culls the children of a CullingColumn page."""

    def __init__(self, **kwargs):
        self._cull_trigger = Clock.create_trigger(self._cull, -1)
        super().__init__(**kwargs)
        self.fbind("scroll_y", self._cull_trigger)
        self.fbind("size", self._cull_trigger)
        self.fbind("pos", self._cull_trigger)

    def add_widget(self, widget, *args, **kwargs):
        super().add_widget(widget, *args, **kwargs)
        if isinstance(widget, CullingColumn):
            widget.fbind("size", self._cull_trigger)
            widget.fbind("children", self._cull_trigger)
            self._cull_trigger()

    def _cull(self, *_args) -> None:
        margin = self.height * MARGIN
        for page in self.children:
            if not isinstance(page, CullingColumn):
                continue
            # the page sits at (0, 0) under ScrollView's translation (update_from_scroll);
            # computed from scroll_y, as that translation may not be updated yet
            room = page.height - self.height
            shift = (self.y - self.scroll_y * room) if room > 0 else (self.top - page.height)
            _cull_column(page, self.y - shift - margin, self.top - shift + margin)


def _cull_column(column: CullingColumn, low: float, high: float) -> None:
    """Hide the children of `column` outside [low, high] (page coordinates); look inside the
    ones in view that are CullingColumns themselves (a BlockView inside a detail page)."""
    for child in column.children:
        if child.top < low or child.y > high:
            column.hide(child)
        else:
            column.show(child)
            if isinstance(child, CullingColumn):
                _cull_column(child, low, high)


Factory.register("CullingColumn", cls=CullingColumn)
