"""What one hub process keeps in memory for the terminal wire, so that a no-change poll (`304`)
never touches the database: terminal tokens, each centre's current manifest, recent deltas.

The caches are trusted only while this process's event watcher (hub.notify) is healthy: it
hears every change -- a centre's manifest, a revoked terminal -- from `hub_events` and updates
them; when it has not confirmed it is following the events lately (the database or its LISTEN
connection is down, or no watcher runs, as in a test client without its lifespan), every answer
is read from the database instead, and nothing read is stored. A load that raced a change
(started before the watcher heard of it) is not stored either (`generation`).

Anything that carries content (a manifest, a delta, a blob) checks the terminal's token in the
database; only a `304`, which gives nothing away, answers from the token cache.
"""
from __future__ import annotations

import asyncio
import json
import time
from collections import OrderedDict
from dataclasses import dataclass
from threading import Lock

from sqlalchemy.engine import Engine

from hub import db, terminals
from hub.accounts import digest
from hub.terminals import Terminal

MISSING = object()          # "not cached", as opposed to a cached None ("the database has none")
MAX_TOKENS = 200_000        # live tokens remembered; past it the cache starts again (rare, cheap)
MAX_UNKNOWN = 10_000        # tokens the database did not know (a client trying tokens costs one query each)
MAX_TAGS = 100_000          # centres whose current (version, etag) is remembered
MAX_BODY_BYTES = 64 << 20   # manifest bodies kept, least recently used dropped first
MAX_DELTAS = 512
MAX_DELTA_BYTES = 32 << 20


@dataclass(frozen=True)
class Manifest:
    """A centre's current manifest as served: the exact signed bytes."""
    centre: str
    version: str
    etag: str               # strong, quoted: '"<version>"'
    body: bytes
    signature: str

    @classmethod
    def of(cls, centre: str, current) -> Manifest | None:
        """From hub.publish.Current (or None)."""
        if current is None:
            return None
        return cls(centre, current.version, current.etag, bytes(current.body), current.signature)


def token_key(token: str | None) -> str | None:
    """The cache key of a bearer value that could be a terminal token (its sha256), else None."""
    if not isinstance(token, str) or not token.startswith(terminals.TOKEN_PREFIX) or len(token) > terminals.MAX_TOKEN:
        return None
    return digest(token)


class TokenCache:
    """Token sha256 -> Terminal for live tokens, and a bounded set of tokens the database refused."""

    def __init__(self):
        self._lock = Lock()
        self._live: dict[str, Terminal] = {}
        self._by_terminal: dict[str, str] = {}
        self._unknown: OrderedDict[str, None] = OrderedDict()
        self._revoked: set[str] = set()  # terminal ids this process heard were revoked

    def get(self, key: str):
        """The Terminal, None (refused before), or MISSING."""
        found = self._live.get(key)
        if found is not None:
            return found
        return None if key in self._unknown else MISSING

    def put(self, key: str, terminal: Terminal | None) -> None:
        with self._lock:
            if terminal is None:
                self._unknown[key] = None
                if len(self._unknown) > MAX_UNKNOWN:
                    self._unknown.popitem(last=False)
            elif terminal.id not in self._revoked:  # a lookup that raced the revocation is not kept
                if len(self._live) >= MAX_TOKENS:
                    self._live.clear()
                    self._by_terminal.clear()
                self._live[key] = terminal
                self._by_terminal[terminal.id] = key

    def forget_terminal(self, terminal_id: str) -> None:
        """A revoked terminal: refused from now on in this process."""
        with self._lock:
            self._revoked.add(terminal_id)
            key = self._by_terminal.pop(terminal_id, None)
            if key is not None:
                self._live.pop(key, None)
                self._unknown[key] = None

    def clear(self) -> None:
        with self._lock:
            self._live.clear()
            self._by_terminal.clear()
            self._unknown.clear()


class ManifestCache:
    """Centre -> its current manifest (None: it has none yet). The (version, etag) of every centre
    asked about is kept; the bodies only up to MAX_BODY_BYTES, least recently used dropped first."""

    def __init__(self, max_body_bytes: int = MAX_BODY_BYTES):
        self._lock = Lock()
        self._tags: dict[str, tuple[str, str] | None] = {}
        self._bodies: OrderedDict[str, Manifest] = OrderedDict()
        self._body_bytes = 0
        self._max_body_bytes = max_body_bytes
        self._generation: dict[str, int] = {}

    def etag(self, centre: str):
        """The current strong ETag of `centre`, None when it has no manifest, or MISSING."""
        tag = self._tags.get(centre, MISSING)
        return tag if tag is MISSING or tag is None else tag[1]

    def get(self, centre: str):
        """The Manifest, None (the centre has none), or MISSING."""
        with self._lock:
            found = self._bodies.get(centre)
            if found is not None:
                self._bodies.move_to_end(centre)
                return found
            return None if centre in self._tags and self._tags[centre] is None else MISSING

    def generation(self, centre: str) -> int:
        return self._generation.get(centre, 0)

    def put(self, centre: str, manifest: Manifest | None, generation: int) -> bool:
        """Keep what was read, unless a change of `centre` was announced since `generation`."""
        with self._lock:
            if self._generation.get(centre, 0) != generation:
                return False
            if len(self._tags) >= MAX_TAGS and centre not in self._tags:
                self._tags.clear()
            self._tags[centre] = None if manifest is None else (manifest.version, manifest.etag)
            self._drop_body(centre)
            if manifest is not None and len(manifest.body) <= self._max_body_bytes:
                self._bodies[centre] = manifest
                self._body_bytes += len(manifest.body)
                while self._body_bytes > self._max_body_bytes:
                    self._drop_body(next(iter(self._bodies)))
            return True

    def changed(self, centre: str) -> None:
        """The centre's manifest changed: forget it, and refuse loads that began before now."""
        with self._lock:
            self._generation[centre] = self._generation.get(centre, 0) + 1
            self._tags.pop(centre, None)
            self._drop_body(centre)

    def clear(self) -> None:
        with self._lock:
            for centre in list(self._tags):
                self._generation[centre] = self._generation.get(centre, 0) + 1
            self._tags.clear()
            self._bodies.clear()
            self._body_bytes = 0

    def _drop_body(self, centre: str) -> None:
        old = self._bodies.pop(centre, None)
        if old is not None:
            self._body_bytes -= len(old.body)


class DeltaCache:
    """(centre, base version, new version) -> (delta body, signature); least recently used dropped."""

    def __init__(self, max_entries: int = MAX_DELTAS, max_bytes: int = MAX_DELTA_BYTES):
        self._lock = Lock()
        self._items: OrderedDict[tuple[str, str, str], tuple[bytes, str]] = OrderedDict()
        self._bytes = 0
        self._max_entries, self._max_bytes = max_entries, max_bytes

    def get(self, key: tuple[str, str, str]) -> tuple[bytes, str] | None:
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
            return found

    def put(self, key: tuple[str, str, str], value: tuple[bytes, str]) -> None:
        with self._lock:
            if key in self._items or len(value[0]) > self._max_bytes:
                return
            self._items[key] = value
            self._bytes += len(value[0])
            while len(self._items) > self._max_entries or self._bytes > self._max_bytes:
                _, (body, _sig) = self._items.popitem(last=False)
                self._bytes -= len(body)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._bytes = 0


class WireCache:
    """The caches of one process and whether they may be trusted now (see the module's doc)."""

    def __init__(self, engine: Engine):
        self.engine = engine
        self.tokens = TokenCache()
        self.manifests = ManifestCache()
        self.deltas = DeltaCache()
        self._trusted_until = 0.0
        self._making: dict[tuple[str, str, str], asyncio.Future] = {}  # deltas being made, in the event loop

    def trusted(self) -> bool:
        return time.monotonic() < self._trusted_until

    def confirm(self, for_seconds: float) -> bool:
        """The watcher is following the events: trust the caches for `for_seconds`. True when they
        were not trusted until now (the caller then clears them: changes may have been missed)."""
        was = self.trusted()
        self._trusted_until = time.monotonic() + for_seconds
        return not was

    def distrust(self) -> None:
        self._trusted_until = 0.0

    def clear(self) -> None:
        self.tokens.clear()
        self.manifests.clear()
        self.deltas.clear()

    def cached_terminal(self, token: str | None):
        """Without blocking: the Terminal or None (refused) when the cache may answer, else MISSING."""
        key = token_key(token)
        if key is None:
            return None
        return self.tokens.get(key) if self.trusted() else MISSING

    # ---- reads (blocking: call them from a thread) ----

    def terminal(self, token: str | None, *, fresh: bool) -> Terminal | None:
        """The live terminal holding `token`, or None. `fresh`: ask the database even when cached
        (anything that carries content); otherwise a cached answer does while trusted."""
        key = token_key(token)
        if key is None:
            return None
        trusted = self.trusted()
        if trusted and not fresh:
            found = self.tokens.get(key)
            if found is not MISSING:
                return found
        with db.reader(self.engine).connect() as conn:
            found = terminals.authenticate(conn, token)
        if found is None:
            cached = self.tokens.get(key)
            if isinstance(cached, Terminal):  # revoked since: refused by the cache too, at once
                self.tokens.forget_terminal(cached.id)
            self.tokens.put(key, None)
        elif trusted:
            self.tokens.put(key, found)
        return found

    def current(self, centre: str) -> Manifest | None:
        """The centre's current manifest, from the cache while trusted, else from the database."""
        from hub import publish

        trusted = self.trusted()
        if trusted:
            found = self.manifests.get(centre)
            if found is not MISSING:
                return found
        generation = self.manifests.generation(centre)
        with db.reader(self.engine).connect() as conn:
            manifest = Manifest.of(centre, publish.current(conn, centre))
        if trusted:
            self.manifests.put(centre, manifest, generation)
        return manifest

    async def shared_delta(self, centre: str, base: str, newest: str) -> tuple[bytes, str, str] | None:
        """`delta` made once however many polls ask for it at the same moment (a publish wakes a
        whole centre, and its terminals all hold the same base)."""
        key = (centre, base, newest)
        found = self.deltas.get(key)
        if found is not None:
            return (*found, newest)
        making = self._making.get(key)
        if making is None:
            making = self._making[key] = asyncio.ensure_future(asyncio.to_thread(self.delta, centre, base, newest))
            making.add_done_callback(lambda _f: self._making.pop(key, None))
        return await asyncio.shield(making)

    def delta(self, centre: str, base: str, newest: str) -> tuple[bytes, str, str] | None:
        """(delta body, signature, its new version) from `base` to the centre's current version
        (`newest` as this process knows it), or None when the hub no longer has `base` (the
        caller then sends the whole manifest)."""
        from hub import publish

        found = self.deltas.get((centre, base, newest))
        if found is not None:
            return (*found, newest)
        with db.reader(self.engine).connect() as conn:
            made = publish.delta(conn, centre, base)
        if made is None:
            return None
        version = json.loads(made[0])["version"]  # newer than `newest` when a publish just landed
        self.deltas.put((centre, base, version), made)
        return (*made, version)
