"""The kiosk's and the display's side of the queue service: plain HTTP (requests), no Kivy.

Calls block: the UI runs them through its background helper and gets the result on its own
thread. Two kinds of failure, so screens can word them differently:
`QueueUnavailable` -- the service cannot be reached or failed (请稍候 / 取号暂不可用), and
`QueueRefused` -- it answered no with a reason code (closed, limit, ...), kept in `.code`/`.detail`.

`EventStream` follows `GET /api/events` (server-sent events) for a display: it reconnects by
itself with `Last-Event-ID`, backing off 0.5 s .. 10 s, so no call is lost across a restart.
"""
from __future__ import annotations

import json
import logging
import random
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import requests

log = logging.getLogger(__name__)

TIMEOUT_S = 5.0


class QueueUnavailable(Exception):
    """The queue service did not answer, or failed; the reason is for the log."""


class QueueRefused(Exception):
    def __init__(self, status: int, body: dict):
        self.status, self.code = status, str(body.get("error", "error"))
        self.detail = body
        super().__init__(f"{status} {self.code}: {body.get('message', '')}")


def new_key() -> str:
    """An idempotency key for one resident's 取号 (kept across retries of the same tap)."""
    return f"k-{uuid.uuid4().hex}"


class QueueClient:
    def __init__(self, url: str, token: str, timeout: float = TIMEOUT_S):
        self.url, self.timeout = url.rstrip("/"), timeout
        self.session = requests.Session()
        if token:
            self.session.headers["Authorization"] = f"Bearer {token}"

    def _call(self, method: str, path: str, body: dict | None = None) -> dict:
        try:
            r = self.session.request(method, self.url + path, json=body, timeout=self.timeout)
        except requests.RequestException as exc:
            raise QueueUnavailable(f"{self.url}: {type(exc).__name__}: {exc}") from None
        try:
            data = r.json()
        except ValueError:
            data = None
        if r.status_code >= 500 or not isinstance(data, dict):
            raise QueueUnavailable(f"{self.url}{path}: HTTP {r.status_code} {r.text[:200]!r}")
        if r.status_code >= 400:
            raise QueueRefused(r.status_code, data)
        return data

    def queue(self) -> dict:
        return self._call("GET", "/api/queue")

    def issue(self, service: str, key: str, card: dict | None = None, kiosk: str | None = None) -> dict:
        body: dict = {"service": service, "idempotency_key": key}
        if card:
            body["id_card"] = {k: card[k] for k in ("name_masked", "age") if card.get(k) is not None}
        if kiosk:
            body["kiosk"] = kiosk
        return self._call("POST", "/api/tickets", body)

    def ticket(self, ticket_id: str) -> dict:
        return self._call("GET", f"/api/tickets/{ticket_id}")

    def mark_printed(self, ticket_id: str) -> dict:
        return self._call("POST", f"/api/tickets/{ticket_id}/printed")

    def call_for_help(self, terminal: str, screen: str) -> dict:
        return self._call("POST", "/api/help", {"terminal": terminal, "screen": screen})


@dataclass(frozen=True)
class Event:
    id: int
    type: str
    data: dict


def parse_sse(lines: Iterator[str]) -> Iterator[Event]:
    """Events from the lines of an SSE stream (comments and retry lines skipped)."""
    fields: dict[str, str] = {}
    for line in lines:
        if line == "":
            if "event" in fields and "data" in fields:
                try:
                    yield Event(int(fields.get("id", "0")), fields["event"], json.loads(fields["data"]))
                except ValueError:
                    log.warning("an unreadable event from the queue service was skipped")
            fields = {}
            continue
        if line.startswith(":"):
            continue
        name, _, value = line.partition(":")
        fields[name] = value[1:] if value.startswith(" ") else value


class EventStream:
    """Runs in its own thread; `on_event(Event)` and `on_state(connected: bool)` are called from it."""

    def __init__(self, url: str, on_event: Callable[[Event], None], on_state: Callable[[bool], None],
                 last_id: int | None = None):
        self.url, self.on_event, self.on_state = url.rstrip("/"), on_event, on_state
        self.last_id = last_id
        self._stop = threading.Event()
        self._response = None
        self._thread = threading.Thread(target=self._run, name="queue-events", daemon=True)

    def start(self) -> "EventStream":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        resp = self._response
        if resp is not None:
            resp.close()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        delay = 0.5
        while not self._stop.is_set():
            headers = {"Accept": "text/event-stream"}
            if self.last_id is not None:
                headers["Last-Event-ID"] = str(self.last_id)
            try:
                with requests.get(f"{self.url}/api/events", headers=headers, stream=True, timeout=(5, 30)) as r:
                    if r.status_code != 200:
                        raise QueueUnavailable(f"HTTP {r.status_code}")
                    self._response = r
                    self.on_state(True)
                    delay = 0.5
                    for event in parse_sse(r.iter_lines(decode_unicode=True)):
                        self.last_id = event.id
                        self.on_event(event)
                        if self._stop.is_set():
                            return
            except (requests.RequestException, QueueUnavailable, AttributeError) as exc:
                if self._stop.is_set():
                    return
                log.info("queue events: %s; reconnecting in %.1f s", exc, delay)
            finally:
                self._response = None
            if self._stop.is_set():
                return
            self.on_state(False)
            self._stop.wait(delay * random.uniform(0.8, 1.2))
            delay = min(10.0, delay * 2)
