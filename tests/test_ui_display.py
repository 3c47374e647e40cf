"""The calling board (`kiosk run --role display`): the real app offscreen against a REAL queue
service (tests/tickets_live.py), a counter calling through the API as the counter page does.

Spoken calls are recorded, not played: the announcer's runner is a recorder and its programs are
stand-ins on a private folder, so the test sees exactly the commands a display would run.
"""
from __future__ import annotations

import threading
import time

import httpx
import pytest

from kiosk.tts_text import spoken_text

from kiosk.config import Display, Settings, Tickets
from tests.test_announcer import Recorder, make_bin
from tests.tickets_live import free_port, start_service

pytestmark = pytest.mark.ui


def display_settings(url: str) -> Settings:
    return Settings(role="display", tickets=Tickets(url=url), display=Display(fullscreen=False))


class Counter:
    """A counter window's browser: signs in as the demo account, then calls with the CSRF token."""

    def __init__(self, svc):
        self.http = httpx.Client(base_url=svc.url, timeout=10)
        r = self.http.post("/api/login", json={"user": svc.user, "password": svc.password})
        assert r.status_code == 200, r.text
        self.csrf = r.json()["csrf"]

    def act(self, window: str, action: str) -> dict:
        r = self.http.post(f"/api/counters/{window}/{action}", headers={"X-CSRF-Token": self.csrf})
        assert r.status_code == 200, r.text
        return r.json()["ticket"]


def listen(screen, tmp_path) -> Recorder:
    """Record what the board's announcer would run instead of playing it."""
    rec = Recorder()
    announcer = screen.feed.announcer
    announcer.runner = rec
    announcer.which_path = make_bin(tmp_path / "bin", "espeak-ng", "aplay")
    announcer.cache_dir = tmp_path / "cache"
    return rec


def waiting_texts(h, screen) -> str:
    return " ".join(h.texts(screen.ids.waiting))


def test_the_board_follows_a_live_queue_across_a_restart(ui, demo_view, tmp_path):
    port = free_port()
    svc = start_service(tmp_path, port=port)
    try:
        for service in ("A", "A", "A", "B"):
            svc.issue(service)
        h = ui(display_settings(svc.url), demo_view, size=(1920, 1080))
        assert h.current == "display"
        screen = h.screen()
        rec = listen(screen, tmp_path)
        assert h.wait_for(lambda: "3 人等候" in waiting_texts(h, screen) and screen.connected, 15)
        assert "1 人等候" in waiting_texts(h, screen)
        assert "连接中…" not in h.texts(screen)

        # a counter calls: the number at its window, the callout, the sentence spoken
        assert Counter(svc).act("1号窗口", "call-next")["number"] == "A001"
        assert h.wait_for(lambda: screen.cards["1号窗口"].number == "A001", 10)
        assert screen.callout == "请 A001 号到 1号窗口 办理" and not screen.recall
        first = spoken_text("请 A001 号 到 1 号窗口办理")
        assert h.wait_for(lambda: rec.spoken() == [first], 10)
        assert [argv[0].rsplit("/", 1)[-1] for argv in rec.commands] == ["aplay", "espeak-ng"]
        assert h.wait_for(lambda: "2 人等候" in waiting_texts(h, screen), 10)
        assert "A001" in h.texts(screen.ids.recent)
        h.frames(8)  # into the card's flash
        h.screenshot("display_live_call_1920x1080")

        # a recall: said twice more, tagged 重呼
        Counter(svc).act("1号窗口", "recall")
        assert h.wait_for(lambda: rec.spoken() == [first] * 3, 10)
        assert h.wait_for(lambda: screen.recall, 5) and "重呼" in h.texts(screen)

        # the service goes away: the board keeps what it shows, calmly says 连接中…
        svc.stop()
        assert h.wait_for(lambda: not screen.connected, 10)
        assert "连接中…" in h.texts(screen)
        assert screen.cards["1号窗口"].number == "A001" and "2 人等候" in waiting_texts(h, screen)

        # a call made while the board cannot hear it (the same queue, served on another port) ...
        away = start_service(tmp_path, port=free_port())
        try:
            assert Counter(away).act("2号窗口", "call-next")["number"] == "A002"
        finally:
            away.stop()
        # ... is replayed when the service is back on its port (Last-Event-ID) and announced
        svc = start_service(tmp_path, port=port)
        assert h.wait_for(lambda: screen.connected, 25)
        assert h.wait_for(lambda: spoken_text("请 A002 号 到 2 号窗口办理") in rec.spoken(), 10), rec.spoken()
        assert h.wait_for(lambda: screen.cards["2号窗口"].number == "A002", 10)
        assert "连接中…" not in h.texts(screen)

        # and the next call after the restart arrives as usual
        assert Counter(svc).act("3号窗口", "call-next")["number"] == "B001"
        assert h.wait_for(lambda: screen.cards["3号窗口"].number == "B001", 10)
        assert h.wait_for(lambda: rec.spoken()[-1] == spoken_text("请 B001 号 到 3 号窗口办理"), 10)
        assert rec.spoken().count(spoken_text("请 A002 号 到 2 号窗口办理")) == 1  # replayed once, not twice
        assert h.wait_for(lambda: "0 人等候" in waiting_texts(h, screen), 10)
    finally:
        svc.stop()


def test_a_display_without_its_service_waits_calmly_and_takes_no_touches(ui, demo_view, manual_clock):
    h = ui(display_settings(f"http://127.0.0.1:{free_port()}"), demo_view, size=(1080, 1920),
           monotonic=manual_clock)
    screen = h.screen()
    assert h.current == "display" and screen.feed is not None
    h.frames(5)
    assert not screen.connected and "连接中…" in h.texts(screen)
    assert "幸福里社区党群服务中心" in h.texts(screen) and "请留意叫号" in h.texts(screen)
    ticker = screen.ids.ticker
    assert "停水通知" in ticker.text and ticker.text.startswith("紧急通知：")  # urgent notices first
    # no attract loop, no resident navigation: an hour untouched, a tap, "home" all stay here
    manual_clock.advance(3600)
    h.app._tick(0)
    h.tap_at(540, 900)
    h.app.go_home()
    h.frames(2)
    assert h.current == "display"
    feed = screen.feed
    h.app.dispatch("on_stop")  # what App.stop does first (the fixture's teardown does it again)
    assert not feed.running and screen.feed is None


def test_the_board_moves_its_notices_and_shows_slides(ui, demo_view):
    h = ui(display_settings(""), demo_view, size=(1920, 1080))
    screen = h.screen()
    assert screen.feed is None  # no queue url: nothing to connect to
    ticker = screen.ids.ticker
    assert ticker.moving
    before = [p.x for p in ticker._pieces]
    time.sleep(0.3)
    h.frames(3)
    assert [p.x for p in ticker._pieces][0] < before[0]
    assert screen.showing_slide and screen.slide_source and screen.ids.slide_box.width > 300
    first = screen.slide_id
    screen.advance()
    assert screen.slide_id != first


class FakeClient:
    def __init__(self):
        self.calls = 0

    def queue(self) -> dict:
        self.calls += 1
        return {"counters": [], "services": [], "recent_calls": [], "load": self.calls}


def test_the_feed_reloads_on_reconnection_reset_and_events(tmp_path):
    from kiosk.announcer import Announcer
    from kiosk.display_feed import DisplayFeed
    from tickets.client import Event

    delivered: list[tuple[str, object]] = []
    lock = threading.Lock()

    def post(fn, *args):  # deliver at once, from the feed's threads (no Kivy here)
        with lock:
            fn(*args)

    class Listener:
        def show_queue(self, snap):
            delivered.append(("queue", snap["load"]))

        def show_call(self, data):
            delivered.append(("call", data["number"]))

        def show_connected(self, flag):
            delivered.append(("connected", flag))

    rec = Recorder()
    announcer = Announcer(runner=rec, which_path=make_bin(tmp_path / "bin", "espeak-ng"), cache_dir=tmp_path)
    client = FakeClient()
    feed = DisplayFeed(f"http://127.0.0.1:{free_port()}", announcer=announcer, post=post, client=client)
    feed.attach(Listener())
    feed.start()
    try:
        def loads() -> int:
            return sum(1 for kind, _ in delivered if kind == "queue")

        def wait(cond, seconds=5.0) -> bool:
            end = time.monotonic() + seconds
            while time.monotonic() < end and not cond():
                time.sleep(0.01)
            return cond()

        assert wait(lambda: loads() == 1)  # at start
        feed._on_event(Event(9, "reset", {}))
        assert wait(lambda: loads() == 2)
        feed._on_state(True)
        assert wait(lambda: loads() == 3) and ("connected", True) in delivered
        feed._on_event(Event(10, "call", {"number": "C003", "counter": "5号窗口", "recall": False}))
        assert wait(lambda: loads() == 4) and ("call", "C003") in delivered
        assert announcer.wait_idle(5) and rec.spoken() == [spoken_text("请 C003 号 到 5 号窗口办理")]
        time.sleep(0.3)
        assert loads() == 4  # nothing else asked for a reload
    finally:
        feed.stop()
    assert not feed.running
