"""`kiosk tickets serve` before there is anything to queue for (systemd/kiosk-tickets.service).

On a freshly installed queue host the content, and with it the `ticket_service` items the queue
takes its services from, arrives later by sync. Exiting would make systemd restart the service
every few seconds until the start limit marks it failed; so the service says READY with a STATUS
line naming what it waits for, logs that once, and looks at `data_dir/current` every POLL_S
seconds (a readlink and a stat). Each new content version is read once; the first with usable
ticket services ends the wait and the queue starts in the same process. SIGTERM/SIGINT while
waiting ends the wait: the command exits 0.
"""
from __future__ import annotations

import logging
import signal
import threading
from pathlib import Path

from content.store import current_version
from kiosk.watchdog import notify
from tickets.server import NoServices, ServeOptions, load_services

log = logging.getLogger(__name__)

POLL_S = 2.0


def wait_for_services(options: ServeOptions, problem: NoServices) -> bool:
    """True once the installed content has ticket services; False when stopped by a signal."""
    stop = threading.Event()
    previous = {sig: signal.signal(sig, lambda *_: stop.set()) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        return _wait(Path(options.data_dir), options.demo, problem, stop)
    finally:  # uvicorn installs its own handlers; a signal in between ends the process as before
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _wait(data_dir: Path, demo: bool, problem: NoServices, stop: threading.Event) -> bool:
    log.warning("%s. Waiting: the queue starts by itself once the installed content has ticket services "
                "(looking every %g s)", problem, POLL_S)
    notify(f"STATUS=waiting for content with ticket services: {problem.status}")
    notify("READY=1")
    checked = current_version(data_dir)
    while not stop.wait(POLL_S):
        notify("WATCHDOG=1")
        version = current_version(data_dir)
        if version is None or version == checked:
            continue
        try:
            load_services(data_dir, demo)
        except NoServices as exc:  # once per version: the next one may have them
            checked = version
            log.warning("%s: still waiting", exc)
            notify(f"STATUS=waiting for content with ticket services: {exc.status}")
            continue
        except Exception as exc:  # noqa: BLE001  (a version pruned under us, a read error: look again)
            log.warning("content %s cannot be read now (%s): trying again", version, exc)
            continue
        log.info("content %s has ticket services: starting the queue", version)
        return True
    log.info("stopped while waiting for content")
    return False
