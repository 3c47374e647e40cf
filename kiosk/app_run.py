"""`run_app`: the terminal UI as `kiosk run` and `kiosk demo` start it, until SIGTERM/SIGINT."""
from __future__ import annotations

import logging
import signal

from kivy.clock import Clock

from kiosk.app import KioskApp, configure_kivy
from kiosk.fonts import register_default_font

log = logging.getLogger("kiosk.app")


def _install_stop_signals(app: KioskApp) -> None:
    # The window refuses SDL "quit" events (lockdown), and SDL turns SIGTERM into such an
    # event when SIGTERM has no handler. A Python handler installed before the window keeps
    # SDL's off, so `systemctl stop` ends the app promptly.
    def stop(signum, _frame):
        log.info("signal %s: stopping", signum)
        Clock.schedule_once(lambda _dt: app.stop(), 0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)


def run_app(settings, view, demo=None) -> int:
    """Run the terminal UI until SIGTERM/SIGINT (blocking); the process's exit code (0, or
    kiosk.watchdog.RESTART_EXIT_CODE after 重启程序). `demo`: the simulators of `kiosk demo`
    (kiosk.demo_devices), offered on the maintenance screen."""
    display = settings.display
    width, height = display.width, display.height
    if int(display.rotation) in (90, 270):
        width, height = height, width  # the physical panel is the rotated window
    configure_kivy(width, height, fullscreen=display.fullscreen)
    register_default_font()  # fail before a window opens if there is no Chinese font
    app = KioskApp(settings, view, demo=demo)
    _install_stop_signals(app)
    sync = None
    if settings.sync.in_app:  # else the kiosk-sync service (or nothing: the terminal is offline)
        from kiosk import sync_thread

        sync = sync_thread.start(settings)
    app.run()
    if sync is not None:
        sync.stop.set()
    return getattr(app, "exit_code", 0)
