"""Time and memory to refuse hostile bundles (issue #11), with the default limits.

    .venv/bin/python tests/bench/bench_hostile.py [--all] [--rounds 3]

Builds the issue's named inputs (and a few neighbours) with tests/hostile.py, then checks each
in a fresh process: the time of `check_bundle` itself, the process's peak RSS (Python, pydantic
and SQLAlchemy imports included: compare with the valid bundle's row) and the first problem.
Prints a Markdown table; the best of `--rounds` runs per input.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from content.bundle import Limits  # noqa: E402
from tests.hostile import CASES, small_bundle  # noqa: E402

NAMED = ["pax header of 1 GiB", "GNU long name of 1 GiB", "a million members", "bzip2 named .tar.gz",
         "FIFO as the path", "/dev/zero as the path", "gzip bomb: members under the cap", "gzip bomb after the end marker",
         "truncated gzip", "symlinked manifest", "item nested 100,000 deep", "item int of 5,000 digits", "version '..'"]

# VmHWM, not ru_maxrss: Linux carries ru_maxrss over exec, so a child would report its parent's size
CHILD = """
import json, sys, time
from content.check import check_bundle
started = time.perf_counter()
result = check_bundle(sys.argv[1])
elapsed = time.perf_counter() - started
hwm = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print(json.dumps({"s": elapsed, "rss_kib": hwm, "first": str(result.problems[0]) if result.problems else "ok"}))
"""


def measure(path: Path, rounds: int) -> dict:
    runs = []
    for _ in range(rounds):
        out = subprocess.run([sys.executable, "-c", CHILD, str(path)], cwd=ROOT, capture_output=True, text=True, timeout=120)
        if out.returncode != 0:
            raise SystemExit(f"{path}: {out.stderr[-2000:]}")
        runs.append(json.loads(out.stdout))
    return min(runs, key=lambda r: r["s"])


def size_of(path: Path) -> str:
    if not path.is_file() or path.stat().st_size == 0:
        return "-"
    n = path.stat().st_size
    return f"{n / (1 << 20):.2f} MB" if n >= 100_000 else f"{n / 1000:.1f} kB"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--all", action="store_true", help="every case in tests/hostile.py, not only the named ones")
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    cases = CASES if args.all else [c for c in CASES if c.label in NAMED]
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        small_bundle(tmp / "valid")
        print("| input | file | check | peak RSS | refusal |")
        print("| --- | --- | --- | --- | --- |")
        base = measure(tmp / "valid", args.rounds)
        print(f"| a valid small bundle (baseline) | - | {base['s'] * 1000:.0f} ms | {base['rss_kib'] / 1024:.0f} MB | ok |")
        for i, case in enumerate(cases):
            work = tmp / f"c{i}"
            work.mkdir()
            path = case.build(work, tmp / "valid", Limits().max_total_bytes)
            r = measure(path, args.rounds)
            print(f"| {case.label} | {size_of(path)} | {r['s'] * 1000:.0f} ms | {r['rss_kib'] / 1024:.0f} MB "
                  f"| {r['first'][:90].replace('|', '/')} |", flush=True)


if __name__ == "__main__":
    main()
