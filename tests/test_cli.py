"""The `kiosk` command as a maintainer uses it: search on the demo centre, docs cover every command."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.cli import build_parser
from kiosk.config import load_config

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("cli")
    e = dict(os.environ, XDG_CACHE_HOME=str(tmp / "cache"), KIOSK_CONFIG=str(tmp / "kiosk.toml"))
    (tmp / "kiosk.toml").write_text(f'data_dir = "{tmp / "data"}"\n', encoding="utf-8")
    return e


def kiosk(env, *args):
    return subprocess.run([sys.executable, "-m", "kiosk.cli", *map(str, args)], capture_output=True, text=True,
                          cwd=ROOT, env=env, timeout=120)


def first_ids(out):
    return [line.split("\t")[0] for line in out.stdout.splitlines()]


def test_search_dbsq_lists_dibao_first(env):
    out = kiosk(env, "content", "search", "dbsq")
    assert out.returncode == 0, out.stderr
    first = out.stdout.splitlines()[0]
    assert first == "guide-dibao\t最低生活保障申请"


@pytest.mark.parametrize("q", ["yibao", "医保", "ybcb"])
def test_search_finds_medical_insurance(env, q):
    out = kiosk(env, "content", "search", q)
    assert out.returncode == 0, out.stderr
    assert first_ids(out)[0] == "guide-medical-insurance"


def test_read_only_commands_leave_the_data_dir_alone(env):
    kiosk(env, "content", "search", "低保")
    data = Path(load_config(env["KIOSK_CONFIG"]).data_dir)
    assert not data.exists()  # the demo was built in the per-user cache instead


def test_hash_pin(env):
    out = kiosk(env, "hash-pin", "--pin", "2468")
    assert out.returncode == 0 and out.stdout.startswith("$argon2")
    bad = kiosk(env, "hash-pin", "--pin", "12")
    assert bad.returncode == 1 and "4 to 12 digits" in bad.stderr


def test_bad_size_is_a_usage_error(env):
    out = kiosk(env, "screenshot", "--size", "big", "--out", "/tmp/x")
    assert out.returncode == 2 and "WIDTHxHEIGHT" in out.stderr


def test_every_command_is_documented_in_the_readme():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    for name, p in sub.choices.items():
        assert f"kiosk {name}" in readme, f"`kiosk {name}` is not in README.md"
        nested = [a for a in p._actions if getattr(a, "choices", None) and a.dest.endswith("_command")]
        for action in nested:
            for child in action.choices:
                assert f"kiosk {name} {child}" in readme, f"`kiosk {name} {child}` is not in README.md"


def test_screenshot_item_and_time_are_checked(env, tmp_path):
    """`--item` shows one item on a detail screen (the hub's preview uses it); a wrong use says why."""
    other = kiosk(env, "screenshot", "--size", "800x480", "--out", tmp_path, "--screen", "home", "--item", "x")
    assert other.returncode == 1 and "--item needs --screen" in other.stderr
    bad_time = kiosk(env, "screenshot", "--size", "800x480", "--out", tmp_path, "--at", "noon")
    assert bad_time.returncode == 2 and "ISO 8601" in bad_time.stderr
    gone = kiosk(env, "screenshot", "--size", "800x480", "--out", tmp_path, "--screen", "notice_detail",
                 "--item", "no-such-notice", "--at", "2026-12-02T09:00+08:00")
    assert gone.returncode == 1 and "'no-such-notice' is not in the content" in gone.stderr
    assert not (tmp_path / "notice_detail.png").exists()
