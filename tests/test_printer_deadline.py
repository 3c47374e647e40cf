"""One deadline per job, reasons that say what happened, stale bytes never taken as replies.

The real driver against the ESC/POS simulator's bytes, over TCP and over a pty (the serial link),
with the simulator's link faults. Wall times are measured around the job: a bound such as
"timeout + SLACK" is a correctness check of the deadline (the old driver gave each read the whole
timeout again: 6x it under slow-status), not a performance figure.
"""
import datetime as dt
import time

import pytest

from devices.documents import ticket
from devices.printer import Printer
from devices.receipt import Cut, Receipt, Text
from devices.sim_printer import Fault, PrinterSimulator
from kiosk.i18n import _, set_locale

TIMEOUT = 0.6
SLACK = 0.15  # from the job's start (`connecting`) to its outcome: select() wake-ups, a busy machine
OUTSIDE = 1.5  # the whole call as the test sees it: + encoding (0.1-0.3 s in bitmap mode), first imports
AT = dt.datetime(2026, 11, 22, 9, 30)


@pytest.fixture(autouse=True)
def zh():
    set_locale("zh_CN")
    import escpos.printer  # noqa: F401  (0.5 s the first time: not inside a measured status query)


def a_ticket():
    return ticket(_, centre_name="幸福里社区党群服务中心", number="A023", service_name="综合受理", ahead=5,
                  issued_at=AT, qr_url="https://zwfw.example.gov.cn/q/A023", name_masked="张*明")


def a_long_receipt():
    """About 90 kB in bitmap mode: more than the pty's and the simulator's buffers hold."""
    return Receipt([Text(f"第{i}行 社区党群服务中心 一次性告知单", 2) for i in range(12)] + [Cut()])


def timed_job(sim, receipt, encoding="gb18030", timeout=TIMEOUT):
    """The job and how long it had the printer: from `connecting` (the deadline's start) to its
    outcome, by the driver's clock; the whole call, by the test's clock, is checked here."""
    printer = Printer(sim.url, encoding=encoding, timeout=timeout)
    t0 = time.monotonic()
    job = printer.print_receipt(receipt)
    assert time.monotonic() - t0 <= timeout + OUTSIDE
    (started, first), (ended, _last) = job.history[0], job.history[-1]
    assert first == "connecting" and t0 <= started <= ended <= time.monotonic()
    return job, ended - started


LINKS = [False, True]  # TCP, then the serial link on a pty
LINK_IDS = ["tcp", "serial"]

# fault, receipt, encoding, expected reason, words in the detail
NEVER_IN_TIME = [
    (Fault("slow-status", delay=0.5), a_ticket, "gb18030", "timeout", "DLE EOT"),  # each answer just in time per read
    (Fault("stall"), a_ticket, "gb18030", "timeout", "DLE EOT 1"),  # connects, then reads and answers nothing
    (Fault("stall", after=300), a_long_receipt, "bitmap", "timeout", "deadline"),  # stops taking data mid-job
    (Fault("slow-read", rate=20000), a_long_receipt, "bitmap", "timeout", "deadline"),  # 20 kB/s: 4.7 s of data
]


@pytest.mark.parametrize("pty", LINKS, ids=LINK_IDS)
@pytest.mark.parametrize("fault, make, encoding, reason, words", NEVER_IN_TIME, ids=lambda v: getattr(v, "name", None))
def test_a_job_ends_within_its_deadline_whatever_the_printer_does(pty, fault, make, encoding, reason, words):
    receipt = make()
    with PrinterSimulator(port=0, fault=fault, pty=pty) as sim:
        job, took = timed_job(sim, receipt, encoding)
        assert (job.state, job.reason) == ("failed", reason), job.detail
        assert TIMEOUT - 0.02 <= took <= TIMEOUT + SLACK, f"{fault.name}: {took:.2f} s for a {TIMEOUT} s deadline"
        assert words in job.detail and f"within the {TIMEOUT:g} s deadline" in job.detail


@pytest.mark.parametrize("pty", LINKS, ids=LINK_IDS)
def test_a_silent_printer_is_a_timeout_not_unknown(pty):
    with PrinterSimulator(port=0, state="silent", pty=pty) as sim:
        job, took = timed_job(sim, a_ticket())
    assert (job.state, job.reason) == ("failed", "timeout")
    assert TIMEOUT - 0.05 <= took <= TIMEOUT + SLACK
    assert job.detail.endswith("status before the job: waiting for the answer to DLE EOT 1: "
                               f"not done within the {TIMEOUT:g} s deadline")


@pytest.mark.parametrize("pty", LINKS, ids=LINK_IDS)
def test_slow_but_within_the_deadline_still_prints(pty):
    with PrinterSimulator(port=0, fault=Fault("slow-status", delay=0.05), pty=pty) as sim:
        job, took = timed_job(sim, a_ticket(), timeout=2.0)  # six answers, 0.3 s in all
        assert job.printed, job.detail
        assert sim.wait_jobs(1)
    with PrinterSimulator(port=0, fault=Fault("slow-read", rate=200_000), pty=pty) as sim:
        job, took = timed_job(sim, a_ticket(), "bitmap", timeout=2.0)  # 23 kB at 200 kB/s
        assert job.printed, job.detail
        assert sim.wait_jobs(1)


AFTER_THE_JOB = ("status after the job", "sending the job")


@pytest.mark.parametrize("pty, fault, steps", [
    (False, Fault("drop-mid-job", after=0), ("status before the job",)),  # a pty gone at once is a missing device
    (False, Fault("drop-mid-job", after=200), AFTER_THE_JOB),
    (True, Fault("drop-mid-job", after=200), AFTER_THE_JOB),
    (False, Fault("reset-mid-job", after=200), AFTER_THE_JOB),
    (True, Fault("reset-mid-job", after=200), AFTER_THE_JOB),
], ids=["closed-at-once-tcp", "closed-mid-job-tcp", "closed-mid-job-serial", "reset-mid-job-tcp", "reset-mid-job-serial"])
def test_a_printer_that_goes_away_is_offline_at_once(pty, fault, steps):
    with PrinterSimulator(port=0, fault=fault, pty=pty) as sim:
        job, took = timed_job(sim, a_ticket())
    assert (job.state, job.reason) == ("failed", "offline"), job.detail
    assert took < TIMEOUT / 2  # not left waiting for the deadline (the old driver: unknown after 3 s)
    where = sim.url.removeprefix("tcp://").removeprefix("serial://")
    assert job.detail.startswith(f"{where}, ") and any(f", {step}" in job.detail for step in steps)
    gone = ("hung up", "unplugged") if pty else ("closed the connection", "reset the connection")
    assert any(w in job.detail for w in gone), job.detail


def test_a_reset_in_a_long_job_is_offline():
    """The printer resets the connection 5 kB into a 90 kB job (the driver may still be writing)."""
    with PrinterSimulator(port=0, fault=Fault("reset-mid-job", after=5000)) as sim:
        job, took = timed_job(sim, a_long_receipt(), "bitmap")
    assert (job.state, job.reason) == ("failed", "offline"), job.detail
    assert took < TIMEOUT / 2
    assert "reset the connection" in job.detail or "closed the connection" in job.detail


@pytest.mark.parametrize("pty", LINKS, ids=LINK_IDS)
@pytest.mark.parametrize("delay", [0.0, 0.005, 0.02])
def test_an_unasked_late_status_byte_is_never_taken_as_the_next_reply(pty, delay):
    """After each job the printer repeats its paper status (0x1E: near end) unasked. Taken as the
    answer to DLE EOT 1 it reads "offline" (bit 3): a printed job reported failed."""
    with PrinterSimulator(port=0, state="near-end", fault=Fault("extra-byte", delay=delay), pty=pty) as sim:
        printer = Printer(sim.url, timeout=3.0)  # the simulator draws each job first: slow on a busy machine
        for i in range(3):
            job = printer.print_receipt(a_ticket())
            assert job.printed and job.paper_near_end, job.detail
        assert sim.wait_jobs(3)
        status = printer.status()  # the byte of the last job arrives around now
        assert status.known and status.online and status.paper_near_end and status.problem() is None


def test_a_malformed_reply_is_unknown_without_waiting_for_the_deadline():
    with PrinterSimulator(port=0, state="garbled") as sim:
        job, took = timed_job(sim, a_ticket())
    assert (job.state, job.reason) == ("failed", "unknown")
    assert "malformed answer 0x00 to DLE EOT 1" in job.detail and took < TIMEOUT / 2


@pytest.mark.parametrize("pty", LINKS, ids=LINK_IDS)
def test_status_query_has_the_same_deadline_and_reasons(pty):
    with PrinterSimulator(port=0, fault=Fault("slow-status", delay=0.5), pty=pty) as sim:
        printer = Printer(sim.url, timeout=TIMEOUT)
        t0 = time.monotonic()
        assert not printer.status().known
        assert time.monotonic() - t0 <= TIMEOUT + 2 * SLACK
        assert printer.last_reason == "timeout" and "DLE EOT 2" in printer.last_error
    with PrinterSimulator(port=0, fault=Fault("drop-mid-job", after=0), pty=pty) as sim:
        printer = Printer(sim.url, timeout=TIMEOUT)
        assert not printer.status().known
        assert printer.last_reason == "offline" and printer.last_error.startswith("cannot reach it: ")


def test_a_host_that_never_answers_the_connect_is_a_timeout():
    """192.0.2.0/24 is TEST-NET-1: nothing answers there (or the network says unreachable)."""
    printer = Printer("tcp://192.0.2.1:9100", timeout=0.5)
    t0 = time.monotonic()
    job = printer.print_receipt(a_ticket())
    assert job.reason in ("timeout", "offline") and time.monotonic() - t0 <= 0.5 + SLACK
    assert job.detail.startswith("192.0.2.1:9100, connecting: ")
