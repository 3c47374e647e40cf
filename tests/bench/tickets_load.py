"""Load for the queue service over real HTTP: N issuer processes, each issuing tickets.

Used by tests/test_tickets_load.py (correctness: unique, contiguous numbers) and as the
benchmark (`python tests/bench/tickets_load.py bench --url ... --token ...`: issues per second
with 8 concurrent issuers, latency at a fixed rate). Each issuer is its own process (its own
interpreter and connection), as kiosks are.

    python tests/bench/tickets_load.py issue --url URL --token T --count 200 --services A,B --tag p1
prints one JSON line per acknowledged ticket: {"key", "id", "number", "service", "ms"}.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import requests

HERE = Path(__file__).resolve()


def issue(url: str, token: str, count: int, services: list[str], tag: str, rate: float = 0.0,
          retries: int = 0) -> None:
    """Issue `count` tickets, one JSON line each; with `retries`, a failed request is sent again with
    the same idempotency key (what a kiosk does after a timeout) until acknowledged or out of retries.
    A connection that fails with no retries left ends the issuer (the service is gone)."""
    s = requests.Session()
    s.headers["Authorization"] = f"Bearer {token}"
    start = time.perf_counter()
    for i in range(count):
        if rate:
            due = start + i / rate
            if (wait := due - time.perf_counter()) > 0:
                time.sleep(wait)
        key = f"{tag}-{i:06d}"
        body = {"service": services[i % len(services)], "idempotency_key": key}
        for attempt in range(retries + 1):
            t0, t0_wall = time.perf_counter(), time.time()
            try:
                r = s.post(f"{url}/api/tickets", json=body, timeout=10)
            except requests.RequestException:
                if attempt < retries:
                    time.sleep(0.2)
                    continue
                return
            ms = (time.perf_counter() - t0) * 1000
            if r.status_code == 201:
                t = r.json()
                print(json.dumps({"key": key, "id": t["id"], "number": t["number"], "service": t["service"],
                                  "ms": round(ms, 3), "t0": t0_wall, "t1": time.time()}), flush=True)
                break
            print(json.dumps({"key": key, "status": r.status_code, "error": r.text[:200]}), flush=True)
            break


def run_issuers(url: str, token: str, processes: int, count: int, services: list[str], rate: float = 0.0,
                retries: int = 0, tag: str = "p") -> tuple[list[dict], float]:
    """Start `processes` issuers at once; returns (every result line, wall seconds)."""
    cmd = [sys.executable, str(HERE), "issue", "--url", url, "--token", token, "--count", str(count),
           "--services", ",".join(services), "--rate", str(rate), "--retries", str(retries)]
    t0 = time.perf_counter()
    procs = [subprocess.Popen(cmd + ["--tag", f"{tag}{n}"], stdout=subprocess.PIPE, text=True)
             for n in range(processes)]
    out = []
    for p in procs:
        stdout, _ = p.communicate(timeout=600)
        out += [json.loads(line) for line in stdout.splitlines() if line.strip()]
    return out, time.perf_counter() - t0


def throughput(results: list[dict]) -> float:
    """Acknowledged tickets per second from the first request sent to the last answer received
    (the issuers' own start-up is not counted)."""
    ok = [r for r in results if "number" in r]
    if len(ok) < 2:
        return float("nan")
    return len(ok) / (max(r["t1"] for r in ok) - min(r["t0"] for r in ok))


def percentile(values: list[float], p: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(p / 100 * len(s)))] if s else float("nan")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["issue"])
    ap.add_argument("--url", required=True)
    ap.add_argument("--token", required=True)
    ap.add_argument("--count", type=int, default=200)
    ap.add_argument("--services", default="A")
    ap.add_argument("--tag", default="p")
    ap.add_argument("--rate", type=float, default=0.0, help="requests per second per issuer (0 = as fast as possible)")
    ap.add_argument("--retries", type=int, default=0)
    a = ap.parse_args(argv)
    issue(a.url, a.token, a.count, a.services.split(","), a.tag, a.rate, a.retries)
    return 0


if __name__ == "__main__":
    sys.exit(main())
