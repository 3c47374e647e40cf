"""One error type for what a staff member or operator did wrong: a code, a message, the field."""
from __future__ import annotations


class HubError(Exception):
    """`headers`: extra HTTP headers of the answer (e.g. `Connection: close` for a refused upload)."""

    def __init__(self, code: str, message: str, status: int = 400, field: str | None = None,
                 headers: dict[str, str] | None = None):
        super().__init__(message)
        self.code, self.message, self.status, self.field = code, message, status, field
        self.headers = headers
