"""`/t/<id>`: the page a ticket's QR code opens on a resident's phone (on the lobby's network):
the number, how many are ahead, and where to go once called. Rendered on the server, no script
(a phone's browser may be old); it reloads itself every REFRESH_S. Only what the ticket itself
shows is on it: never a name.
"""
from __future__ import annotations

import html

from fastapi.responses import HTMLResponse

from content.i18n import N_
from tickets.queue import QueueError

REFRESH_S = 20


STATES = {
    "waiting": N_("Waiting: {ahead} ahead of you"),
    "called": N_("It is your turn: please go to {counter}"),
    "serving": N_("Being served at {counter}"),
    "done": N_("Finished. Thank you!"),
    "no_show": N_("Your number was called but you were not there. Please take a new number."),
    "transferred": N_("Moved to another service: please keep waiting"),
    "cancelled": N_("This number was cancelled."),
}
MSGIDS = (N_("Your number"), N_("This ticket was not found: it is valid on its day only."),
          N_("This page updates by itself."), *STATES.values())

PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="refresh" content="{refresh}">
<title>{title}</title>
<link rel="stylesheet" href="/web/pages.css"></head>
<body class="ticket-page"><main>
<p>{title}</p><h1>{number}</h1><p>{service}</p><p class="state">{state}</p><p class="hint">{hint}</p>
</main></body></html>
"""


def render(queue, ticket_id: str, gt) -> tuple[int, str]:
    """(status, HTML) of a ticket's page."""
    try:
        t = queue.get(ticket_id)
    except QueueError:
        body = PAGE.format(refresh=3600, title=html.escape(gt("Your number")), number="—", service="",
                           state=html.escape(gt("This ticket was not found: it is valid on its day only.")), hint="")
        return 404, body
    if t["state"] == "transferred" and t.get("transferred_to"):
        t = {**queue.get(t["transferred_to"]), "number": t["number"]}
    state = gt(STATES.get(t["state"], STATES["waiting"])).format(ahead=t.get("ahead", 0), counter=t.get("counter") or "")
    return 200, PAGE.format(refresh=REFRESH_S, title=html.escape(gt("Your number")), number=html.escape(t["number"]),
                            service=html.escape(t.get("service_name", "")), state=html.escape(state),
                            hint=html.escape(gt("This page updates by itself.")))


def add_route(app, queue, gt, headers: dict) -> None:
    from starlette.concurrency import run_in_threadpool

    async def page(ticket_id: str):
        status, body = await run_in_threadpool(render, queue, ticket_id[:40], gt)
        return HTMLResponse(body, status_code=status, headers=headers)

    app.add_api_route("/t/{ticket_id}", page, methods=["GET"], include_in_schema=False)
