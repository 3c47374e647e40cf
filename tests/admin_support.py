"""Helpers for the staff web pages' tests: a browser-like client signed in through the real
sign-in form (hub_api_support's hub: users of every role, all with PASSWORD), and a Chromium page
signed in the same way (`sign_in_chromium`, for the Playwright tests)."""
from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.hub_api_support import PASSWORD

_TOKEN_RE = re.compile(r'name="(login_token|csrf)" value="([^"]+)"')


def hidden(html: str, name: str) -> str:
    for key, value in _TOKEN_RE.findall(html):
        if key == name:
            return value
    raise AssertionError(f"no hidden field {name!r} in the page")


def browser(api) -> TestClient:
    """A new client (its own cookie jar) on the hub's app."""
    return TestClient(api.client.app)


def try_login(client: TestClient, user: str, password: str = PASSWORD):
    page = client.get("/admin/login")
    assert page.status_code == 200
    return client.post("/admin/login", data={"user": user, "password": password,
                                             "login_token": hidden(page.text, "login_token")},
                       follow_redirects=False)


def signed_in(api, user: str) -> TestClient:
    client = browser(api)
    answer = try_login(client, user)
    assert answer.status_code == 303, answer.text
    return client


def sign_in_chromium(page, hub_url: str, path: str = "/admin/items", user: str = "admin",
                     password: str = PASSWORD) -> None:
    """Sign a Playwright page in through the real sign-in form and wait until it shows `path`."""
    page.goto(hub_url + "/admin/login?next=" + path)
    page.fill("input[name=user]", user)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url("**" + path)


def csrf_of(client: TestClient) -> str:
    return hidden(client.get("/admin/password").text, "csrf")


def row_fields(name: str, rows: list) -> dict:
    """A list of a form (hub.admin.rows) as posted: `name.N` for text rows or `name.N.part` for dict
    rows, and `name.count` with one blank row more, as the page has."""
    data = {f"{name}.count": str(len(rows) + 1)}
    for n, row in enumerate(rows):
        if isinstance(row, dict):
            data.update({f"{name}.{n}.{k}": v for k, v in row.items()})
        else:
            data[f"{name}.{n}"] = row
    return data
