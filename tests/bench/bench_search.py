"""Search latency and version build time over generated guides.

    .venv/bin/python tests/bench/bench_search.py [--guides 5000] [--rounds 10]

Builds a version of N generated guides (tests/synthetic.py), then replays residents typing
queries one keystroke at a time (every prefix of each query is one search through
ContentView.search, the call the search screen makes) and prints p50/p95/max per keystroke.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from content.store import build_version, open_current  # noqa: E402
from tests.synthetic import synthetic_bundle  # noqa: E402

TYPED = ["dbsq", "dibao", "yibao", "ybcb", "医保", "残疾人", "laonianren", "lnr", "juzhuzhengming", "gaoling",
         "临时救助", "jiuye", "低保sq", "tuiyi", "zhuanyi", "yhz", "shehui", "gongjijin"]


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--guides", type=int, default=5000)
    ap.add_argument("--rounds", type=int, default=10)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        t = time.perf_counter()
        synthetic_bundle(tmp / "bundle", args.guides)
        gen_s = time.perf_counter() - t
        t = time.perf_counter()
        build_version(tmp / "bundle", tmp / "data")
        build_s = time.perf_counter() - t
        t = time.perf_counter()
        view = open_current(tmp / "data")
        view.search("x")  # loads the index and the guide list (done once per version)
        load_s = time.perf_counter() - t
        samples = []
        for _ in range(args.rounds):
            for word in TYPED:
                for i in range(1, len(word) + 1):
                    t = time.perf_counter()
                    view.search(word[:i], limit=50)
                    samples.append((time.perf_counter() - t) * 1000)
    print(f"guides: {args.guides}")
    print(f"bundle generation: {gen_s:.2f} s (not part of a build)")
    print(f"version build (check + blobs + sqlite + pinyin index): {build_s:.2f} s")
    print(f"first search after opening the version (index load): {load_s * 1000:.0f} ms")
    print(f"keystrokes: {len(samples)}  p50 {statistics.median(samples):.2f} ms  p95 {pct(samples, 95):.2f} ms  "
          f"max {max(samples):.2f} ms")


if __name__ == "__main__":
    main()
