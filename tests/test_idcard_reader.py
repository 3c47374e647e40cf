"""The ID-card driver against the simulated reader on a pty: real driver, real pyserial, real bytes.

Each test starts ``SimReader`` on a fresh pty (``PtySimulator``) and the real ``IdCardReader``
on its slave path; cards are placed and lifted, and faults switched, through the simulator's
control methods while the driver polls.
"""
from __future__ import annotations

import json
import os
import queue
import socket
import subprocess
import sys
import threading
import time
from datetime import date
from pathlib import Path

import pytest

from devices.idcard.cli import ReadFailed, read_once
from devices.idcard.frames import ReaderTimeout, build_request, parse_reply, read_frame
from devices.idcard.protocol import ReaderLink
from devices.idcard.reader import IdCardReader, ReaderListener, ReaderState, ReaderTimings
from devices.idcard.cardfile import load_card_file, sim_card
from devices.idcard.sim import PtySimulator, SimReader
from devices.idcard.transport import SerialTransport

ROOT = Path(__file__).resolve().parents[1]
FAST = ReaderTimings(poll_interval=0.03, command_timeout=0.3, read_timeout=1.5, backoff_min=0.05, backoff_max=0.2)
UNKNOWN = {"card_type": "X", "name": "王演示", "gender": "男", "nation": "01", "birth": "1970-01-01",
           "id_number": "320102197001010011", "issuer": "演示分局", "valid_from": "2020-01-01", "valid_to": "2040-01-01"}


class Recorder(ReaderListener):
    def __init__(self):
        self.events: list[tuple] = []
        self._cond = threading.Condition()

    def _add(self, *event):
        with self._cond:
            self.events.append(event)
            self._cond.notify_all()

    def on_card(self, card):
        self._add("card", card)

    def on_removed(self):
        self._add("removed")

    def on_error(self, reason):
        self._add("error", reason)

    def on_state(self, state):
        self._add("state", state)

    def wait(self, *event, count=1, timeout=5.0):
        """Wait until ``event`` (kind, or kind and value) happened ``count`` times; return the last."""
        def found():
            hits = [e for e in self.events if e[: len(event)] == event]
            return hits[count - 1] if len(hits) >= count else None
        with self._cond:
            hit = self._cond.wait_for(found, timeout)
        assert hit, f"no {event} x{count} within {timeout}s; got {self.kinds()}"
        return hit

    def kinds(self, *wanted):
        return [e for e in self.events if e[0] != "state" and (not wanted or e[0] in wanted)]


@pytest.fixture
def sim():
    reader = SimReader(None, find_miss_rate=0.2, read_delay=0.02, seed=7)
    with PtySimulator(reader) as pty:
        reader.path = pty.path
        yield reader


@pytest.fixture
def driver(sim):
    rec = Recorder()
    reader = IdCardReader(sim.path, rec, FAST)
    reader.start()
    rec.wait("state", ReaderState.WAITING)
    yield reader, rec
    reader.stop()


def test_probe_ok(sim):
    link = ReaderLink(SerialTransport(sim.path), 0.5)
    link.sam_status()  # 11 FF -> 90, or it raises
    assert link.find() is False and link.select() is None
    link.transport.close()


def test_probe_fails_cleanly_on_silence(sim):
    sim.set_fault("silence")
    link = ReaderLink(SerialTransport(sim.path), 0.2)
    with pytest.raises(ReaderTimeout):
        link.sam_status()
    link.transport.close()


def test_card_placed_gives_exactly_one_on_card(sim, driver):
    reader, rec = driver
    sim.place(load_card_file("resident.json"))
    card = rec.wait("card")[1]
    finds = sim.counts["find"]
    while sim.counts["find"] < finds + 10:  # let the card lie there for ten more polls
        time.sleep(0.02)
    assert rec.kinds() == [("card", card)]
    assert sim.counts["read"] == 1
    assert (card.card_type, card.name, card.gender, card.nation) == ("resident", "张小明", "男", "汉")
    assert (card.birth, card.address) == (date(1950, 3, 7), "江苏省南京市玄武区演示路1号示例小区")
    assert (card.id_number, card.issuer) == ("320102195003079996", "南京市公安局演示分局")
    assert (card.valid_from, card.valid_to, len(card.photo)) == (date(2010, 5, 1), None, 1024)
    assert reader.state == ReaderState.PRESENT


def test_card_removed_then_placed_again(sim, driver):
    _, rec = driver
    sim.place(load_card_file("resident.json"))
    rec.wait("card")
    sim.remove()
    rec.wait("removed")
    sim.place(load_card_file("resident.json"))
    rec.wait("card", count=2)
    assert [e[0] for e in rec.kinds()] == ["card", "removed", "card"]


@pytest.mark.parametrize("sample, card_type, nation", [("hk_macao_taiwan_J.json", "J", None),
                                                       ("foreigner_I.json", "I", "CAN")])
def test_j_and_i_cards(sim, driver, sample, card_type, nation):
    _, rec = driver
    sim.place(load_card_file(sample))
    card = rec.wait("card")[1]
    assert (card.card_type, card.nation) == (card_type, nation)


def test_one_card_replaced_by_another(sim, driver):
    _, rec = driver
    sim.place(load_card_file("resident.json"))
    rec.wait("card")
    sim.place(load_card_file("hk_macao_taiwan_J.json"))  # no gap a poll could see
    assert rec.wait("card", count=2)[1].card_type == "J"
    assert [e[0] for e in rec.kinds()] == ["card", "removed", "card"]


def test_find_says_no_card_while_one_lies_there(sim, driver):
    _, rec = driver
    sim.find_miss_rate = 1.0  # every find answers 80
    sim.place(load_card_file("resident.json"))
    assert rec.wait("card")[1].name == "张小明"


def test_card_removed_during_read_gives_no_half_card(sim, driver):
    _, rec = driver
    sim.read_delay = 0.4
    sim.read_started.clear()
    sim.place(load_card_file("resident.json"))
    assert sim.read_started.wait(5)
    sim.remove()
    rec.wait("error", "read_failed")
    rec.wait("state", ReaderState.WAITING, count=2)
    assert rec.kinds("card", "removed") == []
    sim.read_delay = 0.02
    sim.place(load_card_file("resident.json"))
    rec.wait("card")


FAULT_REASONS = {"garbled": "bad_header", "truncated": "truncated", "silence": "timeout", "bad-checksum": "bad_checksum",
                 "extra": "trailing_garbage"}


@pytest.mark.parametrize("fault", sorted(FAULT_REASONS))
def test_fault_while_card_lies_there_then_recovery(sim, driver, fault):
    reader, rec = driver
    sim.place(load_card_file("resident.json"))
    rec.wait("card")
    sim.set_fault(fault)
    rec.wait("error", FAULT_REASONS[fault])
    time.sleep(0.5)  # several failed retries: still one error event, thread alive
    assert rec.kinds("error") == [("error", FAULT_REASONS[fault])]
    assert reader.state in (ReaderState.ERROR, ReaderState.PROBING)
    sim.set_fault(None)
    rec.wait("state", ReaderState.PRESENT, count=2)
    assert rec.kinds("card", "removed")[1:] == []  # the same card is not delivered twice
    sim.remove()
    rec.wait("removed")


@pytest.mark.parametrize("fault", sorted(FAULT_REASONS))
def test_card_placed_during_fault_is_read_when_it_clears(sim, driver, fault):
    _, rec = driver
    sim.set_fault(fault)
    sim.place(load_card_file("foreigner_I.json"))
    rec.wait("error", FAULT_REASONS[fault])
    assert rec.kinds("card") == []
    sim.set_fault(None)
    assert rec.wait("card")[1].card_type == "I"


def test_unknown_card_type_is_refused_once(sim, driver):
    _, rec = driver
    sim.place(sim_card(UNKNOWN, "unknown"))
    rec.wait("error", "unknown_card_type")
    finds = sim.counts["find"]
    while sim.counts["find"] < finds + 5:
        time.sleep(0.02)
    assert sim.counts["read"] == 1 and rec.kinds("card") == []
    sim.remove()
    rec.wait("state", ReaderState.WAITING, count=2)
    sim.place(load_card_file("resident.json"))
    rec.wait("card")
    assert rec.kinds("removed") == []  # nothing was delivered for the refused card


def test_bad_request_checksum_gets_0x10(sim):
    port = SerialTransport(sim.path)
    good = build_request(0x20, 0x01)
    port.write(good[:-1] + bytes([good[-1] ^ 0x5A]))
    reply = parse_reply(read_frame(port, 1.0))
    assert reply.sw3 == 0x10 and sim.counts["bad_request_checksum"] == 1
    port.close()


class Exploding(Recorder):
    def on_card(self, card):
        super().on_card(card)
        raise RuntimeError("listener bug")


def test_listener_exception_does_not_stop_the_thread(sim):
    rec = Exploding()
    with IdCardReader(sim.path, rec, FAST):
        sim.place(load_card_file("resident.json"))
        rec.wait("card")
        sim.remove()
        rec.wait("removed")


def test_missing_port_reports_and_keeps_trying(tmp_path):
    rec = Recorder()
    with IdCardReader(str(tmp_path / "ttyNONE"), rec, FAST) as reader:
        rec.wait("error", "port_error")
        rec.wait("state", ReaderState.OPENING, count=2)
        assert reader.state in (ReaderState.ERROR, ReaderState.OPENING)
    assert reader.state == ReaderState.STOPPED


def test_virtual_port_from_the_factory():
    rec = Recorder()
    with IdCardReader("virtual:hk_macao_taiwan_J.json", rec, FAST):
        assert rec.wait("card")[1].card_type == "J"


# ---- kiosk idcard read ------------------------------------------------------------------------
def test_read_once_prints_the_public_json(sim):
    sim.place(load_card_file("resident.json"))
    result = read_once(sim.path, 5, FAST)
    assert set(result) == {"card_type", "name_masked", "id_masked", "age", "elderly", "expired"}
    assert result["id_masked"] == "320***********9996" and result["name_masked"] == "张*明"
    assert result["elderly"] is True and result["age"] >= 75 and result["expired"] is False


@pytest.mark.parametrize("fault, reason", [(None, "timeout"), ("silence", "no_reader"), ("garbled", "bad_header")])
def test_read_once_failures(sim, fault, reason):
    sim.set_fault(fault)
    with pytest.raises(ReadFailed) as info:
        read_once(sim.path, 1.5, FAST)
    assert info.value.reason == reason


def test_read_once_refuses_unknown_card_at_once(sim):
    sim.place(sim_card(UNKNOWN))
    started = time.monotonic()
    with pytest.raises(ReadFailed) as info:
        read_once(sim.path, 10, FAST)
    assert info.value.reason == "unknown_card_type" and time.monotonic() - started < 5


def _cli(*args, **kw):
    return subprocess.run([sys.executable, "-m", "devices.idcard.cli", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=60, **kw)


def test_cli_read_and_failure(sim):
    sim.place(load_card_file("foreigner_I.json"))
    done = _cli("idcard", "read", "--port", sim.path, "--timeout", "10")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["card_type"] == "I" and len(done.stdout.strip().splitlines()) == 1
    missing = _cli("idcard", "read", "--port", "/dev/nonexistent-reader", "--timeout", "3")
    assert missing.returncode == 1 and missing.stdout == ""
    assert "no reader at /dev/nonexistent-reader" in missing.stderr


def test_cli_sim_serves_a_pty_and_takes_commands(tmp_path):
    proc = subprocess.Popen([sys.executable, "-m", "devices.idcard.cli", "sim", "idcard", "--card", "resident.json",
                             "--read-delay", "0.02", "--control", str(tmp_path / "ctl")], cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    answers: queue.Queue = queue.Queue()
    threading.Thread(target=lambda: [answers.put(line.strip()) for line in proc.stdout], daemon=True).start()
    try:
        path = answers.get(timeout=20)
        assert os.path.exists(path)
        assert read_once(path, 10, FAST)["name_masked"] == "张*明"
        for line, answer in [("remove", "ok removed"), ("fault silence", "ok fault silence"),
                             ("fault none", "ok fault none"), ("place hk_macao_taiwan_J.json", "ok placed hk_macao_taiwan_J"),
                             ("fault loud", "error fault must be one of")]:
            proc.stdin.write(line + "\n")
            proc.stdin.flush()
            assert answers.get(timeout=10).startswith(answer)
        assert read_once(path, 10, FAST)["card_type"] == "J"
        with socket.socket(socket.AF_UNIX) as ctl:  # the same commands on the control socket
            ctl.connect(str(tmp_path / "ctl"))
            ctl.sendall(b"remove\nstatus\n")
            ctl.settimeout(10)
            got = b""
            while got.count(b"\n") < 2:
                got += ctl.recv(1024)
        assert got.decode().splitlines() == ["ok removed", "ok card=- fault=none"]
        proc.stdin.write("quit\n")
        proc.stdin.flush()
        assert proc.wait(10) == 0
    finally:
        proc.kill()
        proc.wait()


def test_argparse_wiring_shares_sim_with_the_printer():
    import argparse

    from devices.idcard.cli import add_idcard_command, add_sim_idcard, add_subcommands, cmd_idcard_read, sim_main

    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--config")
    parser = argparse.ArgumentParser(prog="kiosk")
    sub = parser.add_subparsers(dest="command", required=True)
    sim_sub = sub.add_parser("sim").add_subparsers(dest="sim_command", required=True)
    sim_sub.add_parser("printer")  # the printer part's child
    add_idcard_command(sub, common, default_port=lambda args: "/dev/ttyCONFIGURED")
    add_sim_idcard(sim_sub, common)
    args = parser.parse_args(["idcard", "read", "--timeout", "3"])
    assert (args.func, args.port, args.timeout) == (cmd_idcard_read, None, 3.0)
    assert args.idcard_default_port(args) == "/dev/ttyCONFIGURED"
    args = parser.parse_args(["sim", "idcard", "--card", "resident.json", "--fault", "silence"])
    assert (args.func, args.card, args.fault) == (sim_main, "resident.json", "silence")
    alone = argparse.ArgumentParser(prog="kiosk")
    returned = add_subcommands(alone.add_subparsers(dest="command", required=True), common)
    returned.add_parser("printer")  # the returned sim subparsers takes the printer child too
    assert alone.parse_args(["sim", "printer"]).command == "sim"
