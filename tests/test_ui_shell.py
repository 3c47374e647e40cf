"""App-wide behaviour across screens, driven through the real KioskApp offscreen: the 长辈模式
toggle on every resident screen, and `kiosk screenshot` rendering every registered screen in a
process of its own. Idle, lockdown and live content have their own files (test_ui_idle,
test_ui_lockdown, test_ui_live_content); their shared helpers are in tests/shell_support.py."""
from __future__ import annotations

from pathlib import Path

import pytest

from kiosk import theme
from screens import registry
from tests.shell_support import resident_screens, shell  # noqa: F401

pytestmark = pytest.mark.ui


# ---- elder mode on every screen -------------------------------------------------------------

@pytest.mark.parametrize("name", resident_screens())
@pytest.mark.parametrize("size", [(1080, 1920), (800, 480)], ids=["1080x1920", "800x480"])
def test_the_elder_toggle_works_on_every_screen(shell, size, name):
    h = shell(size=size)
    screen = h.open(name)
    toggle = screen.navbar.ids.get("elder_toggle")
    assert toggle is not None, f"{name}: no 长辈模式 toggle"
    title, bar = screen.navbar.ids.screen_title, screen.navbar
    normal_font, normal_bar = title.font_size, bar.height
    back = screen.navbar.ids.back_button
    normal_back = tuple(back.size)
    h.tap(toggle)
    assert h.app.elder_mode and toggle.text == "长辈模式：开"
    assert title.font_size >= normal_font * theme.ELDER_SCALE - 0.01
    assert bar.height >= normal_bar * theme.ELDER_SCALE - 0.5
    assert back.width >= normal_back[0] * theme.ELDER_SCALE - 1
    assert back.height >= normal_back[1] * theme.ELDER_SCALE - 1
    h.press(toggle, frames=3)  # a second, deliberate tap (past the debounce)
    assert not h.app.elder_mode and title.font_size == pytest.approx(normal_font)


# ---- `kiosk screenshot`: every registered screen, in a process of its own ---------------------

def test_kiosk_screenshot_renders_every_registered_screen(demo_view, tmp_path):
    import os
    import subprocess
    import sys

    from PIL import Image

    out = tmp_path / "shots"
    env = dict(os.environ, SDL_VIDEODRIVER="offscreen", KIVY_HOME=str(tmp_path / "kivy"),
               KIVY_NO_ARGS="1", KIVY_NO_FILELOG="1")
    env.pop("KIOSK_CONFIG", None)
    root = Path(__file__).resolve().parent.parent
    proc = subprocess.run(
        [sys.executable, "-m", "kiosk.cli", "screenshot", "--size", "800x480", "--out", str(out),
         "--data-dir", str(demo_view.data_dir)],
        cwd=root, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert sorted(p.name for p in out.iterdir()) == sorted(f"{n}.png" for n in registry.SCREENS)
    blank = []
    for name in registry.SCREENS:
        image = Image.open(out / f"{name}.png").convert("RGB")
        assert image.size == (800, 480), name
        if len(image.resize((160, 96)).getcolors(1_000_000)) < 12:
            blank.append(name)
    assert not blank, f"screens that rendered (nearly) blank: {blank}"


# ---- opening screens ------------------------------------------------------------------------

def test_one_way_to_open_a_screen_with_parameters(ui, demo_view):
    from tests.shell_support import settings

    h = ui(settings(), demo_view)
    app = h.app
    assert app.open_screen("guide_detail", guide_id="guide-dibao")
    assert app.manager.get_screen("guide_detail").guide_id == "guide-dibao"
    assert app.open_screen("notices")
    # the detail screens say no to an item that is not live, before anything is switched
    for name, params in [("guide_detail", {"guide_id": "nope"}), ("notice_detail", {"notice_id": "nope"}),
                         ("disclosure_detail", {"item_id": "nope"}), ("centre", {"room": "x"}),
                         ("guide_detail", {"colour": "red"})]:
        h.root.toast.hide()
        assert app.open_screen(name, **params) is False, name
        assert app.manager.current == "notices" and h.root.toast.shown and h.root.toast.plain_text
    assert app.manager.get_screen("guide_detail").guide_id == "guide-dibao"  # what it showed stays
