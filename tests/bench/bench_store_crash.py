"""Soak: kill -9 content builds at random moments, many rounds; the store must stay consistent.

    .venv/bin/python tests/bench/bench_store_crash.py [--kills 100] [--guides 1000] [--blobs 20]

Each round starts `python -m content.build bundle` (the next of three bundles, each with its own
256 KiB blobs) and kills it after a random moment of one whole build's time, until --kills builds
were killed (a build that finishes first shortens the later moments); after every round
the current version must open and every blob it lists must hash to its name; a last build must
leave no temporary file or folder. Prints the counts; it fails (AssertionError) on any breakage.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.store_crash import crash_bundles, crash_rounds  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--kills", type=int, default=100, help="builds to kill (finished ones come on top)")
    parser.add_argument("--guides", type=int, default=1000)
    parser.add_argument("--blobs", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kiosk-crash-") as tmp:
        bundles = crash_bundles(Path(tmp), 3, args.guides, args.blobs)
        started = time.monotonic()
        result = crash_rounds(bundles, Path(tmp) / "data", args.kills, args.seed)
        rounds = result["killed"] + result["finished"]
        print(f"{rounds} rounds in {time.monotonic() - started:.0f} s: one build {result['build_s']} s, "
              f"{result['killed']} killed, {result['finished']} finished; leftovers after the next build: "
              f"{result['leftovers'] or 'none'}; kept {result['kept']}")
        assert not result["leftovers"]


if __name__ == "__main__":
    main()
