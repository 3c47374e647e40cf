"""The attract loop (`attract`): what the terminal shows while nobody uses it.

The app opens it after `idle_timeout_s` without a touch (kiosk.idle), once it has forgotten the
last resident. It plays the 宣传轮播 slides fullscreen, each for its `duration_s`, only those
whose daypart matches the terminal's clock (checked again before every slide, so a morning-only
slide stops at noon). With no slide to play it shows the centre name, the clock and a calm
"touch to start" instead of a blank screen. The urgent banner stays above it (KioskRoot).

Any touch returns home; the app catches it at the Window, before any widget, so the touch that
wakes the terminal never presses what lies beneath.
"""
from __future__ import annotations

from pathlib import Path

from kivy.app import App
from kivy.clock import Clock
from kivy.lang import Builder
from kivy.properties import BooleanProperty, StringProperty
from kivy.uix.screenmanager import Screen

from kiosk.i18n import _

KV_PATH = Path(__file__).with_suffix(".kv")
RECHECK_S = 30.0  # with nothing to play: look again (a daypart may begin)


def load_kv() -> None:
    if str(KV_PATH) not in Builder.files:
        Builder.load_file(str(KV_PATH))


class AttractScreen(Screen):
    """Slides in a loop, or the centre name when there is no slide for this time of day."""

    slide_id = StringProperty("")       # the slide on display ("" = the calm fallback)
    slide_source = StringProperty("")   # its image file (view.blob_path)
    showing_slide = BooleanProperty(False)
    centre_name = StringProperty("")

    def __init__(self, **kwargs):
        kwargs.setdefault("name", "attract")
        super().__init__(**kwargs)
        self._event = None

    @property
    def app(self):
        return App.get_running_app()

    def playable(self) -> list:
        """The slides to play now: live, and in their daypart by the terminal's clock."""
        now = self.app.now()
        return [s for s in self.app.view.items("slide", now) if s.in_daypart(now)]

    def on_pre_enter(self, *_args) -> None:
        self.slide_id = ""
        self.advance()

    def on_leave(self, *_args) -> None:
        self._cancel()
        self._release_slide()

    def reset(self) -> None:
        self._cancel()
        self.slide_id = ""

    def _release_slide(self) -> None:
        # a slide is a window-sized texture (8 MB at 1080x1920): none is kept while residents
        # use the terminal; the next loop decodes its first slide again (idle, nobody waits)
        self.slide_source, self.showing_slide = "", False

    def advance(self, *_args) -> None:
        """Show the next playable slide (or the fallback) and schedule the one after."""
        self._cancel()
        centre = self.app.view.centre()
        self.centre_name = centre.name if centre is not None else _("Community service centre")
        slides = self.playable()
        if not slides:
            self.slide_id, self.slide_source, self.showing_slide = "", "", False
            self._event = Clock.schedule_once(self.advance, RECHECK_S)
            return
        ids = [s.id for s in slides]
        index = (ids.index(self.slide_id) + 1) % len(slides) if self.slide_id in ids else 0
        slide = slides[index]
        self.slide_id = slide.id
        self.slide_source = str(self.app.view.blob_path(slide.image))
        self.showing_slide = True
        self._event = Clock.schedule_once(self.advance, slide.duration_s)

    def seconds_to_next(self) -> float | None:
        """How long the current slide (or fallback) stays; None when the loop is stopped."""
        return self._event.timeout if self._event is not None else None

    def on_app_stop(self, *_args) -> None:
        self.reset()

    def _cancel(self) -> None:
        if self._event is not None:
            self._event.cancel()
            self._event = None

    def on_touch_down(self, touch):
        # The app already turned this touch into "go home" at the Window; never pass it on.
        return True


def create(app) -> AttractScreen:
    load_kv()
    screen = AttractScreen()
    # no slide timer outlives the app; a bound method is held weakly, so a screen dropped for
    # new content is freed (a lambda here would keep it alive for good)
    app.bind(on_stop=screen.on_app_stop)
    return screen
