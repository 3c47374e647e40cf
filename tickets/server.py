"""`kiosk tickets serve`: the queue service, built from the settings and served by uvicorn.

Its services are the `ticket_service` items of the content installed in the data dir (or the
embedded demo centre's with `--demo`). With `--workers N` uvicorn starts N processes on the
same `tickets.sqlite`; each builds its own app from the options passed in the environment
(`KIOSK_TICKETS_SERVE`), and the database's locking keeps their numbers apart.

The services follow the content: every worker looks at `data_dir/current` every RELOAD_POLL_S
seconds and, on a new version, takes its ticket services in place (`Queue.replace_services`) --
no restart, so today's queue, open event streams and counter sessions carry on. A version with
no usable ticket services is logged and the services in use are kept (docs/tickets.md).

Before there is anything to queue for (a freshly installed queue host: the content arrives later
by sync) the service still listens and answers -- `/healthz` with no services, a ticket with
`unknown_service` -- so kiosks and the installer's `kiosk doctor` find it, and the same watch
takes the first version that has ticket services.
"""
from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

from tickets import db
from tickets.auth import Accounts
from tickets.clock import SystemClock
from tickets.queue import Queue
from tickets.rules import QueueRules, services_from_items

log = logging.getLogger(__name__)

ENV = "KIOSK_TICKETS_SERVE"
OUTBOX_EVERY_S = 300
RELOAD_POLL_S = 2.0  # a readlink and a stat of `current` per worker
PAGES_DIR = Path(__file__).resolve().parent / "web"


class ServeError(Exception):
    """The service cannot start; str() says why and what to do."""


class ConfigProblem(ServeError):
    """A setting is missing or wrong: no restart fixes it (`kiosk tickets serve` exits 2)."""


class NoServices(ServeError):
    """Nothing to queue for yet: no content, or content without usable ticket services. Content
    arrives later by sync, so the queue serves with no services until then. `status` is the
    short reason for systemd's STATUS line; `version` the content version looked at (None: none)."""

    def __init__(self, message: str, status: str, version: str | None = None):
        super().__init__(message)
        self.status, self.version = status, version


@dataclass
class ServeOptions:
    data_dir: str
    token: str
    rules: dict = field(default_factory=dict)
    terminal: str = "queue"
    demo: bool = False
    secure_cookies: bool = False

    def to_env(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_env(cls) -> "ServeOptions":
        return cls(**json.loads(os.environ[ENV]))


def load_services(data_dir: Path, demo: bool) -> tuple[str, dict]:
    """(the content version, its services by code); NoServices when there is nothing to queue for."""
    from content.store import NoContent, install_demo, open_current

    try:
        view = open_current(data_dir)
    except NoContent:
        if not demo:
            raise NoServices(f"no content installed in {data_dir}: the queue takes its services from the "
                             "ticket_service items (kiosk sync run installs the hub's content; or start with "
                             "--demo)", "no content installed yet") from None
        install_demo(data_dir)
        view = open_current(data_dir)
    try:
        version, items = view.version, view.items("ticket_service")
    finally:
        view.close()
    try:
        services = services_from_items(items)
    except ValueError as exc:
        raise NoServices(f"content {version} in {data_dir}: {exc}", f"content {version}: {exc}", version) from None
    if not services:
        raise NoServices(f"content {version} in {data_dir} has no ticket_service items: nothing to queue for",
                         f"content {version} has no ticket_service items", version)
    if demo:  # a newcomer trying the demo at night still gets a number
        services = {code: s.__class__(s.code, s.name, s.windows, s.daily_limit, s.hours_text, (), s.sort)
                    for code, s in services.items()}
    return version, services


def build(options: ServeOptions, clock=None) -> tuple[Queue, Accounts]:
    """The queue and its accounts; with nothing to queue for yet, a queue with no services (its
    `waiting_for` says why) that the services watch fills once the content has some."""
    data_dir = Path(options.data_dir)
    if not options.token:
        raise ConfigProblem("no kiosk token: set [tickets] token in the config (or KIOSK_TICKETS_TOKEN) to a long "
                         "random string, the same on every kiosk of this lobby")
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        engine = db.make_engine(data_dir / "tickets.sqlite")
        db.create_schema(engine)
    except OSError as exc:
        raise ServeError(f"cannot open {data_dir / 'tickets.sqlite'}: {exc}") from None
    rules = QueueRules(**options.rules)
    waiting_for = None
    try:
        version, services = load_services(data_dir, options.demo)
    except NoServices as exc:
        version, services, waiting_for = exc.version, {}, exc
    except ServeError:
        engine.dispose()
        raise
    queue = Queue(engine, services, rules, clock or SystemClock(), services_version=version)
    queue.waiting_for = waiting_for
    return queue, Accounts(engine, queue.clock, options.token)


def outbox_task(options: ServeOptions):
    """Writes today's figures to the outbox every few minutes and once more at shutdown."""
    from tickets.stats import write_outbox

    outbox = Path(options.data_dir) / "outbox"

    @contextlib.asynccontextmanager
    async def run(queue):
        async def loop():
            while True:
                await asyncio.sleep(OUTBOX_EVERY_S)
                await asyncio.to_thread(_write, queue)

        def _write(q):
            try:
                write_outbox(q, q.today(), outbox, options.terminal)
            except OSError as exc:
                log.error("could not write queue figures to %s: %s", outbox, exc)

        task = asyncio.create_task(loop())
        try:
            yield
        finally:
            task.cancel()
            await asyncio.to_thread(_write, queue)

    return run


class ServicesWatch:
    """Takes a new content version's ticket services into `queue` (called from a worker thread)."""

    def __init__(self, queue: Queue, options: ServeOptions):
        self.queue, self.data_dir, self.demo = queue, Path(options.data_dir), options.demo
        self.checked = queue.services_version  # the last version looked at, usable or not

    def check(self) -> bool:
        """True when the services changed."""
        from content.store import current_version

        version = current_version(self.data_dir)
        if version is None or version == self.checked:
            return False
        try:
            loaded, services = load_services(self.data_dir, self.demo)
        except NoServices as exc:  # said once per version; the next one may be usable again
            self.checked = version
            if self.queue.services:
                log.error("%s: the queue keeps its ticket services (%s)", exc, ", ".join(self.queue.services))
            else:
                log.warning("%s: still nothing to queue for", exc)
            return False
        self.checked = loaded
        return self.queue.replace_services(services, loaded)


def services_task(options: ServeOptions):
    """Every RELOAD_POLL_S, ServicesWatch.check in a thread; a failure is logged and retried."""

    @contextlib.asynccontextmanager
    async def run(queue):
        watch = ServicesWatch(queue, options)

        async def loop():
            while True:
                await asyncio.sleep(RELOAD_POLL_S)
                try:
                    await asyncio.to_thread(watch.check)
                except Exception:  # a version pruned under us, a read error: looked at again next time
                    log.exception("reading the ticket services of the installed content failed")

        task = asyncio.create_task(loop())
        try:
            yield
        finally:
            task.cancel()

    return run


def _together(*tasks):
    """One lifespan_extra from several, entered in order and left in reverse."""

    @contextlib.asynccontextmanager
    async def run(queue):
        async with contextlib.AsyncExitStack() as stack:
            for task in tasks:
                await stack.enter_async_context(task(queue))
            yield

    return run


def create_app(options: ServeOptions, clock=None):
    from tickets.api import create_app as api_app

    queue, accounts = build(options, clock)
    return api_app(queue, accounts, pages_dir=PAGES_DIR if PAGES_DIR.is_dir() else None,
                   lifespan_extra=_together(outbox_task(options), services_task(options)),
                   secure_cookies=options.secure_cookies)


def app_from_env():
    """uvicorn's factory in each worker process."""
    return create_app(ServeOptions.from_env())


def serve(options: ServeOptions, host: str, port: int, workers: int = 1) -> None:
    import uvicorn

    build(options)  # fail here, once, with a plain message -- not in every worker
    os.environ[ENV] = options.to_env()
    uvicorn.run("tickets.server:app_from_env", factory=True, host=host, port=port, workers=workers,
                log_level="info", access_log=False, timeout_graceful_shutdown=3)
