"""Live content, driven through the real KioskApp offscreen: a new content version waits for the
next return home (never mid-reading) while urgent notices show at once; a broken version keeps
the old content; and a screen dropped for new content is freed (no leak per update)."""
from __future__ import annotations

from pathlib import Path

import pytest

from content.bundle import BundleWriter
from content.schemas import Guide, Notice
from content.store import build_version, open_current
from screens import registry
from tests.shell_support import CENTRE_NAME, SUNDAY_MORNING, settings, shell, write_version  # noqa: F401

pytestmark = pytest.mark.ui


# ---- a new version waits for home; urgent notices do not --------------------------------------

def test_new_content_waits_for_home_but_the_urgent_banner_does_not(shell):
    guide = Guide(id="g1", title="最低生活保障申请", category="民生保障", updated_at=SUNDAY_MORNING)
    h = shell(items=[guide])
    reading = next((n for n in ("guide_detail", "guides", "maintenance") if n in registry.SCREENS))
    screen = h.open(reading)
    before = [s.name for s in h.app.manager.screens]
    assert not h.root.banner.active

    urgent = Notice(id="u1", title="明天上午停电检修", level="urgent", updated_at=SUNDAY_MORNING)
    renamed = guide.model_copy(update={"title": "最低生活保障申请（新）"})
    write_version(h.data_dir, [renamed, urgent], name="新名字社区党群服务中心", version="v2")
    assert h.app.watcher.poll() is True
    h.frames(2)
    # mid-reading: the same screen, the old content; but the banner at once
    assert h.current == reading and h.screen() is screen
    assert h.app.view.version == "v1"
    assert h.root.banner.active and h.root.banner.ids.title.text == "明天上午停电检修"
    assert h.home.centre_name == CENTRE_NAME
    assert h.app.watcher.poll() is False  # nothing new

    h.tap(screen.navbar.ids.home_button)
    assert h.current == "home"
    assert h.app.view.version == "v2"
    assert h.home.centre_name == "新名字社区党群服务中心" and "新名字社区党群服务中心" in h.texts()
    assert [s.name for s in h.app.manager.screens] == ["home"]  # rebuilt with the new content
    assert len(before) > 1
    assert h.app.view.guides()[0].title == "最低生活保障申请（新）"


def test_new_content_at_home_shows_at_once(shell):
    h = shell()
    write_version(h.data_dir, name="新名字社区党群服务中心", version="v2")
    h.app.watcher.poll()
    h.frames(2)
    assert h.app.view.version == "v2" and "新名字社区党群服务中心" in h.texts()


def test_the_watcher_runs_on_the_clock(shell):
    from kiosk.content_watch import POLL_S

    h = shell()
    polls = [e for e in h.app._events if e.get_callback() == h.app.watcher.tick]
    assert len(polls) == 1 and polls[0].timeout == POLL_S and polls[0].is_triggered
    # Kivy unschedules an interval whose callback returns False: a look that finds nothing new
    # must not end the watching
    assert polls[0].get_callback()(POLL_S) is None and polls[0].is_triggered


def test_a_broken_version_keeps_the_old_content(shell):
    import os

    h = shell()
    bad = h.data_dir / "versions" / "broken"
    bad.mkdir()
    (bad / "content.sqlite").write_bytes(b"not a database")
    os.symlink("versions/broken", h.data_dir / ".cur")
    os.replace(h.data_dir / ".cur", h.data_dir / "current")
    assert h.app.watcher.poll() is False
    assert h.app.view.version == "v1" and CENTRE_NAME in h.texts()


# ---- a screen dropped for new content is freed ----------------------------------------------

@pytest.fixture(scope="module")
def two_demo_versions(tmp_path_factory):
    """A data dir holding the demo centre twice (versions demo-a, demo-b), demo-a current."""
    from content.demo import DEMO_CENTRE_ID, build_demo
    from content.store import switch_current

    root = tmp_path_factory.mktemp("two-versions")
    data = root / "data"
    for version in ("demo-b", "demo-a"):
        writer = BundleWriter(centre=DEMO_CENTRE_ID)
        build_demo(writer, None)
        writer.write_dir(root / version, version=version)
        build_version(root / version, data)
    switch_current(data, "demo-a")
    return data


@pytest.mark.parametrize("name", [n for n in registry.SCREENS if n != "home"])
def test_a_screen_dropped_for_new_content_is_freed(ui, two_demo_versions, name):
    """Each content update rebuilds the screens: the old ones must not stay in memory."""
    import gc
    import weakref

    from content.store import current_version, switch_current

    data = two_demo_versions
    h = ui(settings(data_dir=data), open_current(data), size=(800, 480))
    screen = weakref.ref(h.open(name))  # showing its representative item (QR code, table)
    switch_current(data, "demo-b" if current_version(data) == "demo-a" else "demo-a")
    assert h.app.watcher.poll() is True
    h.app.go_home()
    h.frames(3)
    assert not h.app.manager.has_screen(name)
    # nothing rebuilds it: the app's devices, Kivy's transition and Pillow's plugin registry
    # (kiosk.window) each held a dropped screen here before

    def freed() -> bool:
        gc.collect()
        return screen() is None

    # running animations (scroll bars fading) hold their widgets until they end: give them
    # frames, up to a few seconds, and stop as soon as the screen is gone
    if not h.wait_for(freed, timeout=3.0):
        alive = screen()
        raise AssertionError(f"{name}: still referenced after it was dropped for new content, "
                             f"by: {_holders(alive)}")


def _holders(obj) -> list[str]:
    """What keeps `obj` alive, readably: closures (file:line) and the objects owning it."""
    import gc
    import inspect

    found = []
    for ref in gc.get_referrers(obj):
        if inspect.isframe(ref):
            continue
        if type(ref).__name__ == "cell":
            for func in (f for t in gc.get_referrers(ref) if isinstance(t, tuple)
                         for f in gc.get_referrers(t) if inspect.isfunction(f)):
                code = func.__code__
                found.append(f"closure {func.__qualname__} "
                             f"({Path(code.co_filename).name}:{code.co_firstlineno})")
        elif inspect.ismethod(ref):
            found.append(f"bound method {ref.__func__.__qualname__}")
        elif isinstance(ref, dict):
            owners = [type(o).__name__ for o in gc.get_referrers(ref)
                      if getattr(o, "__dict__", None) is ref]
            keys = [k for k, v in ref.items() if v is obj]
            found.append(f"dict {keys} of {owners or '?'}")
        else:
            found.append(type(ref).__name__)
    return found
