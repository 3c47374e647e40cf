"""The 审计 page (`/admin/audit`, admins only): the audit log newest first, PAGE_SIZE a page going
back by id (keyset, hub.routes_audit.page), filtered by actor and target. Each entry shows its time
in China's time, who, the action in Chinese where it is known (else as stored), the target, and
before/after as JSON (escaped like everything else; long values folded)."""
from __future__ import annotations

import json
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request

from content.i18n import N_
from hub import routes_audit
from hub.admin import sessions, web

router = APIRouter()
PAGE_SIZE = 50
FOLD_AT = 160  # characters of JSON beyond which a value is folded in <details>
ACTIONS = {
    "item.create": N_("Create item"), "item.draft": N_("Save draft"), "item.publish": N_("Publish"),
    "item.delete": N_("Delete"), "item.restore": N_("Restore item"), "user.create": N_("Create user"),
    "user.password": N_("Change password"), "user.disable": N_("Disable user"), "user.enable": N_("Enable user"),
    "role.grant": N_("Grant role"), "role.revoke": N_("Remove role"), "token.create": N_("Create token"),
    "token.revoke": N_("Revoke token"), "session.start": N_("Sign in"), "session.end": N_("Sign out"),
    "terminal.enroll": N_("Enrol terminal"), "terminal.revoke": N_("Revoke terminal"),
    "terminal.screenshot_request": N_("Ask for a screenshot"), "enrolment_code.create": N_("Create enrolment code"),
    "enrolment_code.use": N_("Use enrolment code"), "file.upload": N_("Upload file"),
    "node.disclosure_day": N_("Set disclosure day"), "node.create": N_("Create organisation node"),
    "key.create": N_("Create signing key"), "key.rotate": N_("Rotate signing key"),
    "demo.import": N_("Import demo content")}


def require_admin(request: Request, session: sessions.Session):
    """The session's staff when an admin; the 403 page otherwise."""
    staff = web.staff_of(request, session)
    if not staff.admin:
        raise web.PageError(403, N_("This page is for administrators."))
    return staff


def shown_json(value) -> dict | None:
    """{text, long} of a before/after value, or None when there is none."""
    if value is None:
        return None
    text = json.dumps(value, ensure_ascii=False, indent=1, sort_keys=True, default=str)
    return {"text": text, "long": len(text) > FOLD_AT}


def _filter(value: str | None, limit: int) -> str | None:
    return (value or "").strip()[:limit] or None


@router.get("/admin/audit")
def audit_page(request: Request, session: sessions.Session = Depends(web.signed_in)):
    staff = require_admin(request, session)
    params = request.query_params
    actor, target = _filter(params.get("actor"), 100), _filter(params.get("target"), 200)
    raw = params.get("before") or ""
    before = int(raw) if raw.isdigit() and len(raw) < 18 else None
    with request.app.state.engine.connect() as conn:
        found = routes_audit.page(conn, staff, PAGE_SIZE, before, target, actor)
    entries = [{**e, "before": shown_json(e["before"]), "after": shown_json(e["after"]),
                "label": ACTIONS.get(e["action"])} for e in found["entries"]]
    filters = {k: v for k, v in {"actor": actor, "target": target}.items() if v}
    older = ("/admin/audit?" + urlencode({**filters, "before": found["next_before_id"]})
             if found["next_before_id"] else None)
    return web.render(request, "audit.html", session=session, entries=entries, actor=actor or "",
                      target=target or "", older=older, newest=("/admin/audit?" + urlencode(filters)) if before else None)
