"""The store removes only what it made and refuses unsafe version names, also when called
directly (issue #11). A data dir here holds what a terminal's does: tickets, identity, outbox."""
import os
from contextlib import contextmanager
from pathlib import Path

import pytest

import content.store as store
from content.bundle import BundleError, Limits
from content.store import (
    BundleInvalid, NoContent, StoreError, build_version, current_version, list_versions, open_current, prune,
    switch_current,
)
from tests.hostile import BAD_VERSIONS, CASES, MIB, VALID_VERSIONS, END, gz, small_bundle, tar_of_dir, write

SMALL = Limits(max_total_bytes=64 * MIB)
SHA_X = "e" * 64


def tree(root: Path) -> dict[str, str]:
    """Every file, folder and link under `root` (links not followed) with its content or target."""
    out = {}
    for folder, dirs, files in os.walk(root):
        for name in dirs + files:
            path = Path(folder, name)
            rel = str(path.relative_to(root))
            if path.is_symlink():
                out[rel] = "-> " + os.readlink(path)
            elif path.is_dir():
                out[rel] = "/"
            elif path.is_file():
                out[rel] = path.read_bytes().hex()[:64]
            else:
                out[rel] = "special"
    return out


@pytest.fixture
def data(tmp_path):
    data = tmp_path / "data"
    small_bundle(tmp_path / "good", version="good-1")
    build_version(tmp_path / "good", data)
    (data / "tickets.sqlite").write_bytes(b"SQLite format 3\0 tickets")
    (data / "identity.json").write_text('{"terminal": "t-1"}')
    (data / "outbox").mkdir()
    (data / "outbox" / "heartbeat-1.json").write_text("{}")
    return data


@pytest.fixture
def outside(tmp_path):
    """A folder next to the data dir that links will point at; it must never change."""
    out = tmp_path / "outside"
    (out / "usr").mkdir(parents=True)
    (out / "usr" / "precious").write_text("keep me")
    (out / SHA_X).write_text("not a blob")
    return out


def test_no_hostile_bundle_removes_or_installs_anything(data, tmp_path):
    before = tree(data)
    for i, case in enumerate(CASES):
        work = tmp_path / f"case{i}"
        work.mkdir()
        bundle = case.build(work, tmp_path / "good", SMALL.max_total_bytes)
        with pytest.raises((BundleInvalid, BundleError, StoreError)) as refused:
            build_version(bundle, data, limits=SMALL)
        assert case.expect in str(refused.value), case.label
    assert tree(data) == before
    assert current_version(data) == "good-1" and list_versions(data) == ["good-1"]


@pytest.mark.parametrize("version", BAD_VERSIONS)
def test_store_functions_refuse_an_unsafe_version_even_when_called_directly(version, data, tmp_path, monkeypatch):
    before = tree(data)
    with pytest.raises(StoreError, match="unsafe version name"):
        switch_current(data, version)

    real = store.checked_bundle

    @contextmanager
    def unchecked_version(path, limits):  # as if a future sync client skipped the manifest check
        with real(path, limits) as (result, src):
            result.manifest = result.manifest.model_copy(update={"version": version})
            yield result, src

    monkeypatch.setattr(store, "checked_bundle", unchecked_version)
    small_bundle(tmp_path / "next", slides_png=b"other")
    with pytest.raises(StoreError, match="unsafe version name"):
        build_version(tmp_path / "next", data)
    assert tree(data) == before and current_version(data) == "good-1"


@pytest.mark.parametrize("version", VALID_VERSIONS)
def test_valid_version_names_install(version, data, tmp_path):
    small_bundle(tmp_path / "v", version=version)
    assert build_version(tmp_path / "v", data) == version == current_version(data)
    assert (data / "tickets.sqlite").exists()


@pytest.mark.parametrize("target", [
    "/etc", "..", "../..", "versions", "versions/", "versions/good-1/", "versions/good-1/..", "versions/../../x",
    "versions/.hidden", "./versions/good-1", "versions//good-1", "versions/good-1/content.sqlite", "VERSIONS/good-1",
    "linked", "versions/linked",
])
def test_current_pointing_anywhere_else_is_no_content(target, data, outside):
    (outside / "v" / "content.sqlite").parent.mkdir()
    (outside / "v" / "content.sqlite").write_bytes((data / "versions/good-1/content.sqlite").read_bytes())
    (data / "linked").symlink_to(outside / "v")
    (data / "versions" / "linked").symlink_to(outside / "v")
    os.replace(_link(data, target), data / "current")
    assert current_version(data) is None
    with pytest.raises(NoContent):
        open_current(data)
    before = tree(outside)
    prune(data)
    assert tree(outside) == before
    assert (data / "versions" / "good-1" / "content.sqlite").exists()  # the newest stays


def _link(data: Path, target: str) -> Path:
    tmp = data / ".test-link"
    tmp.symlink_to(target)
    return tmp


@pytest.mark.parametrize("kind", ["file", "folder"])
def test_current_that_is_not_a_link_is_no_content(kind, data):
    (data / "current").unlink()
    if kind == "file":
        (data / "current").write_text("versions/good-1")
    else:
        (data / "current").mkdir()
    assert current_version(data) is None


def test_prune_removes_only_what_the_store_made(data, tmp_path, outside):
    for i in range(2):  # two more versions: good-1 becomes the one kept for rollback
        small_bundle(tmp_path / f"b{i}", slides_png=f"png {i}".encode(), version=f"new-{i}")
        build_version(tmp_path / f"b{i}", data)
    versions, blobs = data / "versions", data / "blobs"
    kept_blobs = set(os.listdir(blobs)) - {_sha_of(tmp_path / "good")}
    (versions / "new-0" / "link").symlink_to(outside / "usr")  # inside a version the store will remove
    foreign = {"notes folder": "dir", ".hidden": "dir", "README": "file", "linked": "link"}
    for name, kind in foreign.items():
        for folder in (versions, blobs):
            _make(folder / name, kind, outside)
    foreign_blobs = {SHA_X, "f" * 64}  # named like blobs, but a folder and a link
    _make(blobs / SHA_X, "dir", outside)
    (blobs / ("f" * 64)).symlink_to(outside / SHA_X)
    ours = [versions / ".build-new-2-k3j_x9a", versions / "leftover-9", blobs / ("d" * 64), blobs / f".{'c' * 64}.123.tmp"]
    ours[0].mkdir()
    ours[1].mkdir()
    ours[2].write_bytes(b"unreferenced")
    ours[3].write_bytes(b"interrupted")
    before_outside = tree(outside)

    prune(data)

    assert tree(outside) == before_outside
    assert sorted(list_versions(data)) == ["new-0", "new-1"]
    assert not any(p.exists() for p in ours) and not (versions / "good-1").exists()
    assert set(os.listdir(versions)) == {"new-0", "new-1", *foreign}
    assert set(os.listdir(blobs)) == kept_blobs | set(foreign) | foreign_blobs
    assert (data / "tickets.sqlite").exists() and (data / "outbox" / "heartbeat-1.json").exists()


def _sha_of(bundle: Path) -> str:
    return next(p.name for p in (bundle / "blobs").iterdir())


def _make(path: Path, kind: str, outside: Path) -> None:
    if kind == "dir":
        path.mkdir()
        (path / "inside").write_text("x")
    elif kind == "file":
        path.write_text("x")
    else:
        path.symlink_to(outside / "usr")


@pytest.mark.parametrize("folder", ["versions", "blobs"])
def test_versions_or_blobs_linked_elsewhere_are_refused(folder, tmp_path, outside):
    data = tmp_path / "data"
    data.mkdir()
    (data / folder).symlink_to(outside)
    (data / "identity.json").write_text("{}")
    before = tree(outside)
    small_bundle(tmp_path / "b")
    with pytest.raises(StoreError, match=f"{folder} is a symbolic link, not a folder"):
        build_version(tmp_path / "b", data)
    if folder == "versions":
        os.symlink("versions/usr", data / "current")
        assert current_version(data) is None and list_versions(data) == []
        with pytest.raises(StoreError):
            prune(data)
    assert tree(outside) == before and (data / "identity.json").exists()


def test_a_blob_changed_after_the_check_is_not_installed(data, tmp_path, monkeypatch):
    small_bundle(tmp_path / "b", slides_png=b"original png")
    real = store.checked_bundle

    @contextmanager
    def edited_after_check(path, limits):
        with real(path, limits) as (result, src):
            blob = next((Path(path) / "blobs").iterdir())
            blob.write_bytes(b"replaced png")  # same size, other bytes
            yield result, src

    monkeypatch.setattr(store, "checked_bundle", edited_after_check)
    before = tree(data)
    with pytest.raises(BundleError, match="changed after the check"):
        build_version(tmp_path / "b", data)
    assert tree(data) == before and current_version(data) == "good-1"


def test_a_version_is_built_from_a_tar_gz(data, tmp_path):
    manifest = small_bundle(tmp_path / "b", slides_png=b"png from an archive", version="from-tgz")
    archive = write(tmp_path, "b.tar.gz", gz(tar_of_dir(tmp_path / "b") + END))
    assert build_version(archive, data) == "from-tgz"
    sha = manifest["blobs"][0]["sha256"]
    assert open_current(data).blob_path(sha).read_bytes() == b"png from an archive"


def test_switch_current_refuses_a_version_not_installed(data):
    with pytest.raises(StoreError, match="not completely installed"):
        switch_current(data, "never-built")
    (data / "versions" / "half").mkdir()
    with pytest.raises(StoreError, match="not completely installed"):
        switch_current(data, "half")
    assert current_version(data) == "good-1"
