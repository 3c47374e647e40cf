"""systemd's notify protocol for the terminal's processes: READY, the watchdog ping, STOPPING.

Under `Type=notify` (systemd/kiosk.service) systemd passes `NOTIFY_SOCKET` (a path, or
`@name` for an abstract socket) and, with `WatchdogSec=`, `WATCHDOG_USEC` and `WATCHDOG_PID`.
The app sends READY=1 once its first frame is drawn and WATCHDOG=1 every half of WATCHDOG_USEC
from the Kivy main loop (`Clock.schedule_interval`): a UI that freezes stops pinging and systemd
kills and restarts it. Outside systemd every call is a no-op.

The datagram code is the protocol itself (a dozen lines; no sd_notify library is packaged
here). `notify` is Kivy-free; Kivy is imported only by `attach_watchdog`.

The app never restarts itself by exec: `request_restart` ends it with RESTART_EXIT_CODE, which
the unit's `Restart=always` / `RestartForceExitStatus=75` turns into a fresh process.
"""
from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Mapping

from kiosk.i18n import N_, _

log = logging.getLogger(__name__)

NO_SERVICE_RESTART = N_("Not running as a system service: the app cannot restart itself. Start it again by hand.")
# EX_TEMPFAIL: "try again". kiosk.service restarts on it (RestartForceExitStatus=75).
RESTART_EXIT_CODE = 75


def notify(state: str, env: Mapping[str, str] | None = None) -> bool:
    """Send `state` (e.g. "READY=1", "WATCHDOG=1") to systemd; False when not under a notify
    unit or the socket is gone. Never raises: a lost ping must not take the app down."""
    address = (os.environ if env is None else env).get("NOTIFY_SOCKET", "")
    if address.startswith("@"):
        address = "\0" + address[1:]  # abstract namespace
    elif not address.startswith("/"):
        return False  # unset, or a transport we do not speak (vsock)
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
            sock.connect(address)
            sock.sendall(state.encode())
    except OSError as exc:
        log.warning("sd_notify %s to %r failed: %s", state.split("=")[0], address, exc)
        return False
    return True


def under_systemd(env: Mapping[str, str] | None = None) -> bool:
    """Whether something will start this process again when it exits: a notify unit (our
    kiosk.service). INVOCATION_ID alone is not enough: a desktop terminal started by
    `systemd --user` passes it on to every shell."""
    return bool((os.environ if env is None else env).get("NOTIFY_SOCKET"))


def watchdog_interval(env: Mapping[str, str] | None = None) -> float | None:
    """Seconds between pings (half of WATCHDOG_USEC), or None when no watchdog is asked of
    this process (like sd_watchdog_enabled: WATCHDOG_PID, when set, must be ours)."""
    env = os.environ if env is None else env
    pid = env.get("WATCHDOG_PID", "")
    if pid and pid != str(os.getpid()):
        return None
    try:
        usec = int(env.get("WATCHDOG_USEC", ""))
    except ValueError:
        return None
    return usec / 2e6 if usec > 0 else None


def notify_when_listening(host: str, port: int, env: Mapping[str, str] | None = None,
                          give_up_s: float = 120.0, status: str | None = None) -> threading.Thread | None:
    """READY=1 once `host:port` accepts TCP connections (a server started right after this
    call, in this process: `kiosk tickets serve`), after `STATUS=status` when given. None
    outside a notify unit."""
    if not under_systemd(env):
        return None
    target = "127.0.0.1" if host in ("0.0.0.0", "", "::") else host

    def wait() -> None:
        deadline = time.monotonic() + give_up_s
        while time.monotonic() < deadline:
            try:
                with socket.create_connection((target, port), timeout=1):
                    if status:
                        notify(f"STATUS={status}", env)
                    notify("READY=1", env)
                    return
            except OSError:
                time.sleep(0.2)
        log.error("%s:%s never accepted a connection: READY not sent", target, port)

    thread = threading.Thread(target=wait, name="sd-notify-ready", daemon=True)
    thread.start()
    return thread


class Watchdog:
    """The Kivy app's side: READY after the first frame, pings from the main loop, STOPPING."""

    def __init__(self, env: Mapping[str, str] | None = None):
        self.env = dict(os.environ if env is None else env)
        self._events: list = []
        self.started = False

    def start(self, app) -> None:
        from kivy.core.window import Window

        if not under_systemd(self.env):
            return
        self.started = True
        Window.fbind("on_flip", self._first_frame)  # dispatched after a frame is drawn
        app.fbind("on_stop", self.stop)

    def _first_frame(self, window) -> None:
        """READY=1, then the pings: a start that hangs before its first frame is
        TimeoutStartSec's business, a UI that hangs later the watchdog's."""
        from kivy.clock import Clock

        window.funbind("on_flip", self._first_frame)
        notify("READY=1", self.env)
        interval = watchdog_interval(self.env)
        if interval:
            self._events.append(Clock.schedule_interval(self._ping, interval))
        log.info("systemd: READY sent to %s; watchdog ping every %s", self.env.get("NOTIFY_SOCKET"),
                 f"{interval:g} s" if interval else "(no watchdog)")

    def _ping(self, _dt) -> None:
        notify("WATCHDOG=1", self.env)

    def stop(self, *_args) -> None:
        from kivy.core.window import Window

        if not self.started:
            return
        self.started = False
        for event in self._events:
            event.cancel()
        self._events.clear()
        Window.funbind("on_flip", self._first_frame)
        notify("STOPPING=1", self.env)


def attach_watchdog(app, env: Mapping[str, str] | None = None) -> Watchdog:
    """Start notifying systemd for `app` (call from its on_start); a no-op outside systemd."""
    watchdog = Watchdog(env)
    watchdog.start(app)
    return watchdog


def request_restart(app, env: Mapping[str, str] | None = None) -> bool:
    """The maintenance screen's 重启程序: under systemd stop the app with RESTART_EXIT_CODE
    (kiosk.app_run.run_app exits with `app.exit_code`) and let systemd start a fresh one.
    Outside systemd nothing would start it again: say so and keep running. True = stopping."""
    if not under_systemd(env):
        log.warning("restart requested outside systemd: nothing would start the app again")
        app.show_toast(_(NO_SERVICE_RESTART), seconds=6)
        return False
    log.warning("restart requested: exiting with %d for systemd to start the app again", RESTART_EXIT_CODE)
    app.exit_code = RESTART_EXIT_CODE
    app.stop()
    return True
