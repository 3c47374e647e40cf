"""Registering the Simplified Chinese font as Kivy's default (the search is in content.fonts)."""
from __future__ import annotations

from pathlib import Path

from content.fonts import (CANDIDATES, DEBIAN_PACKAGE, ENV_VAR, REFUSED_NAMES, FontNotFound,  # noqa: F401
                           find_cjk_font)

# Kivy's default font name (kivy.core.text.DEFAULT_FONT) in 2.3.
KIVY_DEFAULT_NAME = "Roboto"


def register_default_font(path: Path | None = None) -> Path:
    """Register the Chinese font as Kivy's default font (and as "Roboto"). Returns its path.

    Call before any widget is built: labels resolve their font name when they first render.
    Kivy is imported here, not at module level, so finding a font never needs a display.
    """
    font = path if path is not None else find_cjk_font()
    from kivy.core.text import DEFAULT_FONT, LabelBase

    for name in {DEFAULT_FONT, KIVY_DEFAULT_NAME}:
        # The same file for bold/italic: wqy-microhei has no bold face. Bold look is made
        # with a thin outline in the theme instead (Kivy does not embolden synthetically).
        LabelBase.register(name, str(font))
    return font
