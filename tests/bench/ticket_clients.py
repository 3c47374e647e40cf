"""Light clients for the queue benchmarks (tests/bench/bench_tickets.py), loopback only.

`RawIssuer` is a keep-alive HTTP/1.1 client on a bare asyncio stream: it sends a prepared
request and reads the status line, the headers and `Content-Length` bytes -- a few tens of
microseconds of CPU per request, so one process can drive 8 concurrent kiosks without taking
the CPU the service needs (8 `requests` processes take a large share of a 2-core machine).
The service answers these requests exactly as it answers the kiosks' (same route, token,
body and durable commit).

`server_pid(port, sock)` says which process of the service holds the other end of a client's
socket (`--workers 2`: is the display's stream on the process that handled the call?), from
/proc/net/tcp and /proc/PID/fd. `cpu_seconds(pid)` is a process's user+system time so far.
"""
from __future__ import annotations

import asyncio
import json
import os
import time
from pathlib import Path

CLK_TCK = os.sysconf("SC_CLK_TCK")


class RawIssuer:
    """One kiosk's connection: `await issue(service, key)` -> (status, ticket dict, ms)."""

    def __init__(self, host: str, port: int, token: str):
        self.host, self.port, self.token = host, port, token
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def connect(self) -> None:
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)

    def _request(self, service: str, key: str) -> bytes:
        body = json.dumps({"service": service, "idempotency_key": key}).encode()
        head = (f"POST /api/tickets HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
                f"Authorization: Bearer {self.token}\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(body)}\r\n\r\n")
        return head.encode() + body

    async def issue(self, service: str, key: str) -> tuple[int, dict, float]:
        if self.writer is None:
            await self.connect()
        t0 = time.perf_counter()
        self.writer.write(self._request(service, key))
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        length = 0
        for line in lines[1:]:
            name, _, value = line.partition(":")
            if name.lower() == "content-length":
                length = int(value)
        body = await self.reader.readexactly(length)
        ms = (time.perf_counter() - t0) * 1000
        return status, json.loads(body) if body else {}, ms

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            try:
                await self.writer.wait_closed()
            except OSError:
                pass
            self.writer = None


async def closed_loop(host: str, port: int, token: str, issuers: int, count: int, services: list[str],
                      tag: str, connected=None) -> list[dict]:
    """`issuers` connections, each issuing `count` tickets back to back (like tickets_load's issuers).
    All connect first; `connected(local ports)` is called before the first request and may name
    connections to open again (to spread them over the workers), up to 50 rounds."""
    clients = [RawIssuer(host, port, token) for _ in range(issuers)]
    await asyncio.gather(*(c.connect() for c in clients))
    for _ in range(50):
        again = connected([c.writer.get_extra_info("sockname")[1] for c in clients]) if connected else None
        if not again:
            break
        for n in again:
            await clients[n].close()
            await asyncio.sleep(0.02)
            await clients[n].connect()

    async def one(n: int) -> list[dict]:
        c = clients[n]
        out = []
        try:
            for i in range(count):
                key = f"{tag}{n}-{i:06d}"
                t0 = time.time()
                status, body, ms = await c.issue(services[(n + i) % len(services)], key)
                out.append({"key": key, "status": status, "ms": ms, "t0": t0, "t1": time.time(),
                            **({"number": body["number"], "id": body["id"]} if status == 201 else {})})
        finally:
            await c.close()
        return out

    parts = await asyncio.gather(*(one(n) for n in range(issuers)))
    return [r for part in parts for r in part]


async def open_loop(host: str, port: int, token: str, rate: float, count: int, services: list[str], tag: str,
                    connections: int = 8) -> list[dict]:
    """`count` issues at a fixed `rate` (request i is due at start + i/rate), each on a free connection
    of `connections` (kiosks); the latency runs from when the request was due, so a late start
    (no free connection, a busy client) counts against the service, not in its favour."""
    pool: asyncio.Queue = asyncio.Queue()
    for _ in range(connections):
        c = RawIssuer(host, port, token)
        await c.connect()
        pool.put_nowait(c)
    out: list[dict] = []

    async def one(i: int, due: float) -> None:
        c = await pool.get()
        try:
            status, body, _ms = await c.issue(services[i % len(services)], f"{tag}-{i:06d}")
            ms = (time.perf_counter() - due) * 1000
            out.append({"status": status, "ms": ms, **({"number": body["number"]} if status == 201 else {})})
        finally:
            pool.put_nowait(c)

    start = time.perf_counter() + 0.05
    tasks = []
    for i in range(count):
        due = start + i / rate
        if (wait := due - time.perf_counter()) > 0:
            await asyncio.sleep(wait)
        tasks.append(asyncio.create_task(one(i, due)))
    await asyncio.gather(*tasks)
    while not pool.empty():
        await pool.get_nowait().close()
    return out


# ---- which process, how much CPU ------------------------------------------------------------------

def _hexport(port: int) -> str:
    return f"{port:04X}"


def _socket_inode(server_port: int, client_port: int) -> str | None:
    """The inode of the server-side socket (local server_port, remote client_port) on loopback."""
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            f = line.split()
            if f[1].endswith(":" + _hexport(server_port)) and f[2].endswith(":" + _hexport(client_port)):
                return f[9]
    return None


def server_pid(server_port: int, client_port: int, pids: list[int], wait_s: float = 1.0) -> int | None:
    """The process in `pids` holding the server end of the connection from `client_port`; a
    connection can sit in the listening socket's queue a moment before a worker accepts it."""
    deadline = time.monotonic() + wait_s
    while True:
        inode = _socket_inode(server_port, client_port)
        if inode is not None:
            target = f"socket:[{inode}]"
            for pid in pids:
                if target in _socket_links(pid):
                    return pid
        if time.monotonic() > deadline:
            return None
        time.sleep(0.01)


def _socket_links(pid: int) -> set[str]:
    out = set()
    try:
        fds = os.listdir(f"/proc/{pid}/fd")
    except OSError:
        return out
    for fd in fds:
        try:
            out.add(os.readlink(f"/proc/{pid}/fd/{fd}"))
        except OSError:
            continue
    return out


def children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(p) for p in text.split()]


def service_pids(root_pid: int) -> list[int]:
    """The service's process and every descendant (uvicorn's workers, their spawn helpers)."""
    out, todo = [], [root_pid]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo += children(pid)
    return out


def worker_pids(root_pid: int) -> list[int]:
    """The processes that serve HTTP: the root with one worker, else its Python children that
    hold a listening socket's accepted connections (uvicorn's spawned workers)."""
    kids = [p for p in service_pids(root_pid) if p != root_pid and _is_python_worker(p)]
    return kids or [root_pid]


def _is_python_worker(pid: int) -> bool:
    try:
        cmd = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False
    return b"spawn_main" in cmd  # not multiprocessing's resource tracker


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of `pid` (all its threads), 0 when it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def cpu_of(pids: list[int]) -> float:
    return sum(cpu_seconds(p) for p in pids)
