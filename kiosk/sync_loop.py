"""`kiosk sync run`: the terminal's sync service (systemd/kiosk-sync.service).

Not enrolled yet (no identity.json: a freshly installed terminal, enrolled later with `kiosk
enroll` or from the maintenance screen), it says READY with a STATUS line, logs once how to enrol,
and looks for the identity every ENROL_POLL_S seconds (pinging the watchdog meanwhile); once it
is there the loop below starts, in the same process. A damaged or unreadable identity is an
IdentityError at once: a restart would not fix it (`kiosk sync run` exits 2).

Then forever, until SIGTERM / SIGINT:
- a heartbeat (sync.health.report_once) every `heartbeat_s` seconds (HEARTBEAT_S, 60);
- between heartbeats, a content pull that long-polls the manifest (`wait` up to LONG_POLL_S, 55,
  and never past the next heartbeat), so a publish reaches the terminal within about a second;
- after a failure (hub down, 5xx, a rejected manifest, disk full) the next pull waits for
  sync.backoff (full jitter, 2 s doubling to 5 min, at least the hub's Retry-After);
- `READY=1` once started and `WATCHDOG=1` after each round to systemd when it listens
  (kiosk.watchdog.notify; a no-op otherwise).

SIGTERM during a long-poll (or a pull that follows one) ends the process at once: a download's
part file resumes next time, a build already started finishes in its child (which switches
`current` atomically or not at all). Otherwise the loop ends after the current file.
"""
from __future__ import annotations

import logging
import signal
import threading
import time
from pathlib import Path

from kiosk.watchdog import notify
from sync import identity as identity_file
from sync.backoff import Backoff
from sync.health import ReportFailed, report_once
from sync.http import HubProblem
from sync.pull import PullFailed, PullRejected, pull_once

log = logging.getLogger(__name__)

HEARTBEAT_S = 60.0
LONG_POLL_S = 55.0
ENROL_POLL_S = 2.0  # a stat of identity.json: cheap; enrolment from the screen is seen at once


class _Stopped(BaseException):  # not an Exception: no library's `except Exception` swallows it
    pass


class Loop:
    def __init__(self, data_dir: Path, devices, heartbeat_s: float = HEARTBEAT_S, clock=time.monotonic,
                 notify=notify):
        self.data_dir, self.devices, self.heartbeat_s, self.clock = Path(data_dir), devices, heartbeat_s, clock
        self.notify = notify  # sd_notify; a no-op as a thread of the app (the app's pings are its own)
        self.stop = threading.Event()
        self.backoff = Backoff(clock=clock)
        self.next_heartbeat = 0.0
        self._interruptible = False

    def on_signal(self, signum, _frame) -> None:
        log.info("signal %d: stopping", signum)
        self.stop.set()
        if self._interruptible:  # a held long-poll: nothing to lose
            raise _Stopped()

    def heartbeat(self) -> None:
        try:
            report = report_once(self.data_dir, self.devices, screenshot_wait_s=0.0)
            log.info("heartbeat ok; hub's latest version: %s", report.reply.latest_version)
        except ReportFailed as exc:
            log.warning("heartbeat failed: %s", exc)
        self.next_heartbeat = self.clock() + self.heartbeat_s

    def pull(self) -> None:
        wait = max(0.0, min(LONG_POLL_S, self.next_heartbeat - self.clock() - 1.0))
        try:
            self._interruptible = wait > 0
            outcome = pull_once(self.data_dir, wait=round(wait, 1), should_stop=self.stop.is_set)
        except HubProblem as exc:
            log.warning("content sync: %s", exc)
            waited = self.backoff.failed(exc.retry_after_s)
            log.info("next content pull in %.0f s", waited)
            return
        except (PullRejected, PullFailed) as exc:
            log.warning("content sync: %s", exc)
            self.backoff.failed()
            return
        except Exception:  # a bug, or the data dir unwritable: logged, and no tight loop of retries
            log.exception("content sync failed")
            self.backoff.failed()
            return
        finally:
            self._interruptible = False
        self.backoff.succeeded()
        if outcome.status != "unchanged":
            log.info("%s", outcome)
            print(outcome, flush=True)

    def wait_for_enrolment(self) -> identity_file.Identity | None:
        """The identity once a maintainer has enrolled this terminal; None when stopped first.
        IdentityError when the file that appears is damaged."""
        log.warning("this terminal is not enrolled yet (no %s): waiting for enrolment, looking every %g s. "
                    "Enrol it with kiosk enroll --hub URL --code CODE (or 注册到管理平台 on the maintenance "
                    "screen); the sync starts then, without a restart",
                    identity_file.identity_path(self.data_dir), ENROL_POLL_S)
        while not self.stop.wait(ENROL_POLL_S):  # set by on_signal, or by the app as it stops
            self.notify("WATCHDOG=1")
            me = identity_file.load_or_none(self.data_dir)
            if me is not None:
                log.info("enrolled as %s with %s: starting the sync", me.terminal_id, me.hub_url)
                return me
        return None

    def run(self) -> int:
        me = identity_file.load_or_none(self.data_dir)  # IdentityError at once when damaged
        if me is None:
            self.notify("STATUS=not enrolled yet: waiting for kiosk enroll (or the maintenance screen)")
        self.notify("READY=1")
        if me is None:
            me = self.wait_for_enrolment()
            if me is None:
                self.notify("STOPPING=1")
                return 0
        self.notify(f"STATUS=syncing with {me.hub_url} as {me.terminal_id}")
        while not self.stop.is_set():
            try:
                if self.clock() >= self.next_heartbeat:
                    self.heartbeat()
                pause = self.backoff.wait_s()
                if pause > 0:
                    self._interruptible = True
                    self.stop.wait(min(pause, max(0.0, self.next_heartbeat - self.clock())))
                    self._interruptible = False
                else:
                    self.pull()
            except _Stopped:
                break
            self.notify("WATCHDOG=1")
        self.notify("STOPPING=1")
        return 0


def run_loop(data_dir: Path, devices, heartbeat_s: float = HEARTBEAT_S) -> int:
    loop = Loop(data_dir, devices, heartbeat_s)
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, loop.on_signal)
    return loop.run()
