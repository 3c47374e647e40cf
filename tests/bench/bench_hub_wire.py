"""The terminal wire's figures (issue #13): what a poll costs the hub and the network.

    python tests/bench/bench_hub_wire.py [--items 2000] [--polls 2000] [--rounds 20] [--seconds 10]

Against REAL `kiosk-hub serve` processes (one worker each, uvicorn with httptools and uvloop as
installed) on a hub in a temp folder: a district > street > centre with a `centre` item and
`--items` guides (put in place in bulk the way publish_revision stores them, then one real
publish.rebuild; publishing 2,000 items one by one is slow and not what is measured here). Prints:

1. `304` answers per second on one worker: `wrk -t1 -c8` with a terminal's token and the current
   ETag -- the plain poll (answered by the ASGI layer in front of FastAPI) and `?wait=0` (the route).
2. The server's RSS with `--polls` long-polls held (`?wait=60`, raw asyncio sockets), and when a
   publish then wakes them all: how long until every one has its answer -- first with
   `A-IM: manifest-delta` (a 226 each, the delta made once), then asking for whole manifests.
3. publish -> long-poll woken, p50/p95 over `--rounds` publishes: SQLite, one process; PostgreSQL
   (when 127.0.0.1:5432 answers), polls held on two processes. The clock starts when the
   publishing transaction has committed (in this process, as another worker would) and stops
   when the poll's answer has arrived.
4. Bytes on the wire, request + response, headers counted: a no-change poll; one changed guide
   in the `--items` centre (the delta with `A-IM: manifest-delta`, then the guide's document as
   a blob) against the guide's size.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import re
import resource
import secrets
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert  # noqa: E402

from content.schemas import dump_item, parse_item  # noqa: E402
from hub import blobstore, db, publish as publishing  # noqa: E402
from tests.hub_support import _admin, _with_db, pg_admin_url  # noqa: E402
from tests.test_hub_wire_support import (centre_doc, enrol, guide_doc, publish, set_up, start_server,  # noqa: E402
                                         stop_server)

CENTRE = "centre-a"


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


# ---- the hub ----

def bulk_guides(engine, settings, count: int) -> None:
    """`count` guides of CENTRE stored as publish_revision stores one, then one rebuild."""
    store = blobstore.BlobStore(settings.blobs_dir)
    now = db.utcnow()
    with engine.begin() as conn:
        for i in range(count):
            item = parse_item(guide_doc(f"g{i:04d}", CENTRE, f"指南{i}", steps=4))
            data = dump_item(item)
            sha = store.put_bytes(data)
            blobstore.record(conn, sha, len(data), publishing.ITEM_MIME, "bench")
            conn.execute(insert(db.items).values(id=item.id, kind="guide", target=CENTRE, revision=1, published_sha256=sha,
                                                 published_at=now, published_by="bench", created_at=now, created_by="bench"))
            conn.execute(insert(db.item_revisions).values(item_id=item.id, revision=1, sha256=sha, size=len(data),
                                                          document=data.decode(), blob_refs=[], target=CENTRE,
                                                          published_at=now, published_by="bench"))
        publishing.rebuild(conn, settings, [CENTRE])


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


# ---- raw HTTP/1.1, to count every byte ----

def request(path: str, token: str, etag: str | None = None, extra: str = "") -> bytes:
    lines = [f"GET {path} HTTP/1.1", "Host: hub.example.org", f"Authorization: Bearer {token}"]
    if etag:
        lines.append(f"If-None-Match: {etag}")
    return ("\r\n".join(lines) + "\r\n" + extra + "\r\n").encode()


def read_response(sock: socket.socket) -> tuple[int, dict, bytes, int]:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("closed")
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    length = int(headers.get("content-length", 0))
    while len(body) < length:
        body += sock.recv(65536)
    return int(lines[0].split()[1]), headers, body, len(head) + 4 + len(body)


def exchange(port: int, raw: bytes) -> tuple[int, dict, bytes, int, int]:
    """(status, headers, body, bytes sent, bytes received) of one request on a new connection."""
    with socket.create_connection(("127.0.0.1", port), timeout=70) as sock:
        sock.sendall(raw)
        status, headers, body, received = read_response(sock)
    return status, headers, body, len(raw), received


# ---- 1. 304/s ----

def wrk(port: int, token: str, etag: str, query: str, seconds: int) -> float:
    out = subprocess.run(["wrk", "-t1", "-c8", f"-d{seconds}s", "-H", f"Authorization: Bearer {token}",
                          "-H", f"If-None-Match: {etag}", f"http://127.0.0.1:{port}/api/v1/manifest{query}"],
                         capture_output=True, text=True, check=True).stdout
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if non2xx:
        raise SystemExit(f"wrk saw {non2xx.group(1)} answers that were not 304:\n{out}")
    return float(re.search(r"Requests/sec:\s+([0-9.]+)", out).group(1))


# ---- 2. held polls ----

async def hold_polls(port: int, token: str, etag: str, count: int, pid: int, publish_all, extra: str) -> dict:
    sem = asyncio.Semaphore(200)
    conns = []

    async def open_one():
        async with sem:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(request("/api/v1/manifest?wait=60", token, etag, extra))
            await writer.drain()
            conns.append((reader, writer))

    before = rss_mb(pid)
    await asyncio.gather(*(open_one() for _ in range(count)))
    await asyncio.sleep(3)  # every request read and held
    held_rss = rss_mb(pid)
    done: list[float] = []

    async def answer(reader):
        line = await reader.readline()
        done.append(time.monotonic())
        return int(line.split()[1])

    waiting = [asyncio.ensure_future(answer(r)) for r, _ in conns]
    await asyncio.sleep(0.5)
    early = sum(t.done() for t in waiting)
    start = await asyncio.to_thread(publish_all)
    statuses = await asyncio.gather(*waiting)
    woken_rss = rss_mb(pid)
    for _, writer in conns:
        writer.close()
    lat = [t - start for t in done]
    return {"before": before, "held": held_rss, "after_wake": woken_rss, "early": early,
            "ok": sum(s in (200, 226) for s in statuses), "p50": percentile(lat, 50), "max": max(lat)}


# ---- 3. publish -> woken ----

def wake_latency(ports: list[int], token: str, publish_one, rounds: int, etag: str) -> list[float]:
    lat: list[float] = []
    for r in range(rounds):
        results: list[tuple[float, dict]] = []
        threads = []
        for port in ports:
            def poll(port=port):
                status, headers, _b, _s, _r = exchange(port, request("/api/v1/manifest?wait=30", token, etag))
                results.append((time.monotonic(), headers))
            threads.append(threading.Thread(target=poll))
            threads[-1].start()
        time.sleep(0.3)
        start = publish_one(r)
        for t in threads:
            t.join(40)
        lat += [at - start for at, _ in results]
        etag = results[0][1]["etag"]
    return lat


def pg_database() -> tuple[str, str] | None:
    admin = pg_admin_url()
    if admin is None:
        return None
    name = f"kiosk_hub_bench_{secrets.token_hex(4)}"
    with _admin(admin) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return admin, name


def drop_pg(admin: str, name: str) -> None:
    with _admin(admin) as conn:
        conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,))
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--items", type=int, default=2000)
    ap.add_argument("--polls", type=int, default=2000)
    ap.add_argument("--rounds", type=int, default=20)
    ap.add_argument("--seconds", type=int, default=10)
    args = ap.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, 4 * args.polls + 1000)), hard))

    tmp = Path(tempfile.mkdtemp(prefix="bench-hub-wire-"))
    settings, engine = set_up(tmp, f"sqlite:///{tmp / 'hub.sqlite'}")
    _, token = enrol(engine, CENTRE)
    publish(engine, settings, centre_doc(CENTRE))
    t0 = time.monotonic()
    bulk_guides(engine, settings, args.items)
    print(f"hub: {args.items} guides + the centre item in {time.monotonic() - t0:.1f} s (bulk, one rebuild)")
    proc, port = start_server(settings, tmp / "serve.log")
    try:
        status, headers, full, sent, received = exchange(port, request("/api/v1/manifest", token))
        assert status == 200
        etag = headers["etag"]
        print(f"manifest: {len(full):,} bytes for {args.items + 1} items")

        # 4a. a no-change poll
        status, _h, _b, sent, received = exchange(port, request("/api/v1/manifest", token, etag))
        assert status == 304
        print(f"no-change poll: {sent} B request + {received} B response = {sent + received} B "
              f"(goal <= 1,024)")

        # 4b. one changed guide
        old = json.loads(full)
        doc = guide_doc("g0007", CENTRE, "指南7（已更新）", steps=4)
        t0 = time.monotonic()
        publish(engine, settings, doc)
        publish_s = time.monotonic() - t0
        time.sleep(0.5)
        status, headers, delta, s1, r1 = exchange(port, request("/api/v1/manifest", token, etag,
                                                                "A-IM: manifest-delta\r\n"))
        assert status == 226, status
        (entry,) = json.loads(delta)["items"]
        status, _h, item, s2, r2 = exchange(port, request(f"/api/v1/blobs/{entry['sha256']}", token))
        assert status == 200 and len(item) == entry["size"]
        from sync import manifest as wire_manifest
        assert wire_manifest.apply_delta(old, json.loads(delta)) is not None
        total = s1 + r1 + s2 + r2
        print(f"one changed guide: delta {s1} + {r1} B, the guide {s2} + {r2} B = {total} B on the wire; "
              f"the guide is {len(item)} B (goal <= 2 x {len(item)} + 2,048 = {2 * len(item) + 2048} B); "
              f"the whole manifest would be {len(full):,} B; publishing it took {publish_s:.2f} s")
        etag = headers["etag"]

        # 1. 304/s
        for query, what in (("", "ASGI layer"), ("?wait=0", "FastAPI route")):
            rate = wrk(port, token, etag, query, args.seconds)
            print(f"304/s on one worker, wrk -t1 -c8 {args.seconds}s, {what}: {rate:,.0f} (goal >= 5,000)")

        # 3a. SQLite, one process
        def publish_one(r):
            publish(engine, settings, guide_doc("g0001", CENTRE, f"指南1 第{r}版"))
            return time.monotonic()

        lat = wake_latency([port], token, publish_one, args.rounds, etag)
        print(f"publish -> woken, SQLite, 1 process: p50 {percentile(lat, 50) * 1000:.0f} ms, "
              f"p95 {percentile(lat, 95) * 1000:.0f} ms, max {max(lat) * 1000:.0f} ms (goal p95 <= 1,000)")
        etag = exchange(port, request("/api/v1/manifest", token))[1]["etag"]

        # 2. held polls
        for n, (extra, what) in enumerate((("A-IM: manifest-delta\r\n", "deltas (226)"), ("", "whole manifests (200)"))):
            def publish_all(n=n):
                publish(engine, settings, guide_doc("g0002", CENTRE, f"指南2（唤醒 {n}）"))
                return time.monotonic()

            held = asyncio.run(hold_polls(port, token, etag, args.polls, proc.pid, publish_all, extra))
            print(f"{args.polls} held long-polls asking for {what}: server RSS {held['before']:.0f} MB before -> "
                  f"{held['held']:.0f} MB held -> {held['after_wake']:.0f} MB after answering (goal <= 200); "
                  f"answered before the publish: {held['early']}; answered {held['ok']}, all of them "
                  f"{held['max'] * 1000:.0f} ms after the commit (p50 {held['p50'] * 1000:.0f} ms)")
            etag = exchange(port, request("/api/v1/manifest", token))[1]["etag"]
    finally:
        stop_server(proc)
        engine.dispose()

    # 3b. PostgreSQL, two processes
    pg = pg_database()
    if pg is None:
        print("publish -> woken, PostgreSQL: skipped (no server at 127.0.0.1:5432)")
        return
    admin, name = pg
    procs = []
    try:
        url = _with_db(admin, name).replace("postgresql://", "postgresql+psycopg://", 1)
        settings, engine = set_up(tmp / "pg", url)
        _, token = enrol(engine, CENTRE)
        publish(engine, settings, centre_doc(CENTRE), *[guide_doc(f"g{i:04d}", CENTRE) for i in range(20)])
        procs = [start_server(settings, tmp / f"serve-pg{i}.log") for i in (1, 2)]
        etag = exchange(procs[0][1], request("/api/v1/manifest", token))[1]["etag"]

        def publish_pg(r):
            publish(engine, settings, guide_doc("g0001", CENTRE, f"指南1 第{r}版"))
            return time.monotonic()

        lat = wake_latency([p for _, p in procs], token, publish_pg, args.rounds, etag)
        print(f"publish -> woken, PostgreSQL, polls on 2 processes: p50 {percentile(lat, 50) * 1000:.0f} ms, "
              f"p95 {percentile(lat, 95) * 1000:.0f} ms, max {max(lat) * 1000:.0f} ms (goal p95 <= 1,000)")
    finally:
        for proc, _ in procs:
            stop_server(proc)
        engine.dispose()
        drop_pg(admin, name)


if __name__ == "__main__":
    main()
