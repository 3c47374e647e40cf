"""朗读 (read aloud) on any resident screen: one controller and one button for all of them.

    self.reader = ReadAloud(self, self.speech_text)   # in the screen's __init__
    ReadAloudRow(reader=self.reader)                  # wherever the button goes (or in kv)

`ReadAloud` speaks what its screen's `speech_text()` returns at the moment of the tap (pure
text functions: screens.speech), through kiosk.tts (offline espeak-ng). A second tap stops it;
so do leaving the screen, the app stopping, and `stop()` (every screen calls it in `reset()`,
which the idle timeout runs). `available` is checked each time the screen is about to show:
without espeak-ng the row has no height and the button is neither shown nor tappable.
`speaking` follows the espeak-ng process (polled while it runs), so the button goes back to
朗读 by itself when the reading ends.

`ReadAloudButton` is only the look (a red-outlined pill; filled red while speaking): other pill
buttons take it too (screens.guide_print). Its rules are in read_aloud.kv.
"""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from kivy.app import App
from kivy.clock import Clock
from kivy.event import EventDispatcher
from kivy.lang import Builder
from kivy.properties import BooleanProperty, ObjectProperty
from kivy.uix.anchorlayout import AnchorLayout

from kiosk import tts
from screens.widgets import BoldLabel, DebouncedButtonBehavior

KV_PATH = Path(__file__).with_suffix(".kv")
POLL_S = 0.5  # how soon the button notices that espeak-ng has finished


def load_kv() -> None:
    if str(KV_PATH) not in Builder.files:
        Builder.load_file(str(KV_PATH))


class ReadAloud(EventDispatcher):
    """The 朗读 of one screen: whether it can speak, whether it speaks, start and stop."""

    available = BooleanProperty(False)
    speaking = BooleanProperty(False)

    def __init__(self, screen, speech_text: Callable[[], str], **kwargs):
        super().__init__(**kwargs)
        self.speech_text = speech_text
        self.speaker = tts.Speaker()
        self._poll = None
        self.available = self.speaker.available()
        # (the handlers return None: a True would stop the screen's own on_pre_enter/on_leave)
        screen.fbind("on_pre_enter", self.check_available)
        screen.fbind("on_leave", self.stop)
        app = App.get_running_app()
        if app is not None:
            # bind(), not fbind(): Kivy holds a bound method weakly there, so the app does not
            # keep a screen dropped for new content alive (tests/test_ui_live_content.py)
            app.bind(on_stop=self.stop)

    def check_available(self, *_args) -> None:
        """Look again whether espeak-ng is installed (on every visit of the screen)."""
        self.available = self.speaker.available()

    def toggle(self) -> bool:
        """A tap on the button: stop when speaking, else read the screen. True when it speaks."""
        if self.speaker.speaking:
            self.stop()
            return False
        text = self.speech_text()
        if not self.available or not text.strip() or not self.speaker.speak(text):
            self._update()
            return False
        self.speaking = True
        if self._poll is None:
            self._poll = Clock.schedule_interval(self._update, POLL_S)
        return True

    def stop(self, *_args) -> None:
        """Stop reading (no-op when silent)."""
        self.speaker.stop()
        self._update()

    def _update(self, *_args) -> None:
        self.speaking = self.speaker.speaking
        if not self.speaking and self._poll is not None:
            self._poll.cancel()
            self._poll = None


class ReadAloudButton(DebouncedButtonBehavior, BoldLabel):
    """The pill: red outline and text; white on red while `active` (read_aloud.kv)."""

    active = BooleanProperty(False)


class ReadAloudRow(AnchorLayout):
    """Holds the 朗读 / 停止朗读 button for `reader`; no height and no button without TTS.

    `anchor_x` places the button ('left' under a title, 'right' beside one); `fit` makes the
    row as wide as its button (in a horizontal row). `shown` and `speaking` follow the reader's
    `available` and `speaking` (kv reads these)."""

    reader = ObjectProperty(None, allownone=True)
    fit = BooleanProperty(False)
    shown = BooleanProperty(False)
    speaking = BooleanProperty(False)

    def __init__(self, **kwargs):
        load_kv()
        self._followed = None
        super().__init__(**kwargs)

    def on_reader(self, _row, reader) -> None:
        old, self._followed = self._followed, reader
        if old is not None:
            old.funbind("available", self._follow)
            old.funbind("speaking", self._follow)
        if reader is not None:
            reader.fbind("available", self._follow)
            reader.fbind("speaking", self._follow)
        self._follow()

    def _follow(self, *_args) -> None:
        reader = self.reader
        self.shown = bool(reader is not None and reader.available)
        self.speaking = bool(reader is not None and reader.speaking)

    def tap(self) -> None:
        if self.reader is not None:
            self.reader.toggle()

    @property
    def button(self) -> ReadAloudButton:
        return self.ids.read_button
