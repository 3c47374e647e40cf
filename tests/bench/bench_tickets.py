"""The queue service's figures (issue 12), against a REAL `kiosk tickets serve` over HTTP.

    python tests/bench/bench_tickets.py throughput [--workers 1] [--issuers 8] [--count 350]
                                                   [--client raw|procs] [--runs 3]
    python tests/bench/bench_tickets.py latency [--workers 1] [--rate 50] [--count 1000] [--client raw|procs]
    python tests/bench/bench_tickets.py call [--workers 1] [--calls 150] [--streams 4]

Every run starts its own service (tests/tickets_live.start_service) on a free loopback port with
fresh data (tests/tickets_support.install_services: services A, B, C always open, 999 numbers a
day each -- so one run issues at most 2,997 tickets), durable as in production (WAL,
synchronous=FULL: a 201 means fsynced), and stops it at the end.

* throughput: `--issuers` kiosks issue `--count` tickets each, back to back, over keep-alive
  connections; issues/s from the first request sent to the last answer. `--client procs` runs
  tests/bench/tickets_load.py (one `requests` process per issuer, as the load test does);
  `--client raw` one process of bare asyncio connections (tests/bench/ticket_clients.py), which
  leaves the CPU to the service. The CPU seconds the service and the client used are printed
  with the figure: on 2 cores they say whether the client competes with the service. With
  `--workers 2` the connections per worker are printed (the kernel often hands all of a burst
  of connections to one worker); `--spread` reconnects until each worker has its share.
* latency: `--count` issues at a fixed `--rate` (open loop: request i is due at start + i/rate,
  on a free one of 8 connections, timed from when it was due); p50/p95/p99/max.
* call: a counter (signed in, bearer session) calls the next number of service A every 50-250 ms
  (random, so the call falls anywhere in the other worker's poll period) while `--streams`
  displays follow `GET /api/events` with the display's own client (tickets.client.EventStream);
  the time from sending POST /api/counters/1号窗口/call-next to each stream's `call` event for the
  number called. With `--workers 2` each sample is marked by whether the stream's server process
  is the one that handled the call (found through /proc), and reported apart.

Check `uptime` first: figures taken with a load average above ~1.5 (other people's tests) are
printed with it and should be recorded as such. Never an assertion anywhere.
"""
from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import os
import random
import resource
import statistics
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.bench import ticket_clients as tc  # noqa: E402
from tests.bench.tickets_load import percentile, run_issuers, throughput  # noqa: E402
from tests.tickets_live import start_service  # noqa: E402
from tests.tickets_support import install_services  # noqa: E402

SERVICES = ["A", "B", "C"]
PER_SERVICE_LIMIT = 999


def load() -> str:
    return " ".join(f"{v:.2f}" for v in os.getloadavg())


def summary(ms: list[float]) -> str:
    if not ms:
        return "no samples"
    return (f"p50 {statistics.median(ms):6.1f} ms  p95 {percentile(ms, 95):6.1f} ms  "
            f"p99 {percentile(ms, 99):6.1f} ms  max {max(ms):6.1f} ms  (n={len(ms)})")


class Service:
    """A fresh `kiosk tickets serve` with the test services, in a temp dir removed at the end."""

    def __init__(self, workers: int):
        self.tmp = tempfile.TemporaryDirectory(prefix="bench-tickets-")
        install_services(Path(self.tmp.name) / "data", limit=PER_SERVICE_LIMIT)
        self.svc = start_service(Path(self.tmp.name), workers=workers, demo=False)
        self.port = int(self.svc.url.rsplit(":", 1)[1])
        self.pids = tc.service_pids(self.svc.proc.pid)
        self.workers = tc.worker_pids(self.svc.proc.pid)
        self.placement = "?"

    def __enter__(self) -> "Service":
        return self

    def __exit__(self, *exc) -> None:
        self.svc.stop()
        self.tmp.cleanup()

    def cpu(self) -> float:
        return tc.cpu_of(self.pids)

    def note_placement(self, client_ports: list[int], spread: bool = False) -> list[int]:
        """Note how the kernel spread the connections over the workers ('5+3'); with `spread`,
        the connections to open again so that every worker gets its share."""
        pids = [tc.server_pid(self.port, p, self.workers) for p in client_ports]
        self.placement = "+".join(str(pids.count(w)) for w in self.workers)
        if not spread or len(self.workers) < 2:
            return []
        share = -(-len(pids) // len(self.workers))
        return [i for i, pid in enumerate(pids) if pids[:i + 1].count(pid) > share or pid is None][:1]


# ---- (a) throughput --------------------------------------------------------------------------------

def run_throughput(args) -> None:
    if args.issuers * args.count > PER_SERVICE_LIMIT * len(SERVICES):
        raise SystemExit(f"--issuers x --count is at most {PER_SERVICE_LIMIT * len(SERVICES)} "
                         "(the services' daily limits)")
    for run in range(args.runs):
        with Service(args.workers) as s:
            cpu0, kids0, wall0 = s.cpu(), _children_cpu(), time.perf_counter()
            self_cpu0 = time.process_time()
            if args.client == "procs":
                results, _wall = run_issuers(s.svc.url, s.svc.token, args.issuers, args.count, SERVICES, tag=f"r{run}p")
            else:
                results = asyncio.run(tc.closed_loop("127.0.0.1", s.port, s.svc.token, args.issuers, args.count,
                                                     SERVICES, tag=f"r{run}p",
                                                     connected=lambda ports: s.note_placement(ports, args.spread)))
            wall = time.perf_counter() - wall0
            server_cpu = s.cpu() - cpu0
            client_cpu = (_children_cpu() - kids0) if args.client == "procs" else time.process_time() - self_cpu0
        ok = [r for r in results if "number" in r]
        bad = len(results) - len(ok)
        spread = f" (connections per worker {s.placement})" if args.workers > 1 and args.client == "raw" else ""
        print(f"throughput workers={args.workers}{spread} issuers={args.issuers} client={args.client} run {run + 1}: "
              f"{throughput(results):7.0f} issues/s ({len(ok)} ok{f', {bad} refused/failed' if bad else ''}); "
              f"latency {summary([r['ms'] for r in ok])}; CPU over {wall:.2f} s wall: service {server_cpu:.2f} s, "
              f"client {client_cpu:.2f} s; load {load()}", flush=True)


def _children_cpu() -> float:
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


# ---- (b) latency at a fixed rate -------------------------------------------------------------------

def run_latency(args) -> None:
    if args.count > PER_SERVICE_LIMIT * len(SERVICES):
        raise SystemExit(f"--count is at most {PER_SERVICE_LIMIT * len(SERVICES)}")
    with Service(args.workers) as s:
        if args.client == "procs":  # 8 requests processes, each at rate/8
            per = max(1, args.count // 8)
            results, _ = run_issuers(s.svc.url, s.svc.token, 8, per, SERVICES, rate=args.rate / 8, tag="lat")
        else:
            results = asyncio.run(tc.open_loop("127.0.0.1", s.port, s.svc.token, args.rate, args.count, SERVICES,
                                               "lat"))
    ok = [r["ms"] for r in results if "number" in r]
    print(f"latency workers={args.workers} rate={args.rate:g}/s client={args.client}: {summary(ok)}"
          f"{'' if len(ok) == len(results) else f' ({len(results) - len(ok)} refused/failed)'}; load {load()}")


# ---- (c) call -> display event ---------------------------------------------------------------------

class Display:
    """One display's event stream (the display's own client); `calls[number]` = perf_counter at arrival."""

    def __init__(self, url: str):
        from tickets.client import EventStream

        self.calls: dict[str, float] = {}
        self.connected = threading.Event()
        self.stream = EventStream(url, self._event, lambda up: up and self.connected.set())

    def _event(self, event) -> None:
        if event.type == "call" and not event.data.get("recall"):
            self.calls.setdefault(event.data["number"], time.perf_counter())

    def client_port(self) -> int | None:
        """The local port of the stream's connection (to find the server process holding it)."""
        resp = self.stream._response
        try:
            return resp.raw._connection.sock.getsockname()[1]
        except AttributeError:
            return None


def run_call(args) -> None:
    with Service(args.workers) as s:
        s.svc.add_user("bench", "bench-password-1")
        session = _login_token(s.port)
        for _ in range(args.calls + 5):
            s.svc.issue("A")
        displays, where = [], {}
        # with several workers, streams on every one of them (the kernel spreads connections unevenly)
        while len(displays) < args.streams or (set(s.workers) - set(where.values()) and len(displays) < 16):
            d = Display(s.svc.url)
            d.stream.start()
            assert d.connected.wait(10), "a display did not connect"
            displays.append(d)
            where[id(d)] = tc.server_pid(s.port, d.client_port() or 0, s.workers)
        counter = http.client.HTTPConnection("127.0.0.1", s.port, timeout=10)
        path = "/api/counters/" + urllib.parse.quote("1号窗口") + "/call-next"
        same, other, unknown = [], [], []
        rng = random.Random(12)
        handled_by, counter_port = None, None
        for _ in range(args.calls):
            time.sleep(rng.uniform(0.05, 0.25))
            t0 = time.perf_counter()
            counter.request("POST", path, body=b"{}", headers={"Authorization": f"Bearer {session}",
                                                                 "Content-Type": "application/json"})
            resp = counter.getresponse()
            body = json.loads(resp.read())
            assert resp.status == 200 and body["ticket"], body
            if counter.sock.getsockname()[1] != counter_port:  # (re)connected: which process has it now
                counter_port = counter.sock.getsockname()[1]
                handled_by = tc.server_pid(s.port, counter_port, s.workers)
            number = body["ticket"]["number"]
            deadline = time.monotonic() + 5
            while not all(number in d.calls for d in displays) and time.monotonic() < deadline:
                time.sleep(0.001)
            for d in displays:
                if number not in d.calls:
                    print(f"  call {number}: a display never saw it within 5 s")
                    continue
                ms = (d.calls[number] - t0) * 1000
                pid = where[id(d)]
                (unknown if pid is None or handled_by is None else same if pid == handled_by else other).append(ms)
        counter.close()
        for d in displays:
            d.stream.stop()
    print(f"call -> display event, workers={args.workers}, {args.calls} calls x {len(displays)} streams:")
    if args.workers == 1:
        print(f"  {summary(same + other + unknown)}; load {load()}")
        return
    placed = [where[id(d)] == handled_by for d in displays]
    print(f"  streams on the calling process: {sum(placed)}, on the other: {len(placed) - sum(placed)}")
    for name, ms in (("same process", same), ("other process (polls the events table)", other),
                     ("process unknown", unknown)):
        if ms:
            print(f"  {name}: {summary(ms)}")
    print(f"  load {load()}")


def _login_token(port: int) -> str:
    """Sign in as the bench counter user; the session token (a cookie) doubles as a bearer."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("POST", "/api/login", body=json.dumps({"user": "bench", "password": "bench-password-1"}),
                 headers={"Content-Type": "application/json"})
    resp = conn.getresponse()
    resp.read()
    cookie = resp.getheader("set-cookie") or ""
    conn.close()
    return cookie.split(";", 1)[0].split("=", 1)[1]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("mode", choices=["throughput", "latency", "call"])
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--issuers", type=int, default=8)
    ap.add_argument("--count", type=int, default=None, help="throughput: per issuer (350); latency: in all (1000)")
    ap.add_argument("--client", choices=["raw", "procs"], default="raw")
    ap.add_argument("--rate", type=float, default=50.0)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--spread", action="store_true",
                    help="throughput, raw client: reconnect until every worker has its share of the connections")
    ap.add_argument("--calls", type=int, default=150)
    ap.add_argument("--streams", type=int, default=4)
    args = ap.parse_args(argv)
    print(f"load average before: {load()} (2 CPUs; above ~1.5 the machine is busy with other work)", flush=True)
    if args.mode == "throughput":
        args.count = args.count or 350
        run_throughput(args)
    elif args.mode == "latency":
        args.count = args.count or 1000
        run_latency(args)
    else:
        run_call(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
