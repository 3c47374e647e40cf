"""Receipt printing through the real driver and the ESC/POS simulator's bytes (no mocks)."""
import datetime as dt
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from devices.documents import guide_checklist, ticket
from devices.escpos_decode import EscPosDecoder
from devices.escpos_encode import encode
from devices.printer import Printer, PrinterStatus, parse_status, valid_status_byte
from devices.receipt import QR, Cut, Receipt, Rule, Text, wrap
from devices.sim_printer import PrinterSimulator
from kiosk.i18n import _, set_locale

ROOT = Path(__file__).resolve().parents[1]
AT = dt.datetime(2026, 11, 22, 9, 30)


@pytest.fixture(autouse=True)
def zh():
    set_locale("zh_CN")


@pytest.fixture
def sim(tmp_path):
    with PrinterSimulator(port=0, out_dir=tmp_path / "jobs") as s:
        yield s


def a_ticket(paper_mm=80):
    return ticket(_, centre_name="幸福里社区党群服务中心", number="A023", service_name="综合受理", ahead=5,
                  issued_at=AT, qr_url="https://zwfw.example.gov.cn/q/A023", name_masked="张*明", paper_mm=paper_mm)


# ---- bytes --------------------------------------------------------------------------------

def test_chinese_is_sent_as_gb18030_after_fs_ampersand():
    data = encode(Receipt([Text("社区服务"), Text("（：）"), Cut()]), "gb18030")
    assert data.startswith(b"\x1b@\x1c&")
    assert "社区服务".encode("gb18030") + b"\n" in data
    assert "（：）".encode("gb18030") in data  # full-width punctuation alone, not ???
    assert b"???" not in data
    assert data.endswith(b"\x1dVB\x00\x1ba\x00")  # partial cut, then alignment reset


def test_gbk_and_bitmap_encodings():
    gbk = encode(Receipt([Text("低保")]), "gbk")
    assert "低保".encode("gbk") in gbk
    bitmap = encode(Receipt([Text("低保申请", 2, True, "center")]), "bitmap")
    assert b"\x1c&" not in bitmap and "低保".encode("gb18030") not in bitmap
    assert b"\x1dv0\x00" in bitmap
    with pytest.raises(ValueError, match="encoding"):
        encode(Receipt([]), "utf-7")


def test_native_qr_and_raster_fallback_decode_to_the_same_payload():
    url = "https://zwfw.example.gov.cn/guide/dibao?x=1"
    native = encode(Receipt([QR(url)]), native_qr=True)
    assert b"\x1d(k" in native and url.encode() in native
    dec = EscPosDecoder()
    dec.feed(native)
    assert dec.qr_payloads == [url]
    raster = encode(Receipt([QR(url)]), native_qr=False)
    assert b"\x1dv0\x00" in raster and b"\x1d(k" not in raster


def test_decoder_survives_commands_split_across_reads():
    data = encode(a_ticket(), "gb18030")
    whole, pieces = EscPosDecoder(), EscPosDecoder()
    whole_events = whole.feed(data)
    piece_events = [e for i in range(0, len(data), 7) for e in pieces.feed(data[i:i + 7])]
    assert [e[0] for e in whole_events] == [e[0] for e in piece_events] == ["job"]
    assert whole.texts == pieces.texts
    assert "A023" in whole.texts and "姓名：张*明" in whole.texts


def test_wrap_breaks_chinese_and_keeps_latin_runs_and_punctuation_rules():
    lines = wrap("前面还有 5 人等候。请留意叫号屏幕，过号请重新取号，订单号 ABC-123 已经提交", 24)
    assert all(sum(2 if ord(c) > 0x2e80 else 1 for c in ln) <= 24 for ln in lines)
    assert not any(ln[:1] in "，。、；：？！）" for ln in lines)
    assert any("ABC-123" in ln for ln in lines)


@pytest.mark.parametrize("cells", [8, 16, 24, 32, 48])
def test_wrapped_lines_wrap_to_themselves_and_keep_brackets_with_their_text(cells):
    """The simulator wraps what it receives again: a receipt line must come back unchanged."""
    text = "请携带（身份证原件）和《户口簿》到2号窗口，电话 0571-86512300，办理时限：5个工作日。"
    lines = wrap(text, cells)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")
    for line in lines:
        assert wrap(line, cells) == [line]
        assert line[-1:] not in "（《" and line[:1] not in "，。）》："


def test_58mm_paper_is_384_dots(sim):
    assert Receipt(paper_mm=58).width_dots == 384
    dec = EscPosDecoder(width_dots=384)
    events = dec.feed(encode(a_ticket(58)))
    assert events[-1][1].width == 384


# ---- status -------------------------------------------------------------------------------

@pytest.mark.parametrize("reply", [b"", b"\x00", b"\xff", b"\x12\x12", b"\x92", b"\x13"])
def test_malformed_status_is_unknown_never_fine(reply):
    assert valid_status_byte(reply) is None
    assert parse_status(reply, b"\x12", b"\x12").problem() == "unknown"


def test_status_bits():
    assert parse_status(b"\x12", b"\x12", b"\x12").problem() is None
    assert parse_status(b"\x1a", b"\x12", b"\x12").problem() == "offline"
    assert parse_status(b"\x12", b"\x16", b"\x12").problem() == "cover_open"
    assert parse_status(b"\x12", b"\x72", b"\x7e").problem() == "paper_out"
    assert parse_status(b"\x12", b"\x12", b"\x1e").paper_near_end


# ---- jobs through the simulator -----------------------------------------------------------

def test_ticket_prints_and_the_simulator_sees_every_part(sim):
    job = Printer(sim.url).print_receipt(a_ticket(), "ticket")
    assert job.printed and job.reason is None
    assert sim.wait_jobs(1)
    assert sim.jobs[0].is_file()
    assert {"幸福里社区党群服务中心", "A023", "综合受理", "姓名：张*明", "您前面还有 5 人等候"} <= set(sim.texts)
    assert sim.qr_payloads == ["https://zwfw.example.gov.cn/q/A023"]


@pytest.mark.parametrize("state, reason", [("out", "paper_out"), ("cover-open", "cover_open"),
                                           ("offline", "offline"), ("silent", "timeout"), ("garbled", "unknown")])
def test_faults_fail_with_their_reason_and_print_nothing(sim, state, reason):
    sim.set_state(state)
    job = Printer(sim.url, timeout=0.5).print_receipt(a_ticket())
    assert (job.state, job.reason) == ("failed", reason)
    assert not sim.jobs


def test_no_printer_listening_is_offline():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    job = Printer(f"tcp://127.0.0.1:{port}", timeout=0.5).print_receipt(a_ticket())
    assert (job.state, job.reason) == ("failed", "offline")


def test_paper_runs_out_between_two_jobs(tmp_path):
    with PrinterSimulator(port=0, out_dir=tmp_path, paper_mm=120) as sim:
        printer = Printer(sim.url)
        first = printer.print_receipt(a_ticket())
        assert first.printed and first.paper_near_end
        second = printer.print_receipt(a_ticket())
        assert (second.state, second.reason) == ("failed", "paper_out")
        third = printer.print_receipt(a_ticket())
        assert (third.state, third.reason) == ("failed", "paper_out")


def test_printer_goes_offline_mid_job(sim):
    sim.trip_after(200, "offline")
    job = Printer(sim.url).print_receipt(a_ticket())
    assert (job.state, job.reason) == ("failed", "offline")


def test_status_of_a_printer():
    with PrinterSimulator(port=0, state="near-end") as sim:
        st = Printer(sim.url).status()
        assert st.known and st.online and st.paper_near_end and st.problem() is None
    assert Printer("tcp://127.0.0.1:1", timeout=0.3).status() == PrinterStatus()


def test_bad_printer_url():
    with pytest.raises(ValueError, match="unknown printer URL"):
        Printer("http://printer")
    with pytest.raises(ValueError, match="VID:PID"):
        Printer("usb://nope")


# ---- documents ----------------------------------------------------------------------------

def test_guide_checklist_lists_every_material(sim, demo_view):
    guide = demo_view.item("guide-dibao")
    receipt = guide_checklist(_, guide, centre_name="幸福里社区党群服务中心", printed_at=AT)
    assert Printer(sim.url).print_receipt(receipt).printed
    text = "".join(sim.texts)
    assert "一次性告知单" in text and guide.title in text
    for m in guide.materials:
        assert f"□ {m.name}" in text
    assert guide.location in text and guide.time_limit in text
    assert sim.qr_payloads == [guide.online_url]


def test_cli_print_test(sim, tmp_path):
    cmd = [sys.executable, "-m", "kiosk.cli", "print-test", "--printer", sim.url, "--config", str(tmp_path / "none.toml")]
    (tmp_path / "none.toml").write_text("", encoding="utf-8")
    ok = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert ok.returncode == 0, ok.stderr
    assert sim.wait_jobs(1) and "打印机测试页" in sim.texts
    sim.set_state("out")
    bad = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert bad.returncode == 1
    assert "paper_out" in bad.stderr and "load a new roll" in bad.stderr


def test_a_double_tap_prints_once_is_the_callers_job_but_jobs_never_interleave(sim):
    printer = Printer(sim.url)
    results = []
    threads = [threading.Thread(target=lambda: results.append(printer.print_receipt(a_ticket()))) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(j.printed for j in results)
    assert sim.wait_jobs(3) and len(sim.jobs) == 3
    assert sim.texts.count("A023") == 3


def test_bitmap_text_arrives_as_the_same_dots():
    from PIL import ImageChops

    from devices.receipt_png import render_text_block

    block = Text("低保申请 A023", 2, True, "center")
    sent = render_text_block(block, 576).point(lambda v: 0 if v < 128 else 255)
    dec = EscPosDecoder()
    events = dec.feed(encode(Receipt([block, Cut()]), "bitmap"))
    got = events[0][1].crop((0, 0, 576, sent.height)).point(lambda v: 0 if v < 128 else 255)
    assert ImageChops.difference(sent, got).getbbox() is None
    assert sent.histogram()[0] > 500  # there is ink to compare
