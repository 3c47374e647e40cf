"""`CachedLayer`: a layout whose children are drawn once into an offscreen buffer (an Fbo) and
then shown as one picture, frame after frame, until something in them changes.

Kivy redraws the whole window in every frame that changes anything, one GL draw per rectangle,
line and label. With software GL (Mesa llvmpipe on the development machine, or a Pi without its
GPU driver) each draw costs about 0.1 ms plus its pixels: the on-screen keyboard's 40 keys and
their letters were ~80 draws in every frame of a search, although they never change while a
resident types. Inside a CachedLayer they cost one textured rectangle; the Fbo is rendered again
only when an instruction in it changes (a key's text in elder mode, a new size), because Kivy's
Fbo redraws only when flagged.

Children keep their widgets, positions and touch handling; only their drawing moves into the
buffer. Anything that changes often (a pressed look) should be drawn outside, in `canvas.after`
of the layer (see screens/keyboard.py). `layer_color` fills the buffer first (opaque, so the
picture needs no blending with what lies under it).
"""
from __future__ import annotations

from kivy.graphics import (Callback, ClearBuffers, ClearColor, Color, Fbo, PopMatrix,
                           PushMatrix, Rectangle, Translate)
from kivy.graphics.opengl import (GL_ONE, GL_ONE_MINUS_SRC_ALPHA, GL_SCISSOR_TEST,
                                  GL_SRC_ALPHA, glBlendFunc, glBlendFuncSeparate, glDisable,
                                  glEnable, glIsEnabled)
from kivy.properties import ColorProperty


_scissor_was_on: list[bool] = []  # a stack: layers may nest


def _enter_buffer(_instruction) -> None:
    # A scroll view around the layer may have the scissor test on, in window pixels: it must
    # not cut the drawing into the buffer (whose pixels start at 0, 0).
    on = bool(glIsEnabled(GL_SCISSOR_TEST))
    _scissor_was_on.append(on)
    if on:
        glDisable(GL_SCISSOR_TEST)
    # Kivy blends alpha like colour (a*a + d*(1-a)): text edges drawn on an opaque background
    # would leave the buffer see-through there. Accumulate alpha instead, so it stays 1.
    glBlendFuncSeparate(GL_SRC_ALPHA, GL_ONE_MINUS_SRC_ALPHA, GL_ONE, GL_ONE_MINUS_SRC_ALPHA)


def _leave_buffer(_instruction) -> None:
    glBlendFunc(GL_SRC_ALPHA, GL_ONE_MINUS_SRC_ALPHA)  # Kivy's own setting
    if _scissor_was_on and _scissor_was_on.pop():
        glEnable(GL_SCISSOR_TEST)


class CachedLayer:
    """Mixin, first among the bases of a Layout: children draw into `self.fbo`."""

    layer_color = ColorProperty((1, 1, 1, 1))
    renders = 0  # how many times the buffer was drawn (tests, benchmarks)

    def __init__(self, **kwargs):
        self.fbo = Fbo(size=(1, 1))
        with self.fbo.before:
            Callback(_enter_buffer, reset_context=False)  # before the clear
            PushMatrix()
            self._shift = Translate(0, 0)
        with self.fbo:
            self._clear = ClearColor(1, 1, 1, 1)
            ClearBuffers()
            Callback(self._count_render, reset_context=False)
        with self.fbo.after:
            Callback(_leave_buffer, reset_context=False)
            PopMatrix()
        super().__init__(**kwargs)
        with self.canvas:
            self.canvas.add(self.fbo)
            Color(1, 1, 1, 1)
            self._picture = Rectangle(texture=self.fbo.texture)
        self.fbind("pos", self._place)
        self.fbind("size", self._place)
        self.fbind("layer_color", self._recolour)
        self._recolour()
        self._place()

    def _count_render(self, _instruction) -> None:
        self.renders += 1

    def _recolour(self, *_args) -> None:
        self._clear.rgba = tuple(self.layer_color)

    def _place(self, *_args) -> None:
        width, height = max(1, int(round(self.width))), max(1, int(round(self.height)))
        if tuple(self.fbo.size) != (width, height):
            self.fbo.size = (width, height)  # a new, empty texture: draw into it again
            self._picture.texture = self.fbo.texture
            self.fbo.flag_update()
        self._shift.xy = (-self.x, -self.y)
        self._picture.pos = self.pos
        self._picture.size = (width, height)

    # children draw into the buffer (the pattern of kivy.uix.effectwidget)
    def add_widget(self, widget, *args, **kwargs):
        canvas, self.canvas = self.canvas, self.fbo
        try:
            super().add_widget(widget, *args, **kwargs)
        finally:
            self.canvas = canvas

    def remove_widget(self, widget, *args, **kwargs):
        canvas, self.canvas = self.canvas, self.fbo
        try:
            super().remove_widget(widget, *args, **kwargs)
        finally:
            self.canvas = canvas
