"""`kiosk content check`: passes on the demo bundle, names every problem on broken copies."""
import json
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from content.check import check_bundle
from content.demo import write_demo_bundle
from tests.hostile import manifest, rewrite_item, save_manifest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo") / "bundle"
    write_demo_bundle(out)
    return out


@pytest.fixture
def copy(demo, tmp_path):
    dest = tmp_path / "copy"
    shutil.copytree(demo, dest)
    return dest


def kiosk(*args):
    return subprocess.run([sys.executable, "-m", "kiosk.cli", *map(str, args)], capture_output=True, text=True, cwd=ROOT)


def first_blob(bundle):
    return manifest(bundle)["blobs"][0]["sha256"]


def test_demo_bundle_passes(demo):
    out = kiosk("content", "check", demo)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("ok:")


def test_demo_bundle_as_tar_gz_passes(demo, tmp_path):
    archive = tmp_path / "demo.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(demo, arcname="demo-bundle")
    assert check_bundle(archive).ok


def test_content_demo_command_writes_a_valid_bundle(tmp_path):
    out = kiosk("content", "demo", "--out", tmp_path / "d")
    assert out.returncode == 0, out.stderr
    assert check_bundle(tmp_path / "d").ok
    again = kiosk("content", "demo", "--out", tmp_path / "d")
    assert again.returncode == 1 and "not empty" in again.stderr


def failing(bundle, *extra):
    out = kiosk("content", "check", bundle, *extra)
    assert out.returncode == 1, out.stdout + out.stderr
    assert "Traceback" not in out.stderr
    return out.stderr


def test_truncated_item_json(copy):
    doc = (copy / "items" / "guide-dibao.json").read_bytes()
    (copy / "items" / "guide-dibao.json").write_bytes(doc[: len(doc) // 2])
    assert "item guide-dibao: items/guide-dibao.json is" in failing(copy)  # size no longer matches
    rewrite_item(copy, "guide-dibao", doc[: len(doc) // 2])  # may cut a character in two
    assert "item guide-dibao: malformed JSON in items/guide-dibao.json" in failing(copy)
    text = doc.decode("utf-8")
    rewrite_item(copy, "guide-dibao", text[: len(text) // 2].encode("utf-8"))
    err = failing(copy)
    assert "item guide-dibao: malformed JSON in items/guide-dibao.json (line 1 column" in err


def test_truncated_manifest(copy):
    text = (copy / "manifest.json").read_bytes()
    (copy / "manifest.json").write_bytes(text[:-40])
    assert "manifest: malformed JSON in manifest.json (line" in failing(copy)


def test_garbage_manifest_and_missing_manifest(copy):
    (copy / "manifest.json").write_bytes(b"\xff\xfe\x00garbage")
    assert "manifest" in failing(copy)
    (copy / "manifest.json").unlink()
    assert "manifest: manifest.json: missing" in failing(copy)


def test_flipped_byte_in_blob(copy):
    sha = first_blob(copy)
    blob = copy / "blobs" / sha
    data = bytearray(blob.read_bytes())
    data[len(data) // 2] ^= 0x01
    blob.write_bytes(bytes(data))
    assert f"blob {sha}: blobs/{sha} does not match its sha256" in failing(copy)


def test_deleted_blob(copy):
    sha = first_blob(copy)
    (copy / "blobs" / sha).unlink()
    assert f"blob {sha}: blobs/{sha} is missing" in failing(copy)


def test_blob_not_listed_in_manifest_but_referenced(copy):
    m = manifest(copy)
    dropped = m["blobs"].pop(0)["sha256"]
    save_manifest(copy, m)
    assert f"refers to blob {dropped}, which the manifest does not list" in failing(copy)


def test_dotdot_names(copy, tmp_path):
    m = manifest(copy)
    m["items"][0]["id"] = "../../etc/passwd"
    m["blobs"][0]["sha256"] = "../" + m["blobs"][0]["sha256"][3:]
    save_manifest(copy, m)
    err = failing(copy)
    assert "item '../../etc/passwd': unsafe name" in err
    assert "unsafe name: a blob is named by its sha256" in err
    # an archive with a member escaping its folder
    archive = tmp_path / "evil.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(copy / "items", arcname="b/items")
        evil = tarfile.TarInfo("../../evil.sh")
        evil.size = 3
        import io
        tar.addfile(evil, io.BytesIO(b"rm\n"))
    assert "archive member '../../evil.sh': unsafe name" in failing(archive)


def test_schema_error_names_item_and_field(copy):
    doc = json.loads((copy / "items" / "guide-dibao.json").read_text(encoding="utf-8"))
    doc["materials"][0]["copies"] = -1
    doc["visits"] = "twice"
    rewrite_item(copy, "guide-dibao", json.dumps(doc, ensure_ascii=False).encode())
    err = failing(copy)
    assert "item guide-dibao field materials.0.copies: Input should be greater than or equal to 0" in err
    assert "item guide-dibao field visits:" in err


def test_oversized_blob_is_refused_without_reading_it(copy):
    sha = first_blob(copy)
    with open(copy / "blobs" / sha, "r+b") as fh:  # a sparse 200 MB file
        fh.truncate(200 * 1024 * 1024)
    err = failing(copy)
    assert f"blob {sha}: blobs/{sha} is 209715200 bytes, over the limit of" in err
    small = failing(copy, "--max-blob-mb", "0.001")
    assert "over the limit of 1048 " in small or "over the limit of 1048" in small


def test_not_a_bundle(tmp_path):
    (tmp_path / "x.tar.gz").write_bytes(b"not an archive at all")
    assert "not a bundle directory nor a readable .tar.gz" in failing(tmp_path / "x.tar.gz")
