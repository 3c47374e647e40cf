"""Reader cycle: card placed on the simulated reader -> on_card delivered by the real driver.

    .venv/bin/python tests/bench/bench_idcard.py [--placements 30] [--poll 0.2] [--read-delay 0.0]

Runs the pty simulator (devices.idcard.sim) and the real IdCardReader on its slave pty with
the default timings (poll every 0.2 s unless --poll). Each round lifts the card, waits for
on_removed, waits a random part of a poll interval (so placements fall anywhere in the poll
cycle), places the card and times until on_card. The simulator's read takes --read-delay
seconds (a real reader needs roughly 0.5-1 s for the RF read; 0 measures the driver itself).
Prints p50/p95/max of placed->on_card and lifted->on_removed.
"""
from __future__ import annotations

import argparse
import random
import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from devices.idcard.protocol import READ_REPLY_LEN  # noqa: E402
from devices.idcard.reader import IdCardReader, ReaderListener, ReaderTimings  # noqa: E402
from devices.idcard.sim import PtySimulator, SimReader, load_card_file  # noqa: E402


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


class Clocked(ReaderListener):
    def __init__(self):
        self.card = threading.Event()
        self.removed = threading.Event()
        self.at = 0.0

    def on_card(self, card):
        self.at = time.perf_counter()
        self.card.set()

    def on_removed(self):
        self.at = time.perf_counter()
        self.removed.set()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--placements", type=int, default=30)
    ap.add_argument("--poll", type=float, default=ReaderTimings().poll_interval)
    ap.add_argument("--read-delay", type=float, default=0.0)
    args = ap.parse_args()
    card = load_card_file("resident.json")
    sim = SimReader(None, find_miss_rate=0.2, read_delay=args.read_delay, seed=1)
    listener = Clocked()
    placed, lifted = [], []
    with PtySimulator(sim) as pty:
        reader = IdCardReader(pty.path, listener, ReaderTimings(poll_interval=args.poll))
        reader.start()
        rng = random.Random(2)
        for _ in range(args.placements):
            time.sleep(rng.uniform(0, args.poll))
            listener.card.clear()
            t0 = time.perf_counter()
            sim.place(card)
            if not listener.card.wait(10):
                sys.exit("no on_card within 10 s")
            placed.append(listener.at - t0)
            time.sleep(rng.uniform(0, args.poll))
            listener.removed.clear()
            t0 = time.perf_counter()
            sim.remove()
            if not listener.removed.wait(10):
                sys.exit("no on_removed within 10 s")
            lifted.append(listener.at - t0)
        reader.stop()
    print(f"idcard reader cycle over {args.placements} placements (pty simulator, poll {args.poll:g} s, "
          f"sim read {args.read_delay:g} s, {READ_REPLY_LEN}-byte read reply)")
    for name, values in (("placed -> on_card", placed), ("lifted -> on_removed", lifted)):
        ms = [v * 1000 for v in values]
        print(f"  {name:22s} p50 {pct(ms, 50):7.1f} ms  p95 {pct(ms, 95):7.1f} ms  "
              f"max {max(ms):7.1f} ms  mean {statistics.mean(ms):7.1f} ms")


if __name__ == "__main__":
    main()
