"""The decoder under 10,000 hostile read replies (issue 11): only the driver's own error type
escapes, and every card that decodes is valid by the class-5 rules, re-checked independently
(tests/idcard_fuzz_support.py). Seeded, so a failure names a frame that can be replayed;
tests/bench/bench_idcard_fuzz.py runs 100,000 and prints the rate and the outcomes."""
from __future__ import annotations

import time
from collections import Counter

from tests.idcard_fuzz_support import assert_consistent, frames, iso7064, outcome

FRAMES = 10_000


def test_iso7064_by_its_formula_matches_the_gb11643_example():
    assert iso7064("11010519491231002") == "X"
    assert iso7064("32010219500307999") == "6"  # the sample resident card


def test_ten_thousand_hostile_frames():
    outcomes: Counter = Counter()
    kinds: Counter = Counter()
    started = time.monotonic()
    for i, (kind, frame) in enumerate(frames(seed=11, count=FRAMES)):
        try:
            result, card = outcome(frame)  # a ReaderError comes back as its reason code
        except Exception as exc:
            raise AssertionError(f"frame {i} ({kind}): {type(exc).__name__} escaped the decoder") from exc
        outcomes[result.partition(":")[0]] += 1
        kinds[kind, result == "card"] += 1
        if card is not None:
            assert_consistent(card)
        elif kind == "valid-card":
            raise AssertionError(f"frame {i}: a valid random card was refused: {result}")
    took = time.monotonic() - started
    assert sum(outcomes.values()) == FRAMES and took < 20
    # the fuzz reaches every layer: framing, status words, inner lengths, fields, validation
    for reason in ("bad_header", "bad_length", "truncated", "trailing_garbage", "bad_checksum",
                   "unknown_status", "read_failed", "invalid_card", "unknown_card_type", "card"):
        assert outcomes[reason] > 0, (reason, outcomes)
    assert kinds["hostile-field", True] > 0 and kinds["hostile-field", False] > 0
    assert kinds["bit-flips", True] > 0  # some flips cancel in the XOR checksum and reach the fields
