"""Layout of every registered screen on the demo content, at every supported size.

For each screen in `screens.registry.SCREENS` (so screens added later are covered without
editing this file), at 1080x1920, 1920x1080 and 800x480, and in elder mode at 1080x1920 and
800x480, the real app opens the screen the way `kiosk screenshot` does (a detail screen shows
its representative item) and walks the widget tree of the whole window:

* no visible Label whose text texture is larger than the label (text cut off), unless the label
  sits in a ScrollView (there the reader scrolls);
* no visible widget outside the window, except inside ScrollViews and Scatters (content that
  scrolls or pans);
* every visible button (ButtonBehavior) at least theme.MIN_TOUCH_PX in both dimensions.

A failure names each offending widget by its path (screen > ... > Class#id "text").
"""
from __future__ import annotations

import pytest

from kiosk import theme
from kiosk.config import Display, Settings
from screens import registry

pytestmark = pytest.mark.ui

TOLERANCE_PX = 1.0
CONFIGS = [
    ((1080, 1920), False), ((1920, 1080), False), ((800, 480), False),
    ((1080, 1920), True), ((800, 480), True),
]


def _config_id(config) -> str:
    (w, h), elder = config
    return f"{w}x{h}" + ("-elder" if elder else "")


def _ancestors(widget):
    """Parents up to the Window (whose `parent` is itself)."""
    node = widget.parent
    while node is not None:
        yield node
        if node.parent is node:
            return
        node = node.parent


def _id_of(widget) -> str:
    """The kv id of `widget` in the nearest ancestor rule that names it, or ''."""
    for parent in _ancestors(widget):
        for name, value in getattr(parent, "ids", {}).items():
            try:
                if value is widget or value == widget:
                    return name
            except ReferenceError:
                continue
    return ""


def describe(widget) -> str:
    from kivy.uix.screenmanager import Screen

    chain = [type(widget).__name__]
    screen = None
    for node in _ancestors(widget):
        if isinstance(node, Screen):
            screen = node
            break
        chain.append(type(node).__name__)
    where = screen.name if screen is not None else "window"
    wid = _id_of(widget)
    text = getattr(widget, "text", "")
    label = f"{type(widget).__name__}" + (f"#{wid}" if wid else "")
    if isinstance(text, str) and text:
        label += f" {text[:30]!r}"
    path = " > ".join(reversed(chain[1:6]))
    return (f"{where}: {path + ' > ' if path else ''}{label} "
            f"size=({widget.width:.0f}, {widget.height:.0f}) pos=({widget.x:.0f}, {widget.y:.0f})")


def _walk(widget, scrolled: bool = False, hidden: bool = False):
    """(widget, inside a ScrollView/Scatter, hidden) for the whole tree, parents first."""
    from kivy.uix.scatter import Scatter
    from kivy.uix.scrollview import ScrollView

    hidden = hidden or widget.opacity <= 0.01
    yield widget, scrolled, hidden
    inner = scrolled or isinstance(widget, (ScrollView, Scatter))
    for child in widget.children:
        yield from _walk(child, inner, hidden)


def layout_problems(root, window_size) -> list[str]:
    from kivy.uix.behaviors import ButtonBehavior
    from screens.text_label import TextLabel as Label

    win_w, win_h = window_size
    problems = []
    for widget, scrolled, hidden in _walk(root):
        if hidden or widget.width <= 0 or widget.height <= 0:
            continue
        if isinstance(widget, Label) and widget.text and not scrolled:
            tw, th = widget.texture_size
            if tw > widget.width + TOLERANCE_PX or th > widget.height + TOLERANCE_PX:
                problems.append(f"text larger than its label (texture {tw:.0f}x{th:.0f}): "
                                + describe(widget))
        if hasattr(widget, "pieces") and not scrolled:  # texts a widget draws itself
            for piece in widget.pieces():
                tw, th = piece.texture_size
                if tw > widget.width + TOLERANCE_PX or th > widget.height + TOLERANCE_PX:
                    problems.append(f"text larger than the widget drawing it ({piece.text!r}, "
                                    f"{tw:.0f}x{th:.0f}): " + describe(widget))
        if not scrolled:
            x0, y0 = widget.to_window(widget.x, widget.y)
            x1, y1 = widget.to_window(widget.right, widget.top)
            if (min(x0, x1) < -TOLERANCE_PX or min(y0, y1) < -TOLERANCE_PX
                    or max(x0, x1) > win_w + TOLERANCE_PX or max(y0, y1) > win_h + TOLERANCE_PX):
                problems.append("outside the window: " + describe(widget))
        if isinstance(widget, ButtonBehavior) and not widget.disabled:
            if widget.width < theme.MIN_TOUCH_PX - 0.5 or widget.height < theme.MIN_TOUCH_PX - 0.5:
                problems.append(f"button below {theme.MIN_TOUCH_PX} px: " + describe(widget))
    return problems


@pytest.mark.parametrize("name", list(registry.SCREENS))
@pytest.mark.parametrize("config", CONFIGS, ids=_config_id)
def test_screen_fits(ui, demo_view, config, name):
    size, elder = config
    h = ui(Settings(elder_mode_default=elder, display=Display(fullscreen=False)), demo_view,
           size=size)
    screen = h.open(name, frames=6)
    assert h.current == name
    if name == "attract":
        assert screen.showing_slide or screen.ids.fallback.opacity == 1
    problems = layout_problems(h.root, size)
    if problems:
        h.screenshot(f"layout_{name}_{_config_id(config)}")
    assert not problems, "\n".join(problems)


def test_the_walk_finds_a_clipped_label_and_a_tiny_button(ui, demo_view):
    """The checks above can fail: a label too small for its text, a button too small."""
    from screens.text_label import TextLabel as Label
    from screens.widgets import DebouncedButtonBehavior

    class TinyButton(DebouncedButtonBehavior, Label):
        pass

    h = ui(Settings(display=Display(fullscreen=False)), demo_view, size=(800, 480))
    body = h.home.ids.footer
    body.add_widget(Label(text="这一行文字比它的标签宽得多得多得多得多", size_hint_x=None, width=40))
    body.add_widget(TinyButton(text="x", size_hint=(None, None), size=(20, 20)))
    h.frames(3)
    problems = layout_problems(h.root, (800, 480))
    assert any("text larger than its label" in p and "这一行" in p for p in problems), problems
    assert any("button below" in p and "TinyButton" in p for p in problems), problems
