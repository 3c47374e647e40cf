"""screens/cull.py never hides what is in view: on every long page at every size, no widget
taken out of the drawing lies inside its scroll view's box — the page's own rows and the rows
of cards inside it, which are laid out after the page (the centre's info and duty cards were
drawn empty when their rows were culled where they first appeared, at (0, 0))."""
from __future__ import annotations

import pytest

from screens.cull import CullingColumn, CullingScroll

pytestmark = pytest.mark.ui

PAGES = ["centre", "guide_detail", "disclosure_detail", "notice_detail"]


def window_box(widget) -> tuple[float, float, float, float]:
    x, y = widget.to_window(widget.x, widget.y)
    return x, y, x + widget.width, y + widget.height


def culled_in_view(screen) -> list[str]:
    """Widgets hidden by a CullingColumn while inside their scroll view's box."""
    found = []
    for scroll in screen.walk(restrict=True):
        if not isinstance(scroll, CullingScroll):
            continue
        left, bottom, right, top = window_box(scroll)
        for column in scroll.walk(restrict=True):
            if not isinstance(column, CullingColumn):
                continue
            for child in column.hidden:
                x0, y0, x1, y1 = window_box(child)
                if x0 < right and x1 > left and y0 < top and y1 > bottom and child.height > 0:
                    texts = [getattr(w, "text", "") for w in child.walk() if getattr(w, "text", "")]
                    found.append(f"{type(child).__name__} at y {y0:.0f}-{y1:.0f} "
                                 f"(view {bottom:.0f}-{top:.0f}): {texts[:2]}")
    return found


@pytest.mark.parametrize("size", [(1080, 1920), (1920, 1080), (800, 480)],
                         ids=["portrait", "landscape", "pi7"])
def test_nothing_in_view_is_culled_on_any_long_page(ui, demo_view, size):
    from tests.shell_support import settings

    h = ui(settings(), demo_view, size=size)
    for name in PAGES:
        screen = h.open(name)
        h.frames(2)
        assert not culled_in_view(screen), (name, culled_in_view(screen))
        for scroll in [w for w in screen.walk(restrict=True) if isinstance(w, CullingScroll)]:
            scroll.scroll_y = 0.5  # and after scrolling to the middle
        h.frames(3)
        assert not culled_in_view(screen), (name, "scrolled", culled_in_view(screen))
        h.app.go_home()
        h.frames(1)
