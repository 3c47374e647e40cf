"""The local content store: versions built completely, switched atomically, pruned; expiry by clock."""
import datetime as dt
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from content.schemas import CST, Notice, Paragraph
from content.store import BundleInvalid, NoContent, build_version, current_version, list_versions, open_current
from tests.hostile import WHEN, small_bundle
from tests.synthetic import synthetic_bundle

ROOT = Path(__file__).resolve().parents[1]


def test_build_switch_and_read(tmp_path):
    m = small_bundle(tmp_path / "b")
    data = tmp_path / "data"
    with pytest.raises(NoContent):
        open_current(data)
    v = build_version(tmp_path / "b", data)
    assert v == m["version"] == current_version(data)
    assert os.readlink(data / "current") == f"versions/{v}"
    view = open_current(data)
    assert view.centre().name == "测试中心"
    slide = view.items("slide")[0]
    assert view.blob_path(slide.image).read_bytes() == b"\x89PNG fake"
    assert not os.access(data / "versions" / v / "content.sqlite", os.W_OK) or os.geteuid() == 0
    # the same bundle again changes nothing
    assert build_version(tmp_path / "b", data) == v
    assert list_versions(data) == [v]


def test_previous_version_kept_older_pruned_with_their_blobs(tmp_path):
    data = tmp_path / "data"
    versions = []
    for i in range(3):
        small_bundle(tmp_path / f"b{i}", slides_png=f"png {i}".encode())
        versions.append(build_version(tmp_path / f"b{i}", data))
        time.sleep(0.02)
    assert current_version(data) == versions[2]
    assert set(list_versions(data)) == {versions[1], versions[2]}
    blobs = sorted(p.read_bytes() for p in (data / "blobs").iterdir())
    assert blobs == [b"png 1", b"png 2"]


def test_invalid_bundle_installs_nothing(tmp_path):
    small_bundle(tmp_path / "b")
    data = tmp_path / "data"
    v = build_version(tmp_path / "b", data)
    small_bundle(tmp_path / "bad", slides_png=b"other")
    blob = next((tmp_path / "bad" / "blobs").iterdir())
    blob.write_bytes(b"tampered")
    with pytest.raises(BundleInvalid, match="blob"):
        build_version(tmp_path / "bad", data)
    assert current_version(data) == v


def test_expired_and_unpublished_items_hidden_by_the_terminal_clock(tmp_path):
    notices = [
        Notice(id="old", title="已过期", updated_at=WHEN, expire_at=dt.datetime(2026, 10, 5)),
        Notice(id="now", title="当前", updated_at=WHEN, publish_at=dt.datetime(2026, 10, 1), level="urgent",
               blocks=[Paragraph(text="停水")]),
        Notice(id="later", title="未发布", updated_at=WHEN, publish_at=dt.datetime(2026, 10, 20)),
    ]
    small_bundle(tmp_path / "b", notices)
    build_version(tmp_path / "b", tmp_path / "data")
    view = open_current(tmp_path / "data")
    at = lambda d: dt.datetime(2026, 10, d, 12, tzinfo=CST)  # noqa: E731
    assert {n.id for n in view.items("notice", at(3))} == {"now", "old"}
    assert {n.id for n in view.items("notice", at(10))} == {"now"}
    assert {n.id for n in view.items("notice", at(25))} == {"now", "later"}
    assert [n.id for n in view.urgent_notices(at(10))] == ["now"]
    assert view.item("old", at(10)) is None and view.item("old", at(3)).title == "已过期"


BUILD_SCRIPT = """
import sys
from pathlib import Path
from content.store import build_version
build_version(Path(sys.argv[1]), Path(sys.argv[2]))
"""


def test_power_cut_during_build_leaves_the_old_version_current(tmp_path):
    data = tmp_path / "data"
    small_bundle(tmp_path / "small")
    old = build_version(tmp_path / "small", data)
    synthetic_bundle(tmp_path / "big", 1500)
    for delay in (0.3, 0.8, 1.5):
        proc = subprocess.Popen([sys.executable, "-c", BUILD_SCRIPT, str(tmp_path / "big"), str(data)], cwd=ROOT)
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        cur = current_version(data)
        view = open_current(data)  # whatever is current is complete and readable
        assert view.centre() is not None
        if cur == old:
            assert not view.items("guide")
        else:
            assert len(view.items("guide")) == 1500
    new = build_version(tmp_path / "big", data)  # and a later build completes
    assert len(open_current(data).items("guide")) == 1500
    assert not [p for p in (data / "versions").iterdir() if p.name.startswith(".build-")]
    assert new != old
