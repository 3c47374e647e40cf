"""Print latency: from the moment the UI hands a job over to the last byte the printer accepted.

    .venv/bin/python tests/bench/bench_print.py [--runs 30]

Uses the real print path of the app (kiosk.printing.PrintService -> devices.printer over TCP,
status before and after) against the ESC/POS simulator (`kiosk sim printer`, in-process), for
the queue ticket and the 一次性告知单 of the demo's longest guide, in gb18030 and in bitmap mode.
The clock stops when the chunk holding the job's cut (its last byte) arrived at the simulator
(before the simulator draws the job).
"""
from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from content.store import build_version, open_current  # noqa: E402
from devices.documents import guide_checklist, ticket  # noqa: E402
from devices.printer import Printer  # noqa: E402
from devices.sim_printer import PrinterSimulator  # noqa: E402
from kiosk.i18n import _, set_locale  # noqa: E402
from kiosk.printing import PrintService  # noqa: E402

AT = dt.datetime(2026, 11, 22, 9, 30)


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def measure(make, encoding: str, runs: int) -> list[float]:
    out = []
    with PrinterSimulator(port=0) as sim:
        service = PrintService(Printer(sim.url, encoding=encoding), deliver=lambda fn: fn(), repeat_window_s=0)
        for i in range(runs):
            done = threading.Event()
            t0 = time.perf_counter()
            service.submit(f"job{i}", make, lambda job: done.set())
            assert sim.wait_jobs(i + 1, timeout=30), "the simulator saw no job"
            out.append((sim.job_last_byte_at[i] - t0) * 1000)
            done.wait(10)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=30)
    args = ap.parse_args()
    set_locale("zh_CN")
    from content.demo import write_demo_bundle

    with tempfile.TemporaryDirectory() as tmp:
        write_demo_bundle(Path(tmp) / "b")
        build_version(Path(tmp) / "b", Path(tmp) / "d")
        view = open_current(Path(tmp) / "d")
        guide = max(view.guides(), key=lambda g: len(g.materials))
        docs = {
            "ticket": lambda: ticket(_, centre_name="幸福里社区党群服务中心", number="A023", service_name="综合受理",
                                     ahead=5, issued_at=AT, qr_url="https://zwfw.example.gov.cn/q/A023"),
            f"告知单 ({guide.title}, {len(guide.materials)} materials)": lambda: guide_checklist(
                _, guide, centre_name="幸福里社区党群服务中心", printed_at=AT),
        }
        for encoding in ("gb18030", "bitmap"):
            for name, make in docs.items():
                ms = measure(make, encoding, args.runs)
                print(f"{name:<40} {encoding:<8} p50 {statistics.median(ms):6.1f} ms  p95 {pct(ms, 95):6.1f} ms")


if __name__ == "__main__":
    main()
