"""Building a version from what the sync client holds: the hub's manifest bytes and folders of
files named by sha256 (content.source.BlobDir), in this process and in a child (content.build)."""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from content.build import BuildFailed, run_build
from content.source import BlobDir, BundlePath
from content.store import BundleInvalid, build_version, current_version, open_current
from sync.manifest import encode
from tests.hostile import small_bundle

ROOT = Path(__file__).resolve().parents[1]


def as_blob_dir(bundle: Path, out: Path, blobs: bool = True) -> bytes:
    """The bundle as the sync client has it: every file named by its sha256; the manifest's bytes."""
    manifest = json.loads((bundle / "manifest.json").read_text(encoding="utf-8"))
    out.mkdir(parents=True, exist_ok=True)
    for item in manifest["items"]:
        shutil.copyfile(bundle / "items" / f"{item['id']}.json", out / item["sha256"])
    for blob in manifest["blobs"] if blobs else ():
        shutil.copyfile(bundle / "blobs" / blob["sha256"], out / blob["sha256"])
    return encode(manifest)


@pytest.fixture(scope="module")
def demo_bundle(tmp_path_factory):
    from content.demo import write_demo_bundle

    path = tmp_path_factory.mktemp("demo") / "bundle"
    write_demo_bundle(path)
    return path


def test_the_demo_from_a_blob_dir_equals_the_demo_from_its_bundle(tmp_path, demo_bundle):
    manifest = as_blob_dir(demo_bundle, tmp_path / "dl")
    v = build_version(BlobDir(manifest, [tmp_path / "dl"]), tmp_path / "a")
    assert build_version(BundlePath(demo_bundle), tmp_path / "b") == v
    a, b = open_current(tmp_path / "a"), open_current(tmp_path / "b")
    for kind in ("guide", "notice", "disclosure", "slide", "centre", "ticket_service"):
        assert a.items(kind) == b.items(kind)
    assert [g.id for g in a.search("dbsq")] == [g.id for g in b.search("dbsq")] != []
    assert sorted(os.listdir(tmp_path / "a" / "blobs")) == sorted(os.listdir(tmp_path / "b" / "blobs"))


def test_new_files_plus_the_blobs_the_terminal_has(tmp_path):
    data = tmp_path / "data"
    small_bundle(tmp_path / "v1", slides_png=b"png one", version="v1")
    build_version(tmp_path / "v1", data)
    small_bundle(tmp_path / "v2", slides_png=b"png one", version="v2")  # same image, new version
    manifest = as_blob_dir(tmp_path / "v2", tmp_path / "dl", blobs=False)  # only the documents came
    with pytest.raises(BundleInvalid, match=r"blobs/[0-9a-f]{64} is missing"):
        build_version(BlobDir(manifest, [tmp_path / "dl"]), data)
    assert build_version(BlobDir(manifest, [tmp_path / "dl", data / "blobs"]), data) == "v2"
    view = open_current(data)
    assert view.blob_path(view.items("slide")[0].image).read_bytes() == b"png one"


def test_what_a_blob_dir_may_not_hold(tmp_path):
    m = small_bundle(tmp_path / "b", version="v1")
    manifest = as_blob_dir(tmp_path / "b", tmp_path / "dl")
    data = tmp_path / "data"
    item_sha = next(e["sha256"] for e in m["items"] if e["id"] == "s1")
    blob_sha = m["blobs"][0]["sha256"]

    (tmp_path / "dl" / item_sha).write_bytes(b"x" * len((tmp_path / "b" / "items" / "s1.json").read_bytes()))
    with pytest.raises(BundleInvalid, match="item s1: items/s1.json does not match its sha256"):
        build_version(BlobDir(manifest, [tmp_path / "dl"]), data)
    shutil.copyfile(tmp_path / "b" / "items" / "s1.json", tmp_path / "dl" / item_sha)

    (tmp_path / "dl" / blob_sha).unlink()
    os.symlink(tmp_path / "b" / "blobs" / blob_sha, tmp_path / "dl" / blob_sha)
    with pytest.raises(BundleInvalid, match="symbolic link"):
        build_version(BlobDir(manifest, [tmp_path / "dl"]), data)

    with pytest.raises(BundleInvalid, match="manifest: malformed JSON"):
        build_version(BlobDir(b"{not json", [tmp_path / "dl"]), data)
    with pytest.raises(BundleInvalid, match="no such folder"):
        build_version(BlobDir(manifest, [tmp_path / "nowhere"]), data)
    assert current_version(data) is None  # nothing was installed


def test_a_child_process_builds_from_a_blob_dir(tmp_path):
    small_bundle(tmp_path / "b", version="from-child")
    (tmp_path / "manifest.json").write_bytes(as_blob_dir(tmp_path / "b", tmp_path / "dl"))
    data = tmp_path / "data"
    assert run_build("blobs", data, "--manifest", tmp_path / "manifest.json", tmp_path / "dl") == "from-child"
    assert current_version(data) == "from-child"
    (tmp_path / "bad.json").write_bytes(b"[]")
    with pytest.raises(BuildFailed, match="manifest") as failed:
        run_build("blobs", data, "--manifest", tmp_path / "bad.json", tmp_path / "dl")
    assert failed.value.returncode == 1


def test_the_build_command_explains_bad_arguments(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "content.build", "blobs", "--data-dir", str(tmp_path)],
                          cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 2 and "--manifest FILE and at least one blob folder" in proc.stderr


def test_the_child_runs_this_code_whatever_folder_the_terminal_started_in(tmp_path, monkeypatch):
    (tmp_path / "content").mkdir()
    (tmp_path / "content" / "__init__.py").write_text("")
    (tmp_path / "content" / "build.py").write_text("raise SystemExit('a stray content/build.py ran')")
    small_bundle(tmp_path / "b", version="real")
    monkeypatch.chdir(tmp_path)
    assert run_build("bundle", Path("data"), Path("b").absolute()) == "real"
    assert current_version(tmp_path / "data") == "real"


def test_a_damaged_held_blob_fails_the_check_until_it_is_downloaded_again(tmp_path):
    data = tmp_path / "data"
    m = small_bundle(tmp_path / "v1", slides_png=b"png one", version="v1")
    build_version(tmp_path / "v1", data)
    sha = m["blobs"][0]["sha256"]
    (data / "blobs" / sha).chmod(0o644)
    (data / "blobs" / sha).write_bytes(b"png 0ne")  # rotten, same size
    small_bundle(tmp_path / "v2", slides_png=b"png one", version="v2")
    manifest = as_blob_dir(tmp_path / "v2", tmp_path / "dl", blobs=False)
    with pytest.raises(BundleInvalid, match=f"blob {sha}: blobs/{sha} does not match its sha256"):
        build_version(BlobDir(manifest, [tmp_path / "dl", data / "blobs"]), data)
    (tmp_path / "dl" / sha).write_bytes(b"png one")  # fetched again
    assert build_version(BlobDir(manifest, [tmp_path / "dl", data / "blobs"]), data) == "v2"
    assert (data / "blobs" / sha).read_bytes() == b"png one"
