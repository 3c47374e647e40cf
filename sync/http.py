"""HTTP to the hub for the terminal: one requests Session with connect/read timeouts, a
User-Agent, `Authorization: Bearer <token>`, and a cap on the bytes read from any answer.

Every failure is a `HubProblem` with a sentence for the maintainer and `retry`: True when
waiting may help (no connection, a timeout, 5xx, 429, an answer that is not what the hub sends --
a captive portal or a broken proxy), False when the request itself is refused (4xx), so the
caller backs off (sync.backoff) or reports.
"""
from __future__ import annotations

import importlib.metadata
import json
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests
from requests.structures import CaseInsensitiveDict

__all__ = ["HubProblem", "Answer", "HubHttp", "app_version", "normalise_hub_url", "MAX_ANSWER_BYTES"]

MAX_ANSWER_BYTES = 1 << 20      # a JSON answer of the wire is a few KB; a manifest is read elsewhere
TIMEOUT = (5.0, 20.0)           # connect, read (between bytes)
TOTAL_S = 60.0                  # a whole answer, however slowly it drips
CHUNK = 64 * 1024
MAX_MESSAGE = 300
UNREACHABLE = "unreachable"   # HubProblem.code when no HTTP answer came (no connection, timeout)
BAD_ANSWER = "bad_answer"     # ... when the answer is not what a hub sends (not JSON, too large)


class HubProblem(Exception):
    def __init__(self, message: str, *, status: int | None = None, code: str | None = None,
                 retry: bool = False, retry_after_s: float | None = None):
        super().__init__(message)
        self.status, self.code, self.retry, self.retry_after_s = status, code, retry, retry_after_s


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes
    headers: CaseInsensitiveDict

    def json(self, what: str = "answer") -> dict:
        """The body as a JSON object; HubProblem (retry) when it is not one."""
        try:
            value = json.loads(self.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise HubProblem(f"the hub's {what} is not JSON (HTTP {self.status}, {len(self.body)} bytes): "
                             "is the URL the hub's, and no proxy or captive portal in between?", code=BAD_ANSWER, retry=True) from None
        if not isinstance(value, dict):
            raise HubProblem(f"the hub's {what} is JSON but not an object", code=BAD_ANSWER, retry=True)
        return value


def app_version() -> str:
    try:
        return importlib.metadata.version("lobby-kiosk")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def normalise_hub_url(url: str) -> str:
    """`url` without a trailing slash; ValueError for anything but http(s)://host[:port][/path]."""
    text = (url or "").strip()
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment \
            or any(c.isspace() for c in text):
        raise ValueError(f"{text[:100]!r} is not a hub URL: use http(s)://host[:port], e.g. https://hub.example.gov.cn")
    return text.rstrip("/")


def _one_line(text: str) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= MAX_MESSAGE else text[:MAX_MESSAGE] + "…"


class HubHttp:
    """Requests to one hub; `token` (None for enrolment) goes in every request."""

    def __init__(self, hub_url: str, token: str | None = None, *, timeout=TIMEOUT,
                 max_bytes: int = MAX_ANSWER_BYTES, session: requests.Session | None = None):
        self.base = normalise_hub_url(hub_url)
        self.timeout, self.max_bytes = timeout, max_bytes
        self.session = session or requests.Session()
        self.session.headers["User-Agent"] = f"lobby-kiosk/{app_version()} (terminal)"
        if token:
            self.session.headers["Authorization"] = f"Bearer {token}"

    def close(self) -> None:
        self.session.close()

    def __enter__(self) -> "HubHttp":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def post_json(self, path: str, body: dict) -> Answer:
        data = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
        return self.request("POST", path, data, "application/json")

    def request(self, method: str, path: str, data: bytes | None = None, content_type: str | None = None, *,
                headers: dict | None = None, timeout=None, also_ok: tuple[int, ...] = ()) -> Answer:
        """The answer of a 2xx (or a status in `also_ok`, e.g. 304); HubProblem for anything else
        (the hub's own message included). `timeout` replaces the session's (a long-poll)."""
        url = self.base + path
        headers = {**({"Content-Type": content_type} if content_type else {}), **(headers or {})}
        timeout = timeout or self.timeout
        try:
            with self.session.request(method, url, data=data, headers=headers, timeout=timeout,
                                      stream=True, allow_redirects=False) as resp:
                body = self._read(resp)
                answer = Answer(resp.status_code, body, CaseInsensitiveDict(resp.headers))
        except requests.Timeout:
            raise HubProblem(f"the hub at {self.base} did not answer within {timeout[1]:g} s "
                             "(network down or hub overloaded)", code=UNREACHABLE, retry=True) from None
        except requests.ConnectionError as exc:
            raise HubProblem(f"cannot reach the hub at {self.base}: {_reason(exc)}; check the network and "
                             "the hub URL", code=UNREACHABLE, retry=True) from None
        except requests.RequestException as exc:
            raise HubProblem(f"request to the hub at {self.base} failed: {type(exc).__name__}",
                             code=UNREACHABLE, retry=True) from None
        if 200 <= answer.status < 300 or answer.status in also_ok:
            return answer
        raise self.refusal(answer)

    def _read(self, resp: requests.Response) -> bytes:
        length = resp.headers.get("Content-Length")
        if length and length.isdigit() and int(length) > self.max_bytes:
            raise HubProblem(f"the hub's answer is {int(length)} bytes, more than the {self.max_bytes} "
                             "this terminal reads: not the hub, or a broken proxy", code=BAD_ANSWER, retry=True)
        chunks, size, deadline = [], 0, time.monotonic() + TOTAL_S
        for chunk in resp.iter_content(CHUNK):
            size += len(chunk)
            if time.monotonic() > deadline:
                raise requests.Timeout()
            if size > self.max_bytes:
                raise HubProblem(f"the hub's answer is larger than the {self.max_bytes} bytes this terminal "
                                 "reads: not the hub, or a broken proxy", code=BAD_ANSWER, retry=True)
            chunks.append(chunk)
        return b"".join(chunks)

    def refusal(self, answer: Answer) -> HubProblem:
        code = message = None
        try:
            found = json.loads(answer.body.decode("utf-8"))
            if isinstance(found, dict):
                code, message = found.get("error"), found.get("message")
        except (UnicodeDecodeError, ValueError):
            pass
        code = _one_line(code) if isinstance(code, str) else None
        said = f": {_one_line(message)}" if isinstance(message, str) and message else ""
        status = answer.status
        if status >= 500:
            return HubProblem(f"the hub at {self.base} has a problem (HTTP {status}{said}); retrying later",
                              status=status, code=code, retry=True)
        if status == 429:
            wait = _seconds(answer.headers.get("Retry-After"))
            return HubProblem(f"the hub asks to wait (HTTP 429{said})", status=status, code=code, retry=True,
                              retry_after_s=wait)
        if 300 <= status < 400:
            return HubProblem(f"the hub at {self.base} redirects (HTTP {status} to "
                              f"{_one_line(answer.headers.get('Location', '?'))}): use the URL it redirects to",
                              status=status, code=code)
        return HubProblem(f"the hub refused the request (HTTP {status} {code or ''}{said})".replace(" )", ")"),
                          status=status, code=code)


def _seconds(text: str | None) -> float | None:
    return float(text) if text and text.isdigit() and int(text) < 86400 else None


def _reason(exc: Exception) -> str:
    text = str(exc)
    for known in ("Connection refused", "Name or service not known", "No route to host",
                  "Temporary failure in name resolution", "Network is unreachable", "certificate verify failed"):
        if known in text:
            return known.lower()
    return type(exc).__name__
