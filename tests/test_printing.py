"""The UI's print service: one worker, outcome delivered back, double taps print once."""
import threading

from devices.printer import Printer
from devices.receipt import Cut, Receipt, Text
from devices.sim_printer import PrinterSimulator
from kiosk.printing import PrintService


def receipt():
    return Receipt([Text("一次性告知单"), Cut()])


def collect():
    done, got = threading.Event(), []

    def on_done(job):
        got.append(job)
        done.set()
    return done, got, on_done


def test_double_tap_prints_once_and_outcome_is_delivered():
    with PrinterSimulator(port=0) as sim:
        delivered = []
        service = PrintService(Printer(sim.url), deliver=lambda fn: (delivered.append(fn), fn()))
        done, got, on_done = collect()
        assert service.submit("guide-dibao", receipt, on_done)
        assert not service.submit("guide-dibao", receipt, on_done)  # the second tap
        assert done.wait(5)
        assert got[0].printed and len(delivered) == 1
        assert sim.wait_jobs(1) and len(sim.jobs) == 1
        assert not service.submit("guide-dibao", receipt, on_done)  # just printed: still a repeat
        assert service.submit("guide-other", receipt, lambda job: None)


def test_a_failed_job_can_be_retried_at_once():
    with PrinterSimulator(port=0, state="out") as sim:
        service = PrintService(Printer(sim.url, timeout=0.5), deliver=lambda fn: fn())
        done, got, on_done = collect()
        assert service.submit("k", receipt, on_done) and done.wait(5)
        assert (got[0].state, got[0].reason) == ("failed", "paper_out")
        sim.set_state("ok")
        done.clear()
        assert service.submit("k", receipt, on_done) and done.wait(5)
        assert got[1].printed


def test_a_broken_receipt_builder_still_answers():
    with PrinterSimulator(port=0) as sim:
        service = PrintService(Printer(sim.url), deliver=lambda fn: fn())
        done, got, on_done = collect()

        def broken():
            raise KeyError("materials")
        assert service.submit("x", broken, on_done) and done.wait(5)
        assert (got[0].state, got[0].reason) == ("failed", "unknown")


def test_no_printer_configured():
    assert not PrintService(None).available
    assert not PrintService(None).submit("x", receipt, lambda job: None)
