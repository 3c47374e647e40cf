"""Finding the Simplified Chinese font (no Kivy here: receipts and demo images use it too).

The Simplified Chinese font every label uses.

Kivy's bundled Roboto has no CJK glyphs (every character becomes a box), so a Chinese font is
registered as Kivy's default font before any widget is built. The search needs no config:

1. the file named by the environment variable ``KIOSK_FONT`` (if set, it must be usable);
2. the Debian font files below, first found wins.

``NotoSansCJK-Regular.ttc`` is refused on purpose: Kivy always opens face 0 of a collection, and
face 0 of that file is the *Japanese* face, so 直 / 骨 / 门 would be drawn with Japanese glyph
shapes (see PITFALLS.md, "Chinese font").
"""
from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

ENV_VAR = "KIOSK_FONT"
DEBIAN_PACKAGE = "fonts-wqy-microhei"

CANDIDATES: tuple[Path, ...] = (
    Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
    Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"),
    Path("/usr/share/fonts/opentype/noto/NotoSansCJKsc-Regular.otf"),
    Path("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf"),
)

# Collections whose first face is not Simplified Chinese (face 0 = Japanese).
REFUSED_NAMES = frozenset({
    "NotoSansCJK-Regular.ttc", "NotoSansCJK-Bold.ttc", "NotoSansCJK-Medium.ttc",
    "NotoSansCJK-Light.ttc", "NotoSerifCJK-Regular.ttc", "NotoSerifCJK-Bold.ttc",
})


class FontNotFound(RuntimeError):
    """No usable Simplified Chinese font: the message says what to install or set."""


def _check(path: Path, source: str) -> Path:
    if path.name in REFUSED_NAMES:
        raise FontNotFound(
            f"{source} {path} is a font collection whose first face is Japanese; Kivy can only "
            f"use the first face. Install {DEBIAN_PACKAGE} (apt install {DEBIAN_PACKAGE}) or "
            f"point {ENV_VAR} at a Simplified Chinese font file (e.g. NotoSansCJKsc-Regular.otf).")
    if not path.is_file():
        raise FontNotFound(f"{source} {path} does not exist or is not a file.")
    return path


def find_cjk_font(env: Mapping[str, str] | None = None,
                  candidates: tuple[Path, ...] = CANDIDATES) -> Path:
    """Path of the Simplified Chinese font to use; raises FontNotFound with the fix."""
    env = os.environ if env is None else env
    chosen = env.get(ENV_VAR, "").strip()
    if chosen:
        return _check(Path(chosen), f"{ENV_VAR}=")
    for path in candidates:
        if path.is_file() and path.name not in REFUSED_NAMES:
            return path
    tried = ", ".join(str(p) for p in candidates)
    raise FontNotFound(
        f"No Simplified Chinese font found (tried {tried}). Install the Debian package "
        f"{DEBIAN_PACKAGE} (sudo apt install {DEBIAN_PACKAGE}) or set {ENV_VAR} to a .ttf/.otf "
        f"Simplified Chinese font file.")
