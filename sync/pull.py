"""One content pull (`pull_once`): the hub's signed manifest, the blobs missing here, a new
version built in a child process (docs/sync.md, "Pulling content").

1. `GET /api/v1/manifest[?wait=S]` with `If-None-Match` = the ETag of the version installed
   (only while `current` is that version). `304`: nothing to do.
2. `200`: the `X-Signature` is verified over the exact body with the pinned key (following a key
   rotation through `/api/v1/keys`, sync.keychain) BEFORE the body is parsed; then it is parsed
   strictly (content.check.Manifest, the bundle limits); a manifest of another centre than the
   one this terminal was first given, or older (`created_at`) than the last accepted one, is
   refused.
3. The item documents and blobs missing from `data_dir/blobs` and `data_dir/sync-download` are
   fetched into `sync-download` (sync.blobs_fetch: size cap, Range resume, sha256 check).
4. `python -m content.build blobs` builds the version from those folders and switches `current`
   atomically (and prunes); the app picks it up at the next return home.

Every refusal or failure is recorded in `sync-state.json` `last_error` (the next heartbeat carries
it) and raised: `PullRejected` (this manifest will not be installed), `HubProblem` (the hub or the
network: retry later), `PullFailed` (here: disk full, the store busy). Nothing is half-applied:
`current` changes only through the build's atomic switch.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import logging
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from content.build import EXIT_LOCKED, BuildFailed, run_build
from content.bundle import Limits
from content.check import Manifest
from content.jsonload import JSONRefused, load_json
from content.store import current_version
from sync import identity as identity_file
from sync import manifest as manifest_wire
from sync import signing, state
from sync.blobs_fetch import BlobRejected, DiskFull, fetch_blob
from sync.files import write_atomic
from sync.http import HubHttp, HubProblem
from sync.keychain import verify_following_rotation

__all__ = ["DOWNLOAD_DIR", "Outcome", "PullRejected", "PullFailed", "pull_once"]

log = logging.getLogger(__name__)

DOWNLOAD_DIR = "sync-download"
PULL_LOCK = ".sync-pull.lock"
MANIFEST_FILE = "manifest.json"       # the last accepted manifest's exact bytes, in DOWNLOAD_DIR
BUILD_TIMEOUT_S = 900.0
# the build's check naming a file whose bytes are not its sha256 (a bad sector, a cut power)
_DAMAGED = re.compile(r"^(blob ([0-9a-f]{64})|item ([a-z0-9._-]+)): \S+ does not match its sha256", re.M)


class PullRejected(Exception):
    """The hub's manifest or a blob it lists was refused: the version is not installed."""


class PullFailed(Exception):
    """A local failure (disk full, the content store busy): nothing was installed; retry later."""


@dataclass
class Outcome:
    status: str                    # "unchanged" (304), "current" (already installed), "installed"
    version: str | None = None
    fetched: list[str] = field(default_factory=list)   # sha256 of the files downloaded
    received_bytes: int = 0

    def __str__(self) -> str:
        if self.status == "unchanged":
            return f"content unchanged ({self.version or 'none installed'})"
        if self.status == "current":
            return f"content is the hub's latest ({self.version})"
        return (f"installed version {self.version} ({len(self.fetched)} files, {self.received_bytes} bytes "
                "downloaded)")


def download_dir(data_dir: Path) -> Path:
    return Path(data_dir) / DOWNLOAD_DIR


def pull_once(data_dir: Path, wait: float = 0, *, should_stop: Callable[[], bool] = lambda: False,
              limits: Limits | None = None) -> Outcome:
    """One pull; see the module's docstring. The outcome, or PullRejected / PullFailed / HubProblem
    (each also recorded in sync-state's last_error). IdentityError when not enrolled."""
    data_dir = Path(data_dir)
    me = identity_file.load(data_dir)
    try:
        with _one_puller(data_dir):
            outcome = _pull(data_dir, me, wait, should_stop, limits or Limits())
    except (PullRejected, PullFailed, HubProblem) as exc:
        state.record_error(data_dir, "last_error", f"content sync: {exc}")
        raise
    except _Busy as exc:  # the other puller's outcome is what counts: nothing recorded
        raise PullFailed(str(exc)) from None
    if outcome.status != "unchanged" or state.read(data_dir).get("last_error"):
        state.record_error(data_dir, "last_error", None)
    return outcome


class _Busy(Exception):
    pass


@contextlib.contextmanager
def _one_puller(data_dir: Path):
    """One pull per data dir at a time (`kiosk sync run` and a technician's `kiosk sync once`
    would write the same part files): an flock on `.sync-pull.lock`, not waited for."""
    fd = os.open(data_dir / PULL_LOCK, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise _Busy(f"another sync is pulling content into {data_dir} now (kiosk sync run holds a long-poll "
                        "of up to 55 s): try again later, or stop kiosk-sync.service first") from None
        yield
    finally:
        os.close(fd)


def _pull(data_dir: Path, me, wait: float, should_stop, limits: Limits) -> Outcome:
    known = state.read(data_dir)
    shown = current_version(data_dir)
    headers, held = {}, None
    if shown and known.get("manifest_version") == shown and known.get("etag"):
        headers["If-None-Match"] = known["etag"]
        held = _held_manifest(data_dir, shown, limits)
        if held is not None:
            headers["A-IM"] = manifest_wire.DELTA_FORMAT
    timeout = (5.0, 20.0 + wait)
    with HubHttp(me.hub_url, me.token, max_bytes=limits.max_manifest_bytes) as http:
        query = f"?wait={wait:g}" if wait > 0 else ""
        answer = http.request("GET", "/api/v1/manifest" + query, headers=headers, timeout=timeout, also_ok=(304,))
        if answer.status == 304:
            return Outcome("unchanged", shown)
        body = _from_delta(answer, held, limits) if answer.status == 226 else answer.body
        if body is None:  # a delta that does not apply: ask for the whole manifest
            answer = http.request("GET", "/api/v1/manifest", timeout=timeout)
            body = answer.body
        if answer.status not in (200, 226):
            raise HubProblem(f"the hub answered the manifest with HTTP {answer.status}", status=answer.status,
                             retry=True)
        signature = answer.headers.get("X-Signature", "")
        try:
            me = verify_following_rotation(http, me, data_dir, body, signature)
        except signing.SignatureError as exc:
            raise PullRejected(f"manifest refused: bad signature ({exc})") from None
        manifest = _parse(body, limits)
        _check_not_replayed(known, me.terminal_id, manifest)
        etag = f'"{manifest.version}"'  # the hub's ETag is the version: taken from the signed bytes, not a header
        if manifest.version == shown:
            _accept(data_dir, me.terminal_id, manifest, etag, body)
            return Outcome("current", shown)
        fetched, received = _fetch_missing(http, data_dir, manifest, should_stop)
        version = _build(data_dir, body, manifest, http, fetched)
    _accept(data_dir, me.terminal_id, manifest, etag, body)
    _tidy_downloads(data_dir, manifest)
    return Outcome("installed", version, fetched, received)


def _held_manifest(data_dir: Path, version: str, limits: Limits) -> dict | None:
    """The last accepted manifest (its signature was checked then), when it is `version`'s."""
    try:
        with open(download_dir(data_dir) / MANIFEST_FILE, "rb") as fh:
            held = load_json(fh.read(limits.max_manifest_bytes + 1), limits.max_json_depth, limits.max_int_digits)
    except (OSError, JSONRefused):
        return None
    return held if isinstance(held, dict) and held.get("version") == version else None


def _from_delta(answer, held: dict | None, limits: Limits) -> bytes | None:
    """The full new manifest's bytes rebuilt from a `226` delta (its signature is checked next,
    over these bytes); None when the delta does not apply to the manifest held."""
    if held is None:
        return None
    try:
        delta = load_json(answer.body, limits.max_json_depth, limits.max_int_digits)
        if not isinstance(delta, dict):
            return None
        body = manifest_wire.apply_delta(held, delta)
    except (JSONRefused, manifest_wire.DeltaError) as exc:
        log.warning("manifest delta not applied (%s): asking for the whole manifest", exc)
        return None
    return body if len(body) <= limits.max_manifest_bytes else None


def _parse(body: bytes, limits: Limits) -> Manifest:
    try:
        data = load_json(body, limits.max_json_depth, limits.max_int_digits)
        manifest = Manifest.model_validate(data)
    except JSONRefused as exc:
        raise PullRejected(f"manifest refused: malformed JSON ({exc.detail})") from None
    except ValidationError as exc:
        err = exc.errors(include_url=False)[0]
        raise PullRejected(f"manifest refused: {'.'.join(map(str, err['loc']))}: {err['msg']}") from None
    if manifest.created_at.tzinfo is None:
        raise PullRejected("manifest refused: created_at has no time zone")
    size = sum(e.size for e in manifest.items) + sum(e.size for e in manifest.blobs)
    if len(manifest.items) + len(manifest.blobs) > limits.max_entries or size > limits.max_total_bytes \
            or any(b.size > limits.max_blob_bytes for b in manifest.blobs):
        raise PullRejected(f"manifest refused: {len(manifest.items) + len(manifest.blobs)} files of {size} bytes "
                           "are over this terminal's limits")
    return manifest


def _check_not_replayed(known: dict, terminal_id: str, manifest: Manifest) -> None:
    pinned = known.get("centre") if known.get("centre_terminal") == terminal_id else None
    if pinned and manifest.centre != pinned:
        raise PullRejected(f"manifest refused: it is for centre {manifest.centre!r}, this terminal shows "
                           f"{pinned!r} (re-enrol to move it)")
    last = known.get("manifest_created_at")
    if last:
        try:
            older = manifest.created_at < dt.datetime.fromisoformat(last)
        except (TypeError, ValueError):
            older = False
        if older:
            raise PullRejected(f"manifest refused: version {manifest.version} of {manifest.created_at.isoformat()} "
                               f"is older than the one accepted ({known.get('manifest_version')} of {last}): a replay")


def _have(folders: list[Path], sha256: str, size: int) -> bool:
    for folder in folders:
        try:
            if os.lstat(folder / sha256).st_size == size:
                return True
        except OSError:
            pass
    return False


def _fetch_missing(http: HubHttp, data_dir: Path, manifest: Manifest, should_stop) -> tuple[list[str], int]:
    down = download_dir(data_dir)
    down.mkdir(mode=0o750, exist_ok=True)
    wanted = {e.sha256: e.size for e in manifest.items}
    wanted.update({b.sha256: b.size for b in manifest.blobs})
    fetched, received = [], 0
    for sha, size in sorted(wanted.items()):
        if _have([down, data_dir / "blobs"], sha, size):
            continue
        if should_stop():
            raise PullFailed("stopped before every file was downloaded; the next run resumes")
        received += _fetch(http, sha, size, down)
        fetched.append(sha)
    return fetched, received


def _fetch(http: HubHttp, sha: str, size: int, down: Path) -> int:
    try:
        return fetch_blob(http, sha, size, down).received
    except BlobRejected as exc:
        raise PullRejected(str(exc)) from None
    except DiskFull as exc:
        raise PullFailed(str(exc)) from None
    except OSError as exc:
        raise PullFailed(f"blob {sha[:12]}… cannot be stored in {down}: {exc.strerror or exc}") from None


def _build(data_dir: Path, body: bytes, manifest: Manifest, http: HubHttp, fetched: list[str]) -> str:
    down = download_dir(data_dir)
    path = down / f".manifest-{manifest.version}.json"
    try:
        write_atomic(path, body, 0o644)
    except OSError as exc:
        raise PullFailed(f"the manifest cannot be stored in {down}: {exc.strerror or exc}") from None
    try:
        for attempt in (1, 2):
            try:
                folders = [str(f) for f in (down, data_dir / "blobs") if f.is_dir()]
                version = run_build("blobs", data_dir, "--manifest", str(path), *folders, timeout=BUILD_TIMEOUT_S)
                break
            except BuildFailed as exc:
                if exc.returncode == EXIT_LOCKED:
                    raise PullFailed(f"the content store is busy: {exc}") from None
                damaged = _damaged(str(exc), manifest)
                if attempt == 2 or not damaged:
                    raise PullRejected(f"version {manifest.version} not built: {_short(str(exc))}") from None
                # a damaged copy here: fetch it again into the download folder (which wins)
                log.warning("damaged files, fetching them again: %s", ", ".join(s[:12] for s in damaged))
                for sha, size in damaged.items():
                    fetched.append(sha)
                    _fetch(http, sha, size, down)
    finally:
        path.unlink(missing_ok=True)
    if version != manifest.version:
        raise PullRejected(f"the build installed {version!r}, the manifest names {manifest.version!r}")
    return version


def _damaged(problems: str, manifest: Manifest) -> dict[str, int]:
    """sha256 -> size of the files the build found damaged; {} when anything else is wrong too."""
    blobs = {b.sha256: b.size for b in manifest.blobs}
    items = {e.id: (e.sha256, e.size) for e in manifest.items}
    found: dict[str, int] = {}
    lines = [line for line in problems.splitlines() if line.strip() and not line.startswith(("WARNING ", "INFO "))]
    for line in lines:
        m = _DAMAGED.match(line)
        if m is None:
            return {}
        if m.group(2) in blobs:
            found[m.group(2)] = blobs[m.group(2)]
        elif m.group(3) in items:
            found[items[m.group(3)][0]] = items[m.group(3)][1]
        else:
            return {}
    return found


def _short(text: str, most: int = 600) -> str:
    text = " ".join(text.split())
    return text if len(text) <= most else text[:most] + "…"


def _accept(data_dir: Path, terminal_id: str, manifest: Manifest, etag: str, body: bytes) -> None:
    write_atomic(download_dir(data_dir) / MANIFEST_FILE, body, 0o644)

    def change(known: dict) -> None:
        known.update(etag=etag, manifest_version=manifest.version,
                     manifest_created_at=manifest.created_at.isoformat(), centre=manifest.centre,
                     centre_terminal=terminal_id, installed_at=state.now_iso())
    state.update(data_dir, change)


def _tidy_downloads(data_dir: Path, manifest: Manifest) -> None:
    """Keep the current manifest's item documents (the next version reuses them); the blobs are in
    data_dir/blobs now, and everything else is from older manifests."""
    keep = {e.sha256 for e in manifest.items} | {MANIFEST_FILE}
    down = download_dir(data_dir)
    for entry in os.scandir(down):
        if entry.name not in keep and entry.is_file(follow_symlinks=False):
            os.unlink(entry.path)
