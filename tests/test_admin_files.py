"""Uploads from the staff pages' edit forms (hub.admin.pages_files: POST /admin/files with the
session's CSRF token, GET /admin/files/{sha}), through the staff API's streaming upload."""
from __future__ import annotations

import io
import os

from PIL import Image

from tests.admin_support import browser, csrf_of, signed_in
from tests.hub_api_support import api, database_url  # noqa: F401  (fixtures)
from tests.upload_support import pdf_pages


def _png(size=(3000, 1500)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buf, "PNG")
    return buf.getvalue()


def _temp_files(api) -> list[str]:
    root = api.settings.data_dir / "blobs"
    return [n for n in os.listdir(root) if n.startswith(".tmp")] if root.exists() else []


def test_an_editor_uploads_an_image_and_sees_the_resized_result(api):  # noqa: F811
    client = signed_in(api, "ed-a")
    answer = client.post("/admin/files", data={"csrf": csrf_of(client)}, files={"file": ("a.png", _png())})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["width"], body["height"]) == (2048, 1024) and body["url"] == f"/admin/files/{body['sha256']}"
    shown = client.get(body["url"])
    assert shown.status_code == 200 and shown.headers["content-type"].startswith("image/")
    assert Image.open(io.BytesIO(shown.content)).size == (2048, 1024)
    audit = api.call("admin", "GET", "/api/staff/audit").json()
    assert any(e["action"] == "file.upload" and e["actor"] == "ed-a" for e in audit["entries"]), audit


def test_a_pdf_gives_its_rendered_pages(api):  # noqa: F811
    client = signed_in(api, "ed-a")
    answer = client.post("/admin/files", data={"csrf": csrf_of(client)}, files={"file": ("d.pdf", pdf_pages(3))})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert len(body["pages"]) == 3 and body["page_urls"] == [f"/admin/files/{p}" for p in body["pages"]]
    assert client.get(body["page_urls"][2]).headers["content-type"].startswith("image/")


def test_refusals_are_chinese_and_leave_nothing(api):  # noqa: F811
    client = signed_in(api, "ed-a")
    csrf = csrf_of(client)
    no_token = client.post("/admin/files", files={"file": ("a.png", _png((10, 10)))})
    assert no_token.status_code == 403 and "已过期" in no_token.json()["message"]
    wrong = client.post("/admin/files", data={"csrf": csrf}, files={"file": ("a.exe", b"MZ\x90\0" + b"\0" * 100)})
    assert wrong.status_code == 415 and "只能上传图片" in wrong.json()["message"]
    noisy = io.BytesIO()
    Image.effect_noise((400, 400), 60).save(noisy, "PNG")
    cut = noisy.getvalue()[: len(noisy.getvalue()) // 2]
    broken = client.post("/admin/files", data={"csrf": csrf}, files={"file": ("a.png", cut)})
    assert broken.status_code == 422 and "损坏" in broken.json()["message"]
    signed_out = browser(api).post("/admin/files", data={"csrf": csrf}, files={"file": ("a.png", _png((10, 10)))})
    assert signed_out.status_code == 401 and "退出登录" in signed_out.json()["message"]
    viewer = signed_in(api, "view-a")
    refused = viewer.post("/admin/files", data={"csrf": csrf_of(viewer)}, files={"file": ("a.png", _png((10, 10)))})
    assert refused.status_code == 403 and "无权上传" in refused.json()["message"]
    assert _temp_files(api) == []


def test_a_huge_upload_is_cut_off(api):  # noqa: F811
    client = signed_in(api, "ed-a")
    csrf = csrf_of(client)
    boundary = "xyz"

    def body():
        yield (f"--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n"
               f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.pdf\"\r\n"
               "Content-Type: application/pdf\r\n\r\n%PDF-1.7\n").encode()
        chunk = b"0" * (1 << 20)
        for _ in range(200):
            yield chunk

    answer = client.post("/admin/files", content=body(),
                         headers={"content-type": f"multipart/form-data; boundary={boundary}"})
    assert answer.status_code == 413 and "文件太大" in answer.json()["message"]
    assert _temp_files(api) == []


def test_files_need_a_session_and_unknown_ones_are_a_page(api):  # noqa: F811
    out = browser(api).get("/admin/files/" + "a" * 64, follow_redirects=False)
    assert out.status_code == 303 and out.headers["location"].startswith("/admin/login")
    client = signed_in(api, "view-a")
    missing = client.get("/admin/files/" + "a" * 64)
    assert missing.status_code == 404 and "<html" in missing.text.lower()
    assert client.get("/admin/files/..%2F..%2Fetc%2Fpasswd").status_code == 404
