"""Work that should wait until the current frame is on the glass.

Kivy runs a callback scheduled with `Clock.schedule_once(fn, 0)` (or a trigger with timeout 0)
before the frame it was scheduled in is drawn: the clock keeps processing due events until
none is left. A screen that wants its first screenful drawn at once and the rest built in the
*next* frame (guide detail: the sections below the fold, the QR code) uses `after_frame`.
"""
from __future__ import annotations

from typing import Callable

from kivy.clock import Clock


class AfterFrame:
    """A trigger: calling it runs `callback` once, in the frame after the one being drawn.

    Calling it again before it ran does nothing more; `cancel()` drops a pending run.
    """

    def __init__(self, callback: Callable[[], None]):
        self._callback = callback
        self._armed = False
        self._event = None

    def __call__(self, *_args) -> None:
        if self._armed:
            return
        from kivy.core.window import Window

        self._armed = True
        Window.bind(on_flip=self._flipped)

    def _flipped(self, *_args) -> None:
        from kivy.core.window import Window

        Window.unbind(on_flip=self._flipped)
        self._event = Clock.schedule_once(self._run, 0)

    def _run(self, *_args) -> None:
        self._event = None
        if self._armed:
            self._armed = False
            self._callback()

    @property
    def pending(self) -> bool:
        return self._armed

    def cancel(self) -> None:
        from kivy.core.window import Window

        if self._armed:
            Window.unbind(on_flip=self._flipped)
            self._armed = False
        if self._event is not None:
            self._event.cancel()
            self._event = None
