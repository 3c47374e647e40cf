"""One error type for what a staff member or operator did wrong: a code, a message, the field."""
from __future__ import annotations


class HubError(Exception):
    def __init__(self, code: str, message: str, status: int = 400, field: str | None = None):
        super().__init__(message)
        self.code, self.message, self.status, self.field = code, message, status, field
