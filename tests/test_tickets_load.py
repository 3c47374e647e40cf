"""The queue service as it runs (a real `kiosk tickets serve`): many kiosks issuing at once, one or
two worker processes on one file, and power cuts (kill -9) while tickets are being issued."""
from __future__ import annotations

import json
import random
import sqlite3
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

import pytest

from tests.bench.tickets_load import HERE as LOADGEN, run_issuers
from tests.tickets_live import start_service
from tests.tickets_support import install_services

ROUNDS = 4


def _numbers_by_service(results: list[dict]) -> dict[str, list[int]]:
    out: dict[str, list[int]] = defaultdict(list)
    for r in results:
        out[r["number"][0]].append(int(r["number"][1:]))
    return out


def _db_rows(data_dir: Path) -> list[tuple]:
    con = sqlite3.connect(data_dir / "tickets.sqlite")
    try:
        return con.execute("SELECT id, number, issued_service, seq, idempotency_key, day FROM tickets "
                           "WHERE transferred_from IS NULL").fetchall()
    finally:
        con.close()


@pytest.mark.parametrize("workers", [1, 2])
def test_eight_issuers_never_share_a_number(tmp_path, workers):
    install_services(tmp_path / "data")
    svc = start_service(tmp_path, workers=workers, demo=False)
    try:
        # a request that fails is sent again with the same key, as a kiosk does (a retry never
        # takes a second number: that is part of what is checked below)
        results, _ = run_issuers(svc.url, svc.token, processes=8, count=200, services=["A", "B", "C"], retries=3)
    finally:
        svc.stop()
    ok = [r for r in results if "number" in r]
    assert len(ok) == 1600, (len(ok), [r for r in results if "number" not in r][:3], svc.log()[-2000:])
    assert len({r["id"] for r in ok}) == 1600
    for code, numbers in _numbers_by_service(ok).items():
        assert sorted(numbers) == list(range(1, len(numbers) + 1)), f"service {code}: gaps or repeats"
    assert len(_db_rows(tmp_path / "data")) == 1600


def test_power_cuts_lose_no_acknowledged_ticket_and_repeat_no_number(tmp_path):
    install_services(tmp_path / "data")
    rng = random.Random(7)
    acked: list[dict] = []
    for round_ in range(ROUNDS):
        svc = start_service(tmp_path, demo=False, token="power-cut-token")
        cmd = [sys.executable, str(LOADGEN), "issue", "--url", svc.url, "--token", svc.token, "--count", "100000",
               "--services", "A,B,C"]
        issuers = [subprocess.Popen(cmd + ["--tag", f"r{round_}p{n}"], stdout=subprocess.PIPE, text=True)
                   for n in range(3)]
        try:
            time.sleep(rng.uniform(0.5, 1.2))
            svc.kill9()  # the power goes while the issuers are mid-request
            for p in issuers:
                out, _ = p.communicate(timeout=120)
                acked += [json.loads(line) for line in out.splitlines() if '"number"' in line]
        finally:
            for p in issuers:
                p.kill()
            svc.stop()
    assert len(acked) > 50, "the issuers got too few tickets in to show anything"
    rows = {r[0]: r for r in _db_rows(tmp_path / "data")}
    for t in acked:  # every ticket a kiosk was told about is on disk, with its number
        assert t["id"] in rows and rows[t["id"]][1] == t["number"], t
    seqs: dict[tuple, list[int]] = defaultdict(list)
    for _id, _number, service, seq, _key, day in rows.values():
        seqs[(day, service)].append(seq)
    for (day, service), got in seqs.items():
        assert sorted(got) == list(range(1, len(got) + 1)), f"{day} {service}: numbers repeat or skip"
    # a kiosk retrying after the cut with the same key gets the same ticket back
    svc = start_service(tmp_path, demo=False, token="power-cut-token")
    try:
        for t in acked[-5:]:
            status, again = svc.request("POST", "/api/tickets", {"service": t["service"],
                                                                  "idempotency_key": t["key"]})
            assert status == 201 and again["id"] == t["id"]
    finally:
        svc.stop()

