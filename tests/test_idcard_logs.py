"""No log line carries card data, whatever the reader sends (issue 11, class 6).

The real driver polls the pty simulator while a card whose name, number, address and photo we
know lies on it, and the simulator spoils the read replies (the ones that carry the card):
a stall mid-reply (the rest of the card's text arrives as the "reply" to the next request —
the case that used to put the card's text in hex into the bad_header warning), noise,
truncation, a bad checksum, stray bytes after the frame, silence. Everything logged at DEBUG,
exceptions and tracebacks included, is then searched for the card in every form: the text,
its UTF-16LE / UTF-8 bytes as hex (with and without spaces, either case) and as Python bytes
escapes, the number's digit runs, the photo's bytes.
"""
from __future__ import annotations

import logging
import time

import pytest

from devices.idcard.cardfile import sim_card
from devices.idcard.protocol import READ_BASE
from devices.idcard.reader import IdCardReader, ReaderListener, ReaderTimings
from devices.idcard.sim import PtySimulator, SimReader
from devices.idcard.validate import id_check_digit

FAST = ReaderTimings(poll_interval=0.03, command_timeout=0.3, read_timeout=0.8, backoff_min=0.05, backoff_max=0.2)
NUMBER = "33010619480815" + "003"
NUMBER += id_check_digit(NUMBER)
CARD = {"name": "司马演示", "gender": "男", "nation": "01", "birth": "1948-08-15",
        "address": "浙江省杭州市西湖区演示路九十九号", "id_number": NUMBER, "issuer": "杭州市公安局演示分局",
        "valid_from": "2012-04-01", "valid_to": "长期"}


def _byte_forms(data: bytes) -> set[str]:
    forms = {data.hex(), data.hex(" "), data.hex().upper(), data.hex(" ").upper(), repr(data)[2:-1]}
    return {f for f in forms if len(f) >= 6}


def needles(card) -> set[str]:
    """Every form in which a piece of the card could show up in a log line."""
    found: set[str] = set()
    for text in (CARD["name"], CARD["address"], CARD["issuer"]):
        for i in range(len(text) - 1):  # any two characters in a row
            piece = text[i:i + 2]
            found |= {piece} | _byte_forms(piece.encode("utf-16-le")) | _byte_forms(piece.encode("utf-8"))
    for i in range(len(NUMBER) - 5):  # any six digits in a row, as text and as UCS-2 bytes
        piece = NUMBER[i:i + 6]
        found |= {piece} | _byte_forms(piece.encode("utf-16-le"))
    for i in range(0, len(card.photo) - 3):
        found |= {card.photo[i:i + 4].hex(), card.photo[i:i + 4].hex(" ")}
    return found


class Errors(ReaderListener):
    def __init__(self):
        self.reasons: list[str] = []
        self.cards = 0

    def on_error(self, reason):
        self.reasons.append(reason)

    def on_card(self, card):
        self.cards += 1


@pytest.fixture
def logged(caplog):
    caplog.set_level(logging.DEBUG)
    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")

    def text() -> str:
        return "\n".join(formatter.format(r) for r in caplog.records)  # with exception tracebacks
    return text


def run_until(sim_fault: str, until, seconds: float, stall_s: float = 1.2) -> tuple[Errors, SimReader]:
    card = sim_card(CARD, "known")
    sim = SimReader(card, find_miss_rate=0.0, read_delay=0.0, seed=3, stall_s=stall_s)
    sim.fault_on = frozenset({READ_BASE})
    sim.set_fault(sim_fault)
    errors = Errors()
    with PtySimulator(sim) as pty, IdCardReader(pty.path, errors, FAST):
        end = time.monotonic() + seconds
        while time.monotonic() < end and not until(errors, sim):
            time.sleep(0.05)
    return errors, sim


def assert_no_card_data(text: str) -> None:
    card = sim_card(CARD)
    leaks = sorted(n for n in needles(card) if n in text)
    assert not leaks, f"card data in the log: {leaks[:5]}"


@pytest.mark.parametrize("fault, reason", [("garbled", "bad_header"), ("truncated", "truncated"),
                                           ("bad-checksum", "bad_checksum"), ("extra", "trailing_garbage"),
                                           ("silence", "timeout")])
def test_spoilt_read_replies_log_no_card_data(logged, fault, reason):
    errors, sim = run_until(fault, lambda e, sim: reason in e.reasons and sim.counts.get("read", 0) >= 2, 8)
    assert reason in errors.reasons and errors.cards == 0
    text = logged()
    assert f": {reason}: " in text  # the failure was logged (so there was something to search)
    assert_no_card_data(text)


def test_a_reader_that_stalls_mid_reply_logs_no_card_data(logged):
    """The tail of the stalled read reply (the card's text after the first name character)
    comes in as the next "reply": bad_header, which must not quote it."""
    errors, _ = run_until("stall", lambda e, sim: "bad_header" in e.reasons, 20)
    assert "truncated" in errors.reasons and "bad_header" in errors.reasons
    text = logged()
    assert_no_card_data(text)
    assert "bad_header: does not start with the AA AA AA 96 69 preamble" in text


def test_the_search_finds_a_card_that_is_logged():
    """The needles are not vacuous: the old bad_header message (hex of the reply's first five
    bytes) and the bytes repr of the name would both have been caught."""
    card = sim_card(CARD)
    tail = card.text[2:7]  # what a stall used to put in the warning: "小明..." as hex
    for leaked in (f"reply starts {tail.hex(' ')}, expected aa aa aa 96 69", repr(card.text[:8]),
                   f"id {NUMBER[3:12]}", CARD["address"][4:7], card.photo[100:104].hex()):
        with pytest.raises(AssertionError):
            assert_no_card_data(leaked)
