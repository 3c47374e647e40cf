"""What every staff endpoint shares: the bearer token, the signed-in staff member, the org tree.

`current_staff` is a FastAPI dependency: 401 (JSON) without a live token of an enabled user.
Handlers are plain functions (FastAPI runs them in its thread pool), so these are too.
"""
from __future__ import annotations

from fastapi import Request

from hub import perms
from hub.errors import HubError


def bearer(request: Request) -> str | None:
    scheme, _, value = (request.headers.get("authorization") or "").partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def current_staff(request: Request) -> perms.Staff:
    staff = perms.staff_for_token(request.app.state.engine, bearer(request))
    if staff is None:
        raise HubError("unauthorized", "send Authorization: Bearer <token> from kiosk-hub token --user U", 401)
    return staff
