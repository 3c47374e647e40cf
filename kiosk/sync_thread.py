"""The sync client as a thread of `kiosk run` (config `[sync] in_app = true`), for a terminal
without the kiosk-sync service: the same loop as `kiosk sync run` (kiosk/sync_loop.py), minus
sd_notify (the app's own watchdog pings are the unit's) and signals (the thread is a daemon: it
ends with the app; a build already started finishes in its child, which switches `current`
atomically or not at all). It never touches widgets: the app's content watcher picks up what it
builds, as it does for the separate process.

Not enrolled yet, the thread waits for the identity as `kiosk sync run` does (Loop
.wait_for_enrolment) and starts syncing once the maintenance screen or `kiosk enroll` wrote it --
no app restart. A damaged identity is logged and the thread is not started: the app cannot exit
for it, and a restart would not fix it."""
from __future__ import annotations

import logging
import threading

from kiosk.cli_sync import devices_of
from kiosk.sync_loop import Loop
from sync import identity

log = logging.getLogger(__name__)


def start(settings) -> Loop | None:
    """The running loop (waiting for enrolment first when there is no identity yet), or None
    when the identity is damaged or unreadable (said in the log)."""
    try:
        identity.load_or_none(settings.data_dir)
    except identity.IdentityError as exc:
        log.error("sync in the app: not started: %s", exc)
        return None
    loop = Loop(settings.data_dir, devices_of(settings), settings.sync.heartbeat_s, notify=lambda _state: None)

    def run() -> None:
        try:
            loop.run()
        except identity.IdentityError as exc:  # enrolled while waiting, but the file is unusable
            log.error("sync in the app stopped: %s", exc)
        except Exception:  # noqa: BLE001  (the resident's screen goes on; the log says why)
            log.exception("sync in the app stopped")

    threading.Thread(target=run, name="sync", daemon=True).start()
    log.info("sync in the app: started for %s", settings.data_dir)
    return loop
