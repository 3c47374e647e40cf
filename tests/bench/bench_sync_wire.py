"""The terminal's content pull (issue #15): bytes on the wire and publish -> `current` switched.

    python tests/bench/bench_sync_wire.py [--items 2000] [--rounds 5]

A REAL `kiosk-hub serve` (one worker, SQLite) in a temp folder with one centre of `--items`
guides (put in place in bulk as bench_hub_wire.py does), a terminal data dir with its identity,
and the real `sync.pull.pull_once` going through a counting proxy (tests/sync_pull_support.py;
the figures are response BODY bytes, headers not counted). Prints:

1. a first full sync: manifest + every document, the build, and the time;
2. a no-change poll (304);
3. one changed guide: the delta (226) + the guide's document, and the time to `current`;
4. publish -> `current` switched with a terminal long-polling (`pull_once(wait=30)` in a loop, as
   `kiosk sync run` does): p50/p95 over `--rounds` publishes; the clock starts when the publishing
   transaction has committed and stops when `current` names the new version.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from content.store import current_version  # noqa: E402
from hub import keys  # noqa: E402
from sync import identity  # noqa: E402
from sync.pull import pull_once  # noqa: E402
from tests.bench.bench_hub_wire import CENTRE, bulk_guides, percentile  # noqa: E402
from tests.sync_pull_support import Proxy  # noqa: E402
from tests.test_hub_wire_support import centre_doc, enrol, guide_doc, publish, set_up, start_server, stop_server  # noqa: E402


def body_bytes(proxy: Proxy, since: int) -> tuple[int, list[tuple[str, int, int]]]:
    answers = proxy.answers[since:]
    return sum(size for _p, _s, size in answers), answers


def _rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _children(pid: int) -> list[int]:
    try:
        return [int(c) for t in Path(f"/proc/{pid}/task").iterdir()
                for c in (t / "children").read_text().split()]
    except OSError:
        return []


def sync_memory(data: Path) -> tuple[int, int, int]:
    """Peak RSS (MB) of `kiosk sync once` on an empty data dir, of its build child, and of the two
    together, sampled from /proc every 20 ms."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KIOSK_")}
    env["PYTHONPATH"], env["KIOSK_CONFIG"] = str(ROOT), str(data.parent / "empty.toml")
    (data.parent / "empty.toml").write_text("")
    proc = subprocess.Popen([sys.executable, "-m", "kiosk.cli", "sync", "once", "--data-dir", str(data)],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    client = build = both = 0
    while proc.poll() is None:
        own = _rss_kb(proc.pid)
        kids = sum(_rss_kb(c) for c in _children(proc.pid))
        client, build, both = max(client, own), max(build, kids), max(both, own + kids)
        time.sleep(0.02)
    assert proc.returncode == 0, proc.stderr.read().decode()
    return client >> 10, build >> 10, both >> 10


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--items", type=int, default=2000)
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-sync-wire-"))
    settings, engine = set_up(tmp, f"sqlite:///{tmp / 'hub.sqlite'}")
    terminal_id, token = enrol(engine, CENTRE)
    publish(engine, settings, centre_doc(CENTRE))
    bulk_guides(engine, settings, args.items)
    proc, port = start_server(settings, tmp / "serve.log")
    data = tmp / "terminal"
    try:
        with Proxy(f"http://127.0.0.1:{port}") as proxy:
            identity.save(data, identity.Identity(terminal_id=terminal_id, token=token, hub_url=proxy.url,
                                                  hub_public_key=keys.chain(engine)[-1][0], name="bench"))
            t0 = time.monotonic()
            outcome = pull_once(data)
            took = time.monotonic() - t0
            total, answers = body_bytes(proxy, 0)
            print(f"first full sync: {len(answers)} requests, {total:,} body bytes ({len(outcome.fetched)} files), "
                  f"{took:.1f} s to current {outcome.version}")

            seen = len(proxy.answers)
            assert pull_once(data).status == "unchanged"
            total, answers = body_bytes(proxy, seen)
            print(f"no-change poll: {[s for _p, s, _n in answers]} {total} body bytes")

            seen = len(proxy.answers)
            doc = guide_doc("g0007", CENTRE, "指南7（已更新）", steps=4)
            publish(engine, settings, doc)
            t0 = time.monotonic()
            outcome = pull_once(data, wait=10)
            took = time.monotonic() - t0
            total, answers = body_bytes(proxy, seen)
            print(f"one changed guide: {[(p.split('?')[0][8:20], s, n) for p, s, n in answers]} = {total:,} body "
                  f"bytes; {took:.1f} s to current")

            stop = threading.Event()
            errors: list[str] = []

            def follow():
                while not stop.is_set():
                    try:
                        pull_once(data, wait=30)
                    except Exception as exc:  # noqa: BLE001  (a bench: report and go on)
                        errors.append(str(exc))
                        time.sleep(0.5)

            poller = threading.Thread(target=follow, daemon=True)
            poller.start()
            time.sleep(1.0)
            waits = []
            for r in range(args.rounds):
                before = current_version(data)
                publish(engine, settings, guide_doc(f"g{r + 10:04d}", CENTRE, f"指南{r}（第{r}次）", steps=4))
                t0 = time.monotonic()
                while current_version(data) == before and time.monotonic() - t0 < 120:
                    time.sleep(0.01)
                waits.append(time.monotonic() - t0)
                time.sleep(0.5)
            stop.set()
            print(f"publish -> current switched ({args.rounds} publishes): p50 {percentile(waits, 50):.2f} s, "
                  f"p95 {percentile(waits, 95):.2f} s, max {max(waits):.2f} s; errors: {errors or 'none'}")
            fresh = tmp / "terminal-2"
            identity.save(fresh, identity.load(data))
            client, build, both = sync_memory(fresh)
            print(f"memory of a first full sync (`kiosk sync once`): client peak RSS {client} MB, its build "
                  f"child's {build} MB, both together at most {both} MB")
    finally:
        stop_server(proc)


if __name__ == "__main__":
    main()
