"""Scroll views that clip with the scissor test instead of Kivy's stencil.

Kivy's ScrollView (a StencilView) clips its content by drawing its rectangle into the stencil
buffer before the content and again after it: two extra fills of the whole list every frame.
With software GL (Mesa llvmpipe, the development machine, and any Pi without its GPU driver)
that costs milliseconds per frame for a page-sized list. A scissor rectangle clips for free.

The scissor works in framebuffer pixels, so `ScissorClip` converts the view's window rectangle
through the window's rotation (display.rotation 0/90/180/270, as Kivy's own projection does)
and follows the view's position and size. Use it only for views whose window position changes
only with their own `pos` (a screen's main list or page) — not for a scroll view nested inside
another scroll view, whose window position moves when the outer one scrolls (those keep the
stencil).
"""
from __future__ import annotations

from kivy.graphics import BindTexture, StencilPop, StencilPush, StencilUnUse, StencilUse
from kivy.graphics.scissor_instructions import ScissorPop, ScissorPush


def window_to_framebuffer(x: float, y: float, width: float, height: float, rotation: int,
                          window_size: tuple[float, float]) -> tuple[int, int, int, int]:
    """A rectangle in window coordinates -> (x, y, width, height) in framebuffer pixels.

    Kivy draws with modelview = T(framebuffer centre) . R(rotation) . T(-window centre), R
    counter-clockwise; `window_size` is the logical (rotated) Window.size.
    """
    win_w, win_h = window_size
    rotation %= 360
    if rotation == 90:
        x, y, width, height = win_h - y - height, x, height, width
    elif rotation == 180:
        x, y = win_w - x - width, win_h - y - height
    elif rotation == 270:
        x, y, width, height = y, win_w - x - width, height, width
    left, bottom = int(round(x)), int(round(y))
    return left, bottom, max(0, int(round(x + width)) - left), max(0, int(round(y + height)) - bottom)


def _drop_stencil(group, start_types, end_type) -> int:
    """Remove the first run of instructions from a `start_types` instruction to `end_type`
    (inclusive) in `group`; returns the index where the run began (or -1)."""
    children = list(group.children)
    for begin, instruction in enumerate(children):
        if isinstance(instruction, start_types):
            break
    else:
        return -1
    for end in range(begin, len(children)):
        if isinstance(children[end], end_type):
            for instruction in children[begin:end + 1]:
                if not isinstance(instruction, BindTexture):  # goes with its Rectangle
                    group.remove(instruction)
            return begin
    return -1


class ScissorClip:
    """Mixin for a ScrollView subclass (put it first): clip with a scissor rectangle."""

    _scissor = None

    def on_kv_post(self, base_widget):
        # after the kv rules (StencilView's among them) are applied: a widget declared in kv
        # gets its rules after __init__
        super().on_kv_post(base_widget)
        if self._scissor is None:
            self._use_scissor()

    def _use_scissor(self) -> None:
        from kivy.core.window import Window

        before = self.canvas.before
        at = _drop_stencil(before, (StencilPush,), StencilUse)
        self._scissor = ScissorPush(x=0, y=0, width=1, height=1)
        before.insert(max(at, 0), self._scissor)
        after = self.canvas.after
        at = _drop_stencil(after, (StencilUnUse,), StencilPop)
        after.insert(max(at, 0), ScissorPop())
        self.fbind("pos", self._update_scissor)
        self.fbind("size", self._update_scissor)
        self.fbind("parent", self._update_scissor)
        # bind (not fbind): a weak reference, so a screen dropped for new content is freed
        Window.bind(rotation=self._update_scissor, size=self._update_scissor)
        self._update_scissor()

    def _update_scissor(self, *_args) -> None:
        from kivy.core.window import Window

        x, y = self.to_window(*self.pos)
        fx, fy, fw, fh = window_to_framebuffer(x, y, self.width, self.height,
                                               int(Window.rotation), Window.size)
        scissor = self._scissor
        scissor.x, scissor.y, scissor.width, scissor.height = fx, fy, fw, fh
