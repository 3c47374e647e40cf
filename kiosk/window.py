"""The window and Kivy itself: configuration before the window exists, rotation, the screen
manager, and the fixes for Kivy habits that cost memory on a terminal left running for months.

Kivy reads its configuration when the Window is created, so `configure_kivy` runs before
`kivy.core.window` is imported; `install_memory_fixes` runs once the app builds.
"""
from __future__ import annotations

from kivy.lang import Builder
from kivy.uix.screenmanager import NoTransition, ScreenManager


def configure_kivy(width: int, height: int, fullscreen: bool = False) -> None:
    """Set Kivy's config for the window about to be created. Call before importing Window."""
    from kivy.config import Config

    Config.set("graphics", "width", str(int(width)))
    Config.set("graphics", "height", str(int(height)))
    Config.set("graphics", "fullscreen", "auto" if fullscreen else "0")
    Config.set("graphics", "show_cursor", "0" if fullscreen else "1")
    Config.set("graphics", "resizable", "0" if fullscreen else "1")
    # No multisample anti-aliasing: Kivy asks for 2x, Mesa gives 4x, and every pixel of every
    # frame is then shaded and stored four times — on llvmpipe 78 MB more memory at 1080x1920
    # and most of a frame's drawing time (docs/benchmarks.md); on a Pi, memory bandwidth.
    # Text is anti-aliased in its glyphs anyway; only polygon edges (rounded corners) lose it.
    Config.set("graphics", "multisamples", "0")
    Config.set("kivy", "exit_on_escape", "0")
    Config.set("kivy", "pause_on_minimize", "0")
    # Exactly one input source (PITFALLS.md, "Double touches on the Pi"): SDL turns touches
    # into mouse events, and probesysfs would add mtdev/hidinput for the same panel, so every
    # tap would arrive twice. Keep only SDL's mouse; disable its right-click multitouch dots.
    for key, _value in Config.items("input"):
        Config.remove_option("input", key)
    Config.set("input", "mouse", "mouse,disable_multitouch")


def set_rotation(window, degrees: int) -> None:
    """Rotate the window's content. Kivy only redoes its projection when the rotated size
    differs, so 0 -> 180 (same size) would silently draw unrotated: update it ourselves."""
    window.rotation = degrees
    window.update_viewport()


class PlainScreenManager(ScreenManager):
    """A ScreenManager without the stencil clip of Kivy's style: with NoTransition no screen
    ever slides past its edges, and the clip costs two full-window fills per frame in
    software GL (docs/benchmarks.md, "Resident screens")."""


class PlainTransition(NoTransition):
    """NoTransition that lets go of the screen it switched away from. Kivy's keeps
    `screen_out` until the next switch, so a screen the app dropped (built from old content)
    would stay alive behind the transition. Neither property allows None: both now name the
    screen shown, which is alive anyway."""

    def _on_complete(self, *args):
        super()._on_complete(*args)
        self.screen_out = self.screen_in


Builder.load_string("""
<-PlainScreenManager>:
    canvas.before:
""")


def install_memory_fixes() -> None:
    """Kivy habits that keep memory for nothing (docs/benchmarks.md, "Where the memory goes").

    - Kivy's SDL2 text provider keeps each label's last SDL surface (width x height x 4 bytes)
      after copying it into the label's texture: every text on every built screen was held
      twice. Drop the surface once its pixels are out.
    - Pillow registers its image plugins on first use and keeps the ImportError (with its
      traceback) of each plugin it cannot load. The traceback holds every frame of the first
      caller — a screen building a QR code — so that screen could never be freed. Register
      them now, from here.
    - Grey text (nearly all of it) in luminance+alpha textures, half the bytes of RGBA
      (kiosk.text_textures).
    """
    from kivy.core.text import Label as CoreLabel

    if not getattr(CoreLabel, "_kiosk_releases_surface", False):
        keep_render_end = CoreLabel._render_end

        def _render_end(self):
            try:
                return keep_render_end(self)
            finally:
                self._surface = None

        CoreLabel._render_end = _render_end
        CoreLabel._kiosk_releases_surface = True

    from PIL import Image

    Image.init()

    from kiosk import text_textures

    text_textures.install()
