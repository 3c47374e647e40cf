"""Enrolment (`kiosk enroll`, the maintenance screen): trade a one-time code for the terminal's
identity, verify the hub's signature over the exact answer, pin the hub's key.

`POST /api/v1/enroll {code, name, hardware}` -> `{terminal_id, token, hub_public_key}` with
`X-Signature`, the Ed25519 signature of the exact body by `hub_public_key`
(hub/routes_terminals.py). The answer is read with a size cap, parsed strictly
(sync.wire.EnrollResponse) and verified before anything is written; identity.json is replaced
atomically only then, so a failed enrolment leaves the old identity as it was.

Re-enrolling a terminal whose pinned key differs from the hub's answer is refused unless
`force`: another key means another hub (or a reinstalled one) -- the maintainer must say so.
"""
from __future__ import annotations

import os
import platform
import socket
from pathlib import Path

from pydantic import ValidationError

from sync import identity, signing
from sync.http import BAD_ANSWER, UNREACHABLE, HubHttp, HubProblem, app_version, normalise_hub_url
from sync.wire import EnrollRequest, EnrollResponse

__all__ = ["EnrolError", "enroll", "hardware_facts", "default_name"]


class EnrolError(Exception):
    """Enrolment failed; the message says why and what to do. identity.json is unchanged.
    `kind` (for the maintenance screen's wording): bad_url, invalid, damaged, bad_code, locked,
    unreachable, hub_error, refused, bad_answer, key_changed, write_failed."""

    def __init__(self, message: str, kind: str):
        super().__init__(message)
        self.kind = kind


def default_name() -> str:
    return (socket.gethostname() or "terminal")[:100]


def hardware_facts() -> dict:
    """What the terminal runs on, for the fleet view (small, no personal data)."""
    facts = {"machine": platform.machine(), "os": platform.platform(terse=True), "app_version": app_version()}
    try:
        model = Path("/proc/device-tree/model").read_bytes()[:200].rstrip(b"\0").decode("ascii", "replace")
        if model:
            facts["model"] = model
    except OSError:
        pass
    return facts


def _first_error(exc: ValidationError) -> str:
    err = exc.errors(include_url=False, include_input=False)[0]
    return f"{'.'.join(map(str, err['loc'])) or 'body'}: {err['msg']}"


def enroll(data_dir: Path, hub_url: str, code: str, name: str | None = None, *, force: bool = False,
           hardware: dict | None = None, http: HubHttp | None = None) -> identity.Identity:
    """Enrol this terminal and write identity.json; EnrolError on any failure."""
    data_dir = Path(data_dir)
    try:
        hub_url = normalise_hub_url(hub_url)
    except ValueError as exc:
        raise EnrolError(str(exc), "bad_url") from None
    pinned = _pinned_key(data_dir, force)
    try:
        asked = EnrollRequest(code=code.strip(), name=(name or default_name()).strip(),
                              hardware=hardware if hardware is not None else hardware_facts())
    except ValidationError as exc:
        raise EnrolError(f"cannot enrol with these values: {_first_error(exc)}", "invalid") from None
    try:
        with (http or HubHttp(hub_url)) as client:
            answer = client.post_json("/api/v1/enroll", asked.model_dump(mode="json"))
            got = answer.json("enrolment answer")
    except HubProblem as exc:
        hint = ""
        if exc.code == "bad_code":
            hint = "; ask the hub's staff for a new code (kiosk-hub enroll-code, or 终端 in the admin)"
        elif exc.status == 429:
            hint = f"; try again in {int(exc.retry_after_s or 3600) // 60 + 1} minutes"
        raise EnrolError(f"enrolment failed: {exc}{hint}", _kind(exc)) from None
    try:
        reply = EnrollResponse.model_validate(got)
    except ValidationError as exc:
        raise EnrolError(f"the hub's enrolment answer is malformed ({_first_error(exc)}): is {hub_url} a "
                         "lobby-kiosk hub?", "bad_answer") from None
    try:
        signing.verify(reply.hub_public_key, answer.body, answer.headers.get("X-Signature", ""))
    except signing.SignatureError as exc:
        raise EnrolError(f"the hub's enrolment answer is not signed by the key it names ({exc}): "
                         "something between this terminal and the hub changed it; nothing was saved", "bad_answer") from None
    if pinned is not None and pinned != reply.hub_public_key and not force:
        raise EnrolError(
            f"the hub at {hub_url} signs with another key than the one this terminal pinned at its enrolment "
            f"(pinned {pinned[:12]}…, now {reply.hub_public_key[:12]}…). If the hub was reinstalled or this "
            "terminal moves to another hub, enrol again with a new code and --force; otherwise someone may be "
            "impersonating the hub. Nothing was saved (the code is spent).", "key_changed")
    try:
        new = identity.Identity(terminal_id=reply.terminal_id, token=reply.token, hub_url=hub_url,
                                hub_public_key=reply.hub_public_key, name=asked.name)
    except ValidationError as exc:
        raise EnrolError(f"the hub's enrolment answer is malformed ({_first_error(exc)})", "bad_answer") from None
    try:
        identity.save(data_dir, new)
    except OSError as exc:
        raise EnrolError(f"enrolled as {reply.terminal_id}, but {identity.identity_path(data_dir)} cannot be "
                         f"written ({exc.strerror or exc}, uid {os.getuid()}): fix the data dir and enrol again "
                         "with a new code", "write_failed") from None
    return new


def _kind(problem: HubProblem) -> str:
    if problem.code == "bad_code":
        return "bad_code"
    if problem.status == 429:
        return "locked"
    if problem.code in (UNREACHABLE, BAD_ANSWER):
        return problem.code
    return "hub_error" if problem.retry else "refused"


def _pinned_key(data_dir: Path, force: bool) -> str | None:
    try:
        found = identity.load_or_none(data_dir)
    except identity.IdentityError as exc:
        if force:
            return None
        raise EnrolError(str(exc), "damaged") from None
    return found.hub_public_key if found else None
