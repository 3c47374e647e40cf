"""First start on an empty data dir, through the real KioskApp offscreen: the window draws at once
on an empty view while a child process builds the demo centre, then home shows the demo (picked up
by the content watcher on its own clock, like a version from the sync client)."""
from __future__ import annotations

import os

import pytest

from content.lock import store_lock
from content.showing import read_showing
from kiosk.content_source import EmptyView, open_view
from tests.shell_support import settings

pytestmark = pytest.mark.ui


def test_the_ui_keeps_drawing_while_the_first_start_demo_builds(ui, tmp_path):
    from kivy.clock import Clock

    data = tmp_path / "data"
    # the test holds the store lock until the window is up, so the child's build (which takes the
    # lock after drawing the demo's images) cannot finish before the UI runs, however fast it is
    with store_lock(data):
        view = open_view(data, install=True)
        assert isinstance(view, EmptyView) and view.build is not None
        assert view.build.pid != os.getpid()  # built by a child process
        assert view.items("guide") == [] and view.search("dbsq") == [] and view.centre() is None
        h = ui(settings(data_dir=data), view, size=(800, 480))
        assert h.current == "home" and view.build.poll() is None
        h.screenshot("first_start_empty_800x480")
    frames = []
    counter = Clock.schedule_interval(lambda _dt: frames.append(1), 0)  # once per frame
    try:
        while view.build.poll() is None:  # the child checks the demo and builds its search index
            h.frames(1)
        drawn_during_build = len(frames)
        # the watcher (on the Kivy clock, every POLL_S) opens the demo once the child made it current
        assert h.wait_for(lambda: h.app.view.version.startswith("demo-"), timeout=30)
    finally:
        counter.cancel()
    assert drawn_during_build >= 10, drawn_during_build  # the UI kept running while the child built
    h.frames(3)
    centre = h.app.view.centre()
    assert centre is not None and centre.name in h.texts()
    assert read_showing(data) == [h.app.view.version]  # prune keeps what the app shows
    # the finished child is reaped by the watcher's next look (every POLL_S, on the Kivy clock)
    assert h.wait_for(lambda: h.app.watcher.build is None, timeout=30)
    h.screenshot("first_start_demo_800x480")
