"""Colours and sizes of the resident-facing UI.

A calm government-service scheme: deep red (党群 red) header and accents, warm off-white page,
white tiles, near-black text. Every text/background pair here has a contrast ratio of at least
4.5:1 (most are above 7:1), checked by tests/test_ui_home.py.

Sizes are *design pixels* for a screen whose short side is 1080 px (a 21.5" 1080x1920 portrait
panel, or 1920x1080 landscape). The app turns them into real pixels with `ui_unit(width, height)`
and, for text, multiplies by the elder-mode factor (1.0 / 1.4). Smaller panels shrink less than
linearly (an 800x480 7" panel still gets ~18 px body text), because people do not read a small
screen from further away.
"""
from __future__ import annotations

# ---- colours (RGBA 0..1) -------------------------------------------------------------------


def hex_rgba(value: str, alpha: float = 1.0) -> tuple[float, float, float, float]:
    value = value.lstrip("#")
    r, g, b = (int(value[i:i + 2], 16) / 255 for i in (0, 2, 4))
    return (r, g, b, alpha)


RED = hex_rgba("#B71C1C")            # header, tile accents, primary action
RED_DARK = hex_rgba("#8E1414")       # pressed state of red surfaces
PAGE = hex_rgba("#F6F3EE")           # page background (warm off-white)
SURFACE = hex_rgba("#FFFFFF")        # tiles
SURFACE_PRESSED = hex_rgba("#F3E3E1")
BORDER = hex_rgba("#DDD3C8")
CARD_BORDER = hex_rgba("#C9BCAB")    # outline of list rows drawn on PAGE (no fill of their own)
KEYBOARD_BG = hex_rgba("#D9D2C7")    # the on-screen keyboard's tray behind white keys
TEXT = hex_rgba("#1F1F1F")           # body text on PAGE / SURFACE
TEXT_MUTED = hex_rgba("#555555")     # hints (7.4:1 on white)
ON_RED = hex_rgba("#FFFFFF")         # text on RED (6.6:1)
ON_RED_MUTED = hex_rgba("#FBE9E7")   # date under the clock on RED
BADGE_BG = hex_rgba("#FBE9E7")       # circle behind a tile's key character
URGENT_BG = hex_rgba("#FFE08A")      # urgent notice banner (amber)
URGENT_TEXT = hex_rgba("#3E2723")    # 11:1 on URGENT_BG
URGENT_TAG_BG = RED
TOAST_BG = hex_rgba("#263238", 0.94)
TOAST_TEXT = hex_rgba("#FFFFFF")
TOGGLE_ON_BG = RED
TOGGLE_OFF_BG = hex_rgba("#FFFFFF")

# ---- design sizes (px at a 1080 px short side, before elder scaling) -----------------------

FONT_TITLE = 58       # centre name in the header
FONT_CLOCK = 60       # "14:05"
FONT_DATE = 30        # "2026年11月22日 星期日"
FONT_TILE = 60        # tile title "办事指南"
FONT_BADGE = 56       # the key character in a tile's circle
FONT_HINT = 30        # one-line hint under a tile title
FONT_BODY = 30        # info strip, footer text
FONT_BANNER = 34      # urgent notice title
FONT_BUTTON = 32      # 长辈模式 toggle
FONT_TOAST = 38

PAD = 28              # outer padding
GAP = 24              # space between tiles
RADIUS = 18           # tile corner radius
ACCENT = 10           # width of a tile's red accent bar

ELDER_SCALE = 1.4
NORMAL_SCALE = 1.0
REFERENCE_SHORT_SIDE = 1080
# Exponent < 1: a small panel keeps larger text than a linear shrink would give.
SHRINK_EXPONENT = 0.55
# A finger needs >= 9 mm; at 160 dpi (the densest panel we expect) that is 57 px. Tiles are
# far larger; this is the floor for buttons, in real pixels (not scaled down on small panels).
MIN_TOUCH_PX = 60


def ui_unit(width: float, height: float) -> float:
    """Real pixels per design pixel for a window of `width` x `height`."""
    short = max(1.0, min(width, height))
    return (short / REFERENCE_SHORT_SIDE) ** SHRINK_EXPONENT


def text_scale(elder_mode: bool) -> float:
    return ELDER_SCALE if elder_mode else NORMAL_SCALE


def luminance(rgba: tuple[float, ...]) -> float:
    """WCAG relative luminance."""
    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (channel(c) for c in rgba[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    """WCAG contrast ratio of two opaque colours."""
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


# Pairs a resident reads; tests check each is >= 4.5:1.
TEXT_PAIRS = {
    "body": (TEXT, PAGE), "tile": (TEXT, SURFACE), "hint": (TEXT_MUTED, SURFACE),
    "header": (ON_RED, RED), "date": (ON_RED_MUTED, RED), "urgent": (URGENT_TEXT, URGENT_BG),
    "toast": (TOAST_TEXT, TOAST_BG), "badge": (RED, BADGE_BG),
}
