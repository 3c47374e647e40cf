"""Issue #15 end to end with real processes and the real app: `kiosk-hub serve` (the demo centre
imported), `kiosk sync run` on an enrolled terminal's data dir, and the KioskApp offscreen on that
data dir with its content watcher on the Kivy clock. A staff member publishes through the hub's
HTTP API: an urgent notice becomes the banner; an edited guide is shown at home; then, with the
hub stopped, an item past its expiry (by the terminal's own clock) is gone.

The seconds from publish to banner are printed (timings are figures, not assertions here; see
docs/benchmarks.md)."""
from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time

import pytest

from content.store import current_version, open_current
from tests.shell_support import settings
from tests.sync_pull_support import edit_and_publish_a_guide, enrolled_demo_terminal, staff
from tests.test_hub_serve import hub_server  # noqa: F401  (a fixture)
from tests.test_sync_live import ROOT, database_url, kiosk  # noqa: F401  (a fixture)

pytestmark = pytest.mark.ui
ZONE = dt.timezone(dt.timedelta(hours=8))


def _sync_run(tmp_path, data):
    env = {k: v for k, v in os.environ.items() if not k.startswith("KIOSK_")}
    env["PYTHONPATH"] = str(ROOT)
    (tmp_path / "kiosk.toml").write_text("")
    env["KIOSK_CONFIG"] = str(tmp_path / "kiosk.toml")
    log = open(tmp_path / "run.log", "w")  # noqa: SIM115  (closed by the caller)
    proc = subprocess.Popen([sys.executable, "-m", "kiosk.cli", "sync", "run", "--data-dir", str(data)],
                            env=env, stdout=log, stderr=subprocess.STDOUT)
    return proc, log


def _notice(item_id: str, title: str, level: str, expire_at: dt.datetime | None = None, sort: int = 0) -> dict:
    doc = {"id": item_id, "kind": "notice", "title": title, "target": "demo-centre", "level": level,
           "sort": sort, "blocks": [{"type": "paragraph", "text": title}]}
    if expire_at is not None:
        doc["expire_at"] = expire_at.isoformat()
    return doc


def _publish(url: str, admin: str, doc: dict) -> None:
    staff(url, admin, "POST", "/api/staff/items", doc)
    staff(url, admin, "POST", f"/api/staff/items/{doc['id']}/publish", {})


def test_publish_urgent_edit_and_offline_expiry_reach_the_screen(hub_server, database_url, tmp_path, ui):  # noqa: F811
    url, admin = hub_server
    data = enrolled_demo_terminal(tmp_path, database_url, url)
    out = kiosk("sync", "once", data_dir=data)
    assert out.returncode == 0 and current_version(data), out.stderr
    offset = [dt.timedelta(0)]  # the terminal's clock, moved forward below

    def now() -> dt.datetime:
        return dt.datetime.now(ZONE) + offset[0]

    h = ui(settings(data_dir=data), open_current(data), size=(800, 480), now=now)
    proc, log = _sync_run(tmp_path, data)
    try:
        time.sleep(1.5)  # the loop holds its long-poll now
        before = len(h.app.view.urgent_notices(h.app.now()))  # the demo centre has urgent notices of its own
        banner = h.root.banner
        started = time.monotonic()
        _publish(url, admin, _notice("notice-e2e-urgent", "今晚22点起全区停水", "urgent", sort=-1))
        assert h.wait_for(lambda: banner.active and banner.ids.title.text == "今晚22点起全区停水"
                          and str(before + 1) in banner.more, timeout=60), (tmp_path / "run.log").read_text()
        print(f"\npublish -> urgent banner on the screen: {time.monotonic() - started:.2f} s")

        _, title = edit_and_publish_a_guide(url, admin, "（端到端）")
        assert h.wait_for(lambda: any(g.title == title for g in h.app.view.guides()), timeout=60), \
            (tmp_path / "run.log").read_text()

        _publish(url, admin, _notice("notice-e2e-expiring", "本周社区活动安排", "normal",
                                     now() + dt.timedelta(minutes=30)))
        assert h.wait_for(lambda: _shown(h, "notice-e2e-expiring", now()), timeout=60), \
            (tmp_path / "run.log").read_text()
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(15)
        finally:
            log.close()
    # the hub stops; the terminal's clock passes the expiry: gone, by the terminal alone
    os.killpg(_hub_pid(url), signal.SIGTERM)
    offset[0] = dt.timedelta(minutes=31)
    h.app.watcher.tick(0)
    h.frames(2)
    assert not _shown(h, "notice-e2e-expiring", h.app.now())
    assert _shown(h, "notice-e2e-urgent", h.app.now()) and h.root.banner.active


def _shown(h, item_id: str, when: dt.datetime) -> bool:
    return any(n.id == item_id for n in h.app.view.items("notice", when))


def _hub_pid(url: str) -> int:
    """The `kiosk-hub serve` process listening on the URL's port (its fixture started it in a session
    of its own: the pid is the process group)."""
    port = url.rsplit(":", 1)[1]
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                args = open(f"/proc/{entry}/cmdline", "rb").read().split(b"\0")  # noqa: SIM115
            except OSError:
                continue
            if b"serve" in args and port.encode() in args:
                return int(entry)
    raise AssertionError(f"no kiosk-hub serve on port {port}")
