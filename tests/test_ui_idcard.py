"""The ID-card reader in the running app: the real polling thread on the pty simulator, a card
placed on it reaches `app.session` masked (on the UI thread) with a calm toast, the idle reset
forgets it, nothing unmasked is logged, an impossible card is refused with a calm toast, and
the thread stops with the app."""
from __future__ import annotations

import logging
import threading
import time

import pytest

from devices.idcard.cardfile import load_card_file, sim_card
from devices.idcard.sim import PtySimulator, SimReader
from kiosk.config import Display, IdCard as IdCardSettings, Settings

pytestmark = pytest.mark.ui

FULL_NAME, FULL_NUMBER = "张小明", "320102195003079996"


@pytest.fixture
def reader():
    sim = SimReader(None, find_miss_rate=0.0, read_delay=0.0)
    with PtySimulator(sim) as pty:
        yield sim, pty.path


@pytest.fixture
def start(ui, demo_view, manual_clock):
    def run(port: str, enabled: bool = True):
        settings = Settings(display=Display(fullscreen=False),
                            idcard=IdCardSettings(enabled=enabled, port=port))
        h = ui(settings, demo_view, size=(1080, 1920), monotonic=manual_clock)
        h.clock = manual_clock
        return h
    return run



def reader_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "idcard-reader" and t.is_alive()]


@pytest.fixture
def card_read(start, reader, caplog):
    """The app running on the simulated reader, the sample card read into its session."""
    caplog.set_level(logging.DEBUG)
    sim, port = reader
    h = start(port)
    assert h.wait_for(lambda: h.app.devices.reader_state == "ready")
    sim.place(load_card_file("resident.json"))
    assert h.wait_for(lambda: "id_card" in h.app.session)
    return h, sim


def test_a_card_reaches_the_session_masked_and_idle_forgets_it(card_read, caplog):
    h, sim = card_read
    card = h.app.session["id_card"]
    assert card["name_masked"] == "张*明" and card["id_masked"] == "320***********9996"
    assert card["elderly"] is True and card["age"] >= 75 and card["expired"] is False
    assert set(card) == {"card_type", "name_masked", "id_masked", "age", "elderly", "expired"}
    assert FULL_NAME not in repr(h.app.session) and FULL_NUMBER not in repr(h.app.session)
    assert "photo" not in card
    toast = h.app.root_widget.toast
    assert toast.shown and toast.plain_text == "已读取身份证"
    # one event per card: it stays on the reader, no second read
    h.app.session.clear()
    time.sleep(0.6)
    h.frames(3)
    assert "id_card" not in h.app.session
    h.app.session["id_card"] = card

    h.clock.advance(h.app.settings.idle_timeout_s + 1)  # the resident walked away
    h.app._tick(0)
    h.frames(2)
    assert h.current == "attract" and h.app.session == {}

    sim.remove()  # the next resident's card is a new event
    time.sleep(0.5)
    sim.place(load_card_file("hk_macao_taiwan_J.json"))
    assert h.wait_for(lambda: "id_card" in h.app.session)
    assert h.app.session["id_card"]["card_type"] == "J"
    assert h.current == "home"  # a card wakes the attract loop like a touch
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert FULL_NAME not in logged and FULL_NUMBER not in logged


# 9999-12-31: the birth date of issue 11 that gave "age: -7974"
IMPOSSIBLE = {"name": "王演示", "gender": "男", "nation": "01", "birth": "9999-12-31", "address": "演示路3号",
              "id_number": "320102999912310011", "issuer": "演示分局", "valid_from": "2020-01-01", "valid_to": "长期"}


def test_an_impossible_card_is_refused_calmly_and_replaces_the_last_card(card_read, caplog):
    h, sim = card_read
    sim.place(sim_card(IMPOSSIBLE, "impossible"))  # swapped for another card, which is not a card
    assert h.wait_for(lambda: h.app.devices.reader_detail == "invalid_card:birth")
    h.frames(2)
    toast = h.app.root_widget.toast
    assert toast.shown and toast.plain_text == "未能读取此证件，请到窗口咨询"
    assert "id_card" not in h.app.session  # the card in the session was the one lifted
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "invalid_card:birth" in logged
    assert "王演示" not in logged and "320102999912310011" not in logged and "9999" not in logged
    assert h.wait_for(lambda: h.app.devices.reader_state == "ready")  # the reader goes on


def test_the_reader_thread_stops_with_the_app(start, reader):
    _sim, port = reader
    h = start(port)
    assert h.wait_for(lambda: reader_threads())
    h.app.dispatch("on_stop")
    assert not reader_threads() and h.app.devices.reader is None


def test_no_reader_thread_unless_enabled(start, reader):
    _sim, port = reader
    h = start(port, enabled=False)
    h.frames(3)
    assert h.app.devices.reader is None and not reader_threads()
    assert h.app.devices.reader_state == "off"


def test_a_reader_that_is_not_there_is_reported_not_fatal(start, tmp_path):
    h = start(str(tmp_path / "ttyNOPE"))
    assert h.wait_for(lambda: h.app.devices.reader_state == "error")
    assert h.app.devices.reader_detail
    h.tap(h.home.tile("guides"))  # the app goes on
    assert h.current == "guides"
