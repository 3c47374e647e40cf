"""Images decoded no larger than they can be shown.

A texture holds every pixel of its image, 4 bytes each: a 1600x1000 floor plan is 6 MB, and a
phone photo of a plan (4000x3000) would be 48 MB — on a card the window shows at most
1080 px wide. `fitted_texture` decodes with Pillow and scales down (never up) to a bound, so a
card costs what it shows; the page viewer, which zooms, still opens the file itself.
"""
from __future__ import annotations

import logging
from pathlib import Path

from kivy.graphics.texture import Texture

log = logging.getLogger(__name__)


def fitted_texture(path: str | Path, max_width: int, max_height: int):
    """A texture of the image at `path`, at most `max_width` x `max_height` (aspect kept), or
    None when the file cannot be read as an image (logged: which file, what failed)."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            image.draft("RGB", (max_width, max_height))  # JPEG: decode at a smaller scale
            picture = image.convert("RGBA")
    except (OSError, UnidentifiedImageError, ValueError) as exc:
        log.error("image %s cannot be shown: %s", path, exc)
        return None
    if picture.width > max_width or picture.height > max_height:
        picture.thumbnail((max(1, int(max_width)), max(1, int(max_height))), Image.Resampling.LANCZOS)
    texture = Texture.create(size=picture.size, colorfmt="rgba")
    texture.blit_buffer(picture.tobytes(), colorfmt="rgba", bufferfmt="ubyte")
    texture.flip_vertical()
    return texture
