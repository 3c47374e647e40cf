"""Decoder fuzz: hostile read replies through the driver's read path and decode_card.

    .venv/bin/python tests/bench/bench_idcard_fuzz.py [--frames 100000] [--seed 11]

The frames and the checks are those of tests/test_idcard_fuzz.py (tests/idcard_fuzz_support.py),
100,000 by default: every frame goes through ReaderLink.read_base on an in-memory transport
(read_frame, parse_reply, status word, split_base_info) and decode_card; only ReaderError may
come out, and every card that decodes is re-checked by the independent class-5 rules. Prints
frames/s (one core) and how many frames ended in each outcome, by the kind of frame.
"""
from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.idcard_fuzz_support import assert_consistent, frames, outcome  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--frames", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=11)
    args = ap.parse_args()
    batch = list(frames(args.seed, args.frames))  # generated first: the rate is the decoder's
    outcomes: Counter = Counter()
    by_kind: Counter = Counter()
    accepted = 0
    started = time.perf_counter()
    for i, (kind, frame) in enumerate(batch):
        try:
            result, card = outcome(frame)
        except Exception as exc:
            sys.exit(f"frame {i} ({kind}): {type(exc).__name__} escaped the decoder")
        if card is not None:
            assert_consistent(card)
            accepted += 1
        outcomes[result] += 1
        by_kind[kind, "card" if card is not None else "refused"] += 1
    took = time.perf_counter() - started
    size = sum(len(f) for _, f in batch)
    print(f"idcard decoder fuzz: {args.frames} frames ({size / 1e6:.1f} MB), seed {args.seed}: "
          f"{args.frames / took:,.0f} frames/s ({took:.2f} s incl. the independent check of {accepted} cards)")
    print("  outcomes:")
    for result, count in outcomes.most_common():
        print(f"    {result:28s} {count:7d}")
    print("  by kind of frame (decoded / refused):")
    for kind in sorted({k for k, _ in by_kind}):
        print(f"    {kind:24s} {by_kind[kind, 'card']:7d} / {by_kind[kind, 'refused']:7d}")


if __name__ == "__main__":
    main()
