"""Hostile bundles (issue #11): each one is refused by name, in bounded time and memory.

The bundles are built in tests/hostile.py (CASES). Bombs are built against a 64 MiB cap here so
the in-process tests stay fast; the CLI tests use the default limits, and the worst cases run
in a subprocess under an address-space limit far below what the old reader needed (1-2 GB).
"""
import dataclasses
import json
import resource
import shutil
import subprocess
import sys
import tarfile
import time
from pathlib import Path

import pytest

from content.bundle import Limits
from content.check import check_bundle
from content.jsonload import JSONRefused, load_json, too_deep
from kiosk.cli import main
from tests.hostile import (
    CASES, END, MIB, gz, header, member, padded, pax, small_bundle, tar_of_dir, write,
)

ROOT = Path(__file__).resolve().parents[1]
SMALL = Limits(max_total_bytes=64 * MIB)
DEFAULT_CAP = Limits().max_total_bytes
BY_LABEL = {c.label: c for c in CASES}
WORST = ["pax header of 1 GiB", "GNU long name of 1 GiB", "GNU long link of 1 GiB", "a million members",
         "bzip2 named .tar.gz", "FIFO as the path", "/dev/zero as the path", "gzip bomb: members under the cap",
         "item nested 100,000 deep", "item int of 5,000 digits"]
AS_LIMIT = 256 * MIB  # the whole CLI process, Python and pydantic included


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """A small valid bundle (centre, slide, its image) every hostile one is made from."""
    out = tmp_path_factory.mktemp("demo") / "bundle"
    small_bundle(out)
    return out


@pytest.fixture(scope="module")
def built(demo, tmp_path_factory):
    """Every hostile bundle, built once against the small cap."""
    out = {}
    for i, case in enumerate(CASES):
        work = tmp_path_factory.mktemp(f"case{i}")
        out[case.label] = case.build(work, demo, SMALL.max_total_bytes)
    return out


def problems(result):
    return [str(p) for p in result.problems]


@pytest.mark.parametrize("label", list(BY_LABEL))
def test_hostile_bundle_is_refused_by_name_in_bounded_time_and_memory(label, built):
    case = BY_LABEL[label]
    result = check_bundle(built[label], limits=SMALL)
    assert not result.ok
    assert any(case.expect in p for p in problems(result)), problems(result)
    # time is bounded by the worst cases below (a 30 s timeout, a memory limit), not timed here:
    # the machine is shared (the old reader took 27 s for a million members)


CHECK_ALL = """
import json, sys
from content.bundle import Limits
from content.check import check_bundle
limits = Limits(max_total_bytes=int(sys.argv[1]))
for path in sys.argv[2:]:
    print(json.dumps([str(p) for p in check_bundle(path, limits=limits).problems]), flush=True)
"""


def test_every_hostile_bundle_is_refused_under_an_address_space_limit(built):
    """One process checks them all with 256 MiB of address space, Python and pydantic included:
    a MemoryError anywhere would show as a missing refusal."""
    labels = list(BY_LABEL)
    out = subprocess.run([sys.executable, "-c", CHECK_ALL, str(SMALL.max_total_bytes), *(str(built[x]) for x in labels)],
                         cwd=ROOT, capture_output=True, text=True, timeout=120, preexec_fn=_limit_memory)
    assert out.returncode == 0, out.stderr[-2000:]
    for label, line in zip(labels, out.stdout.splitlines(), strict=True):
        assert any(BY_LABEL[label].expect in p for p in json.loads(line)), (label, line)


@pytest.mark.parametrize("label", list(BY_LABEL))
def test_cli_prints_the_problems_and_exits_1(label, demo, tmp_path, capsys):
    case = BY_LABEL[label]
    path = case.build(tmp_path, demo, DEFAULT_CAP)
    assert main(["content", "check", str(path)]) == 1
    err = capsys.readouterr().err
    assert case.expect in err and "nothing was installed" in err
    assert "Traceback" not in err and "Error:" not in err  # no exception class leaking out


def _limit_memory():
    resource.setrlimit(resource.RLIMIT_AS, (AS_LIMIT, AS_LIMIT))


@pytest.mark.parametrize("label", WORST)
def test_worst_cases_in_a_subprocess_under_an_address_space_limit(label, demo, tmp_path):
    case = BY_LABEL[label]
    path = case.build(tmp_path, demo, DEFAULT_CAP)
    # a reader that walks every member (27 s for a million) or holds them all would not finish
    # within the timeout or the address space limit: TimeoutExpired / MemoryError fail the test
    out = subprocess.run([sys.executable, "-m", "kiosk.cli", "content", "check", str(path)], cwd=ROOT,
                         capture_output=True, text=True, timeout=30, preexec_fn=_limit_memory)
    assert out.returncode == 1, out.stdout + out.stderr
    assert case.expect in out.stderr and "Traceback" not in out.stderr


# ---- what must still pass: the neighbours of the refusals ----------------------------------

@pytest.mark.parametrize("fmt", [tarfile.PAX_FORMAT, tarfile.GNU_FORMAT, tarfile.USTAR_FORMAT])
def test_tar_formats_python_writes_are_accepted(fmt, demo, tmp_path):
    archive = tmp_path / "demo.tar.gz"
    with tarfile.open(archive, "w:gz", format=fmt) as tar:
        tar.add(demo, arcname="demo-bundle")
    assert problems(check_bundle(archive)) == []


def test_gnu_tar_of_a_folder_with_dot_slash_names_is_accepted(demo, tmp_path):
    if not shutil.which("tar"):
        pytest.skip("no tar command")
    archive = tmp_path / "demo.tar.gz"
    subprocess.run(["tar", "czf", str(archive), "-C", str(demo), "."], check=True)
    assert problems(check_bundle(archive)) == []


def test_files_at_the_root_multi_member_gzip_and_zero_padding_are_accepted(demo, tmp_path):
    data = tar_of_dir(demo)
    flat = b"".join(member(path.relative_to(demo).as_posix(), path.read_bytes())  # the same files at the root
                    for path in sorted(demo.rglob("*")) if path.is_file())
    assert problems(check_bundle(write(tmp_path, "root.tar.gz", gz(flat + END)))) == []
    half = len(data) // 1024 * 512
    assert problems(check_bundle(write(tmp_path, "multi.tar.gz", gz(data[:half]) + gz(data[half:] + END) + bytes(100)))) == []


def test_extended_headers_within_the_limits_are_accepted(demo, tmp_path):
    long_name = "b/extra/" + "n" * 240  # over ustar's 100 characters, under 255
    extra = (pax({"path": long_name + "1"}, size=8192) + member("b/ignored", b"data")
             + header("././@LongLink", len(long_name) + 3, b"L") + padded(long_name.encode() + b"2\0") + member("b/x", b"data"))
    git_archive_comment = pax({"comment": "0123456789abcdef0123456789abcdef01234567"}, b"g")
    assert problems(check_bundle(write(tmp_path, "ext.tar.gz", gz(git_archive_comment + tar_of_dir(demo) + extra + END)))) == []


def test_a_symlink_as_the_bundle_path_is_followed(demo, tmp_path):
    """Only the path a person names may be a link (to a folder or a .tar.gz); nothing inside."""
    (tmp_path / "link").symlink_to(demo)
    assert problems(check_bundle(tmp_path / "link")) == []
    archive = write(tmp_path, "demo.tar.gz", gz(tar_of_dir(demo) + END))
    (tmp_path / "tlink").symlink_to(archive)
    assert problems(check_bundle(tmp_path / "tlink")) == []


def test_an_empty_folder_lacks_its_manifest(tmp_path):
    assert problems(check_bundle(tmp_path)) == ["manifest: manifest.json: missing"]


def test_gzip_bomb_stops_at_the_cap_not_after(demo, tmp_path):
    """With the cap at 64 MiB, a 1 GiB bomb costs what 64 MiB costs."""
    path = BY_LABEL["gzip bomb after the end marker"].build(tmp_path, demo, 1 << 30)
    started = time.perf_counter()
    result = check_bundle(path, limits=SMALL)
    assert "archive: unpacks to more than 67108864 bytes" in problems(result)[0]
    assert time.perf_counter() - started < 1.0


def test_documents_past_the_memory_limit_are_not_read(demo, tmp_path):
    """Decoy item-like members fill the documents' budget: the real items are then refused, not kept."""
    decoys = member("b/items/decoy.json", bytes(MIB - 10))
    path = write(tmp_path, "decoys.tar.gz", gz(decoys + tar_of_dir(demo) + END))
    result = check_bundle(path, limits=Limits(max_docs_bytes=1 * MIB))
    assert "manifest: manifest.json: not read: the manifest and item documents together are over 1048576 bytes" in problems(result)
    assert check_bundle(path).ok  # within the default budget the decoys are only ignored files


def test_a_problem_flood_is_cut_to_a_count(demo, tmp_path):
    links = b"".join(member(f"b/l{i}", kind=b"2", link=b"/etc/passwd") for i in range(500))
    result = check_bundle(write(tmp_path, "links.tar.gz", gz(tar_of_dir(demo) + links + END)))
    assert len(result.problems) == 101
    assert str(result.problems[-1]) == "bundle: 400 more problems not listed"


# ---- the JSON loader on its own -------------------------------------------------------------

@pytest.mark.parametrize("text, detail", [
    ("[" * 65 + "]" * 65, "nested deeper than 64 levels"),
    ('{"a":' * 65 + "1" + "}" * 65, "nested deeper than 64 levels"),
    ("[" * 200_000, "nested deeper than 64 levels"),
    ("[1e400]", "too large for a float"),
    ("[-1e400]", "too large for a float"),
    ("[NaN]", "NaN is not a number"),
    ("[" + "1" * 19 + "]", "a number with 19 digits"),
    ("[-" + "1" * 19 + "]", "a number with 19 digits"),
    ('["\\udc00"]', "not part of a pair"),
    ("\ufeff[1]", "line 1 column 1"),
])
def test_load_json_refuses(text, detail):
    with pytest.raises(JSONRefused, match=detail.replace("(", r"\(")):
        load_json(text.encode("utf-8"), 64, 18)


@pytest.mark.parametrize("text", [
    "[" * 64 + "]" * 64,
    '["' + "[" * 500 + '"]',  # brackets inside strings do not nest
    '["\\"[[[[", "]]"]',
    "[" + ",".join(["[[[1]]]"] * 100_000) + "]",  # wide, not deep
    "[" + "9" * 18 + ", -" + "9" * 18 + ", 1.5e300, -0.0]",
    '["\\ud83d\\ude00"]',
])
def test_load_json_accepts(text):
    load_json(text.encode("utf-8"), 64, 18)


def test_depth_check_of_a_large_flat_document_is_quick():
    flat = ("[" + ",".join(["[]"] * 2_000_000) + "]").encode()  # what the exact count would walk in Python
    started = time.perf_counter()
    assert not too_deep(flat, 64)
    assert time.perf_counter() - started < 0.5


def _shown_limit(value: int) -> str:
    for unit, size in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if value >= size and value % size == 0:
            return f"{value // size} {unit}"
    return f"{value:,}"


def test_every_limit_is_documented_with_its_default():
    text = (ROOT / "docs" / "content.md").read_text(encoding="utf-8")
    for f in dataclasses.fields(Limits):
        assert f"| `{f.name}` | {_shown_limit(f.default)} |" in text, f.name
