"""Hostile content bundles for tests and benchmarks (issue #11), built cheaply.

Tar headers are written here byte by byte (tarfile would refuse to write most of these), and
huge streams are gzip data that unpack to gigabytes while costing kilobytes: after a full flush
the compressor starts afresh, so a chunk compresses to the same bytes every time and can be
repeated (`gz_repeat`). Such a stream has no end: a reader that gets that far calls it truncated.

`CASES` lists every hostile bundle with the words its refusal must contain. A builder takes
(tmp folder, a valid bundle folder from `small_bundle`, cap) and returns the bundle's path; `cap`
is the total-unpacked limit the gzip bombs must exceed.
"""
from __future__ import annotations

import bz2
import datetime as dt
import gzip
import hashlib
import json
import lzma
import os
import shutil
import socket
import stat
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from content.bundle import BundleWriter
from content.schemas import Centre, Slide

BLOCK = 512
END = bytes(2 * BLOCK)
MIB = 1 << 20
WHEN = dt.datetime(2026, 10, 1, 9, 0)


def small_bundle(path: Path, notices=(), slides_png: bytes = b"\x89PNG fake", version: str | None = None) -> dict:
    """A valid bundle of a centre, a slide with its image and `notices`; returns the manifest."""
    w = BundleWriter()
    w.add_item(Centre(id="demo-centre", title="测试中心", name="测试中心", address="测试路1号", updated_at=WHEN))
    sha = w.add_blob(slides_png, "image/png")
    w.add_item(Slide(id="s1", title="宣传", updated_at=WHEN, image=sha))
    for n in notices:
        w.add_item(n)
    return w.write_dir(path, version=version)


def header(name: bytes | str, size: int = 0, kind: bytes = b"0", link: bytes = b"",
           size_field: bytes | None = None, checksum_delta: int = 0) -> bytes:
    """One POSIX ustar header with a correct checksum (unless `checksum_delta`)."""
    name = name.encode() if isinstance(name, str) else name
    b = bytearray(BLOCK)
    b[0:len(name[:100])] = name[:100]
    b[100:108] = b"0000644\0"
    b[108:116] = b[116:124] = b"0000000\0"
    b[124:136] = size_field if size_field is not None else (
        b"%011o\0" % size if size < 8 ** 11 else b"\x80" + size.to_bytes(11, "big"))
    b[136:148] = b"00000000000\0"
    b[148:156] = b" " * 8
    b[156:157] = kind
    b[157:157 + len(link)] = link
    b[257:265] = b"ustar\x0000"
    b[148:156] = b"%06o\0 " % (sum(b) + checksum_delta)
    return bytes(b)


def padded(data: bytes) -> bytes:
    return data + bytes(-len(data) % BLOCK)


def member(name: bytes | str, data: bytes = b"", kind: bytes = b"0", link: bytes = b"") -> bytes:
    return header(name, len(data), kind, link) + padded(data)


def pax_body(records: dict[str, bytes | str]) -> bytes:
    body = b""
    for key, value in records.items():
        value = value.encode() if isinstance(value, str) else value
        rest = b" %s=%s\n" % (key.encode(), value)
        n = len(rest) + 1
        while len(str(n).encode()) + len(rest) != n:
            n += 1
        body += str(n).encode() + rest
    return body


def pax(records: dict[str, bytes | str], kind: bytes = b"x", size: int | None = None) -> bytes:
    """A pax extended header (`kind` x, or g for a global one) holding `records`, padded with a
    comment record to exactly `size` bytes when given."""
    body = pax_body(records)
    if size is not None:
        body = next(b for n in range(size - len(body), 0, -1) if len(b := pax_body({"comment": "x" * n, **records})) == size)
    return member("././@PaxHeader", body, kind)


def tar_of_dir(folder: Path, top: str = "b") -> bytes:
    """The files of `folder` as tar members under `top/` (no end marker)."""
    out = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        out.append(member(f"{top}/{path.relative_to(folder).as_posix()}", path.read_bytes()))
    return b"".join(out)


def gz(data: bytes) -> bytes:
    return gzip.compress(data, compresslevel=1, mtime=0)


def gz_repeat(head: bytes, chunk: bytes, times: int) -> bytes:
    """gzip data unpacking to head + chunk * times (without an end), at the cost of one chunk."""
    c = zlib.compressobj(1, zlib.DEFLATED, 31)
    start = c.compress(head) + c.flush(zlib.Z_FULL_FLUSH)
    c.compress(chunk)
    c.flush(zlib.Z_FULL_FLUSH)
    again = c.compress(chunk) + c.flush(zlib.Z_FULL_FLUSH)
    return start + again * times


def bomb(head: bytes, total: int) -> bytes:
    """`head`, then zeros: `total` unpacked bytes in all (rounded up to MiB)."""
    return gz_repeat(head, bytes(MIB), -(-max(total - len(head), 0) // MIB))


def write(tmp: Path, name: str, data: bytes) -> Path:
    path = tmp / name
    path.write_bytes(data)
    return path


def demo_tgz(tmp: Path, demo: Path, extra: bytes = b"", before: bytes = b"", name: str = "b.tar.gz") -> Path:
    """The demo bundle as a .tar.gz, with hostile members before or after its files."""
    return write(tmp, name, gz(before + tar_of_dir(demo) + extra + END))


def copy_demo(tmp: Path, demo: Path) -> Path:
    dest = tmp / "copy"
    shutil.copytree(demo, dest)
    return dest


def manifest(bundle: Path) -> dict:
    return json.loads((bundle / "manifest.json").read_text(encoding="utf-8"))


def save_manifest(bundle: Path, m: dict) -> None:
    (bundle / "manifest.json").write_text(json.dumps(m, ensure_ascii=False), encoding="utf-8")


def set_raw_manifest_field(bundle: Path, key: str, raw_json: str) -> Path:
    """Replace the manifest's `key` with raw JSON text (NaN, a 5,000-digit number, …)."""
    m = manifest(bundle)
    m[key] = "@@RAW@@"
    text = json.dumps(m, ensure_ascii=False).replace('"@@RAW@@"', raw_json)
    (bundle / "manifest.json").write_text(text, encoding="utf-8")
    return bundle


def rewrite_item(bundle: Path, item_id: str, data: bytes) -> Path:
    """Replace an item document and fix its manifest entry, as a careless editor's tool would."""
    (bundle / "items" / f"{item_id}.json").write_bytes(data)
    m = manifest(bundle)
    for entry in m["items"]:
        if entry["id"] == item_id:
            entry["sha256"], entry["size"] = hashlib.sha256(data).hexdigest(), len(data)
    save_manifest(bundle, m)
    return bundle


def raw_item(bundle: Path, field: str, raw_json: str, item_id: str = "demo-centre") -> Path:
    """The item with `field` set to raw JSON text."""
    doc = json.loads((bundle / "items" / f"{item_id}.json").read_text(encoding="utf-8"))
    doc[field] = "@@RAW@@"
    text = json.dumps(doc, ensure_ascii=False).replace('"@@RAW@@"', raw_json)
    return rewrite_item(bundle, item_id, text.encode("utf-8"))


def with_version(tmp: Path, demo: Path, version) -> Path:
    bundle = copy_demo(tmp, demo)
    m = manifest(bundle)
    m["version"] = version
    save_manifest(bundle, m)
    return bundle


def swap_for_link(bundle: Path, rel: str, outside: Path, target: str | None = None) -> Path:
    """Move bundle/rel outside and put a symlink to it (or to `target`) in its place."""
    src = bundle / rel
    dest = outside / src.name
    shutil.move(str(src), str(dest))
    os.symlink(target or dest, src)
    return bundle


def first_item(bundle: Path) -> str:
    return f"items/{manifest(bundle)['items'][0]['id']}.json"


def first_blob(bundle: Path) -> str:
    return f"blobs/{manifest(bundle)['blobs'][0]['sha256']}"


def replace_with_fifo(bundle: Path, rel: str) -> Path:
    (bundle / rel).unlink()
    os.mkfifo(bundle / rel)
    return bundle


def unix_socket(tmp: Path) -> Path:
    path = tmp / "sock"
    s = socket.socket(socket.AF_UNIX)
    s.bind(str(path))
    s.close()  # the socket file stays
    return path


def fifo(tmp: Path) -> Path:
    os.mkfifo(tmp / "fifo.tar.gz")
    return tmp / "fifo.tar.gz"


def million_members(tmp: Path, demo: Path) -> Path:
    """A valid bundle followed by a million tiny members: 1.2 MB of gzip."""
    thousand = member("b/x") * 1000
    return write(tmp, "million.tar.gz", gz_repeat(tar_of_dir(demo), thousand, 1000))


def many_distinct(tmp: Path, demo: Path, n: int) -> Path:
    extra = b"".join(header(f"b/f/{i:06d}") for i in range(n))
    return demo_tgz(tmp, demo, extra)


def char_device(bundle: Path, rel: str) -> Path:
    """rel becomes /dev/zero's device node (root only)."""
    (bundle / rel).unlink()
    os.mknod(bundle / rel, 0o600 | stat.S_IFCHR, os.makedev(1, 5))
    return bundle


def listed(bundle: Path, items: list | None = None, blobs: list | None = None) -> Path:
    """The manifest with other item and blob entries (files need not exist)."""
    m = manifest(bundle)
    m["items"], m["blobs"] = items if items is not None else m["items"], blobs if blobs is not None else m["blobs"]
    save_manifest(bundle, m)
    return bundle


def deep(depth: int) -> str:
    return "[" * depth + "]" * depth


BAD_VERSIONS = ["", ".", "..", "../x", "../../..", "a/b", "/tmp", "-x", ".hidden", "v" * 65, "٣", "１", "a\x00b",
                "a\nb", "abc\n", "a b", "版本", "a\\b"]
VALID_VERSIONS = ["a", "0", "v" * 64, "a..b", "2026-10-01_3.x", "A-Z_a.z"]


@dataclass(frozen=True)
class Case:
    label: str
    kind: str  # "archive", "path", "links", "json", "version": the classes
    build: Callable[[Path, Path, int], Path]
    expect: str  # words the refusal contains


GIB = 1 << 30
SHA = "0" * 64

CASES: list[Case] = [
    # --- archives: formats, sizes and counts (class 2) -------------------------------------
    Case("pax header of 1 GiB", "archive", lambda t, d, c: write(t, "pax.tar.gz", bomb(tar_of_dir(d) + header("././@PaxHeader", GIB, b"x"), GIB)),
         "archive: a pax header of 1073741824 bytes (at most 8192): refused"),
    Case("pax header one byte over", "archive", lambda t, d, c: demo_tgz(t, d, pax({"path": "b/x"}, size=8193) + member("b/x")),
         "archive: a pax header of 8193 bytes (at most 8192)"),
    Case("GNU long name of 1 GiB", "archive", lambda t, d, c: write(t, "L.tar.gz", bomb(header("././@LongLink", GIB, b"L"), GIB)),
         "archive: a GNU long-name header of 1073741824 bytes"),
    Case("GNU long link of 1 GiB", "archive", lambda t, d, c: write(t, "K.tar.gz", bomb(header("././@LongLink", GIB, b"K"), GIB)),
         "archive: a GNU long-link header of 1073741824 bytes"),
    Case("pax global header setting path", "archive", lambda t, d, c: demo_tgz(t, d, before=pax({"path": "evil"}, b"g")),
         "archive: a pax global header that sets path"),
    Case("a million members", "archive", lambda t, d, c: million_members(t, d), "archive: more than 50000 tar headers"),
    Case("50,001 distinct members", "archive", lambda t, d, c: many_distinct(t, d, 50_001), "archive: more than 50000 tar headers"),
    Case("bzip2 named .tar.gz", "archive", lambda t, d, c: write(t, "bz.tar.gz", bz2.compress(tar_of_dir(d) + END)),
         "archive: bzip2 data: a bundle archive must be gzip-compressed"),
    Case("xz named .tar.gz", "archive", lambda t, d, c: write(t, "xz.tar.gz", lzma.compress(tar_of_dir(d) + END)), "archive: xz data"),
    Case("zstd magic named .tar.gz", "archive", lambda t, d, c: write(t, "zst.tar.gz", b"\x28\xb5\x2f\xfd" + bytes(600)), "archive: zstd data"),
    Case("zip named .tar.gz", "archive", lambda t, d, c: write(t, "zip.tar.gz", b"PK\x03\x04" + bytes(600)), "archive: zip data"),
    Case("plain tar named .tar.gz", "archive", lambda t, d, c: write(t, "plain.tar.gz", tar_of_dir(d) + END), "archive: an uncompressed tar"),
    Case("empty file", "archive", lambda t, d, c: write(t, "empty.tar.gz", b""), "archive: an empty file"),
    Case("random bytes", "archive", lambda t, d, c: write(t, "random.tar.gz", os.urandom(4096).replace(b"\x1f", b"\x00")),
         "archive: not a bundle directory nor a readable .tar.gz (not gzip data)"),
    Case("gzip bomb: one member declaring 2 GiB", "archive", lambda t, d, c: write(t, "declared.tar.gz", bomb(tar_of_dir(d) + header("b/big", 2 * GIB), c + MIB)),
         "archive: member 'b/big' declares 2147483648 bytes"),
    Case("gzip bomb: members under the cap", "archive", lambda t, d, c: write(t, "bomb.tar.gz", bomb(tar_of_dir(d) + header("b/big", c - MIB), c + 64 * MIB)),
         "archive: unpacks to more than"),
    Case("gzip bomb after the end marker", "archive", lambda t, d, c: write(t, "after.tar.gz", bomb(tar_of_dir(d) + END, c + 64 * MIB)),
         "archive: unpacks to more than"),
    Case("truncated gzip", "archive", lambda t, d, c: write(t, "cut.tar.gz", (lambda g: g[:len(g) // 2])(gz(tar_of_dir(d) + END))), "archive: the gzip stream is truncated"),
    Case("corrupt deflate data", "archive", lambda t, d, c: write(t, "corrupt.tar.gz", gz(b"")[:10] + b"\xff" * 64), "archive: corrupt gzip data"),
    Case("wrong gzip checksum", "archive", lambda t, d, c: write(t, "crc.tar.gz", (lambda g: g[:-8] + bytes([g[-8] ^ 1]) + g[-7:])(gz(tar_of_dir(d) + END))),
         "archive: corrupt gzip data"),
    Case("data after the gzip stream", "archive", lambda t, d, c: write(t, "trail.tar.gz", gz(tar_of_dir(d) + END) + b"garbage"),
         "archive: unexpected data after the end of the gzip stream"),
    Case("gzip of no tar", "archive", lambda t, d, c: write(t, "notar.tar.gz", gz(os.urandom(4096))), "archive: not a tar archive"),
    Case("tar header with a bad checksum", "archive", lambda t, d, c: demo_tgz(t, d, header("b/x", checksum_delta=1)), "archive: damaged tar header"),
    Case("negative size", "archive", lambda t, d, c: demo_tgz(t, d, header("b/x", size_field=b"\xff" * 12)), "archive: damaged tar header: negative size"),
    Case("size that is not a number", "archive", lambda t, d, c: demo_tgz(t, d, header("b/x", size_field=b"12x4567\0\0\0\0\0")), "is not a number"),
    Case("tar cut inside a member", "archive", lambda t, d, c: write(t, "tcut.tar.gz", gz(tar_of_dir(d) + header("b/x", 4096) + bytes(100))),
         "archive: the archive is truncated"),
    Case("symlink member", "archive", lambda t, d, c: demo_tgz(t, d, member("b/link", kind=b"2", link=b"/etc/passwd")),
         "archive member 'b/link': a symbolic link: refused"),
    Case("hard link member", "archive", lambda t, d, c: demo_tgz(t, d, member("b/hard", kind=b"1", link=b"b/manifest.json")), "a hard link: refused"),
    Case("character device member", "archive", lambda t, d, c: demo_tgz(t, d, member("b/zero", kind=b"3")), "a character device: refused"),
    Case("FIFO member", "archive", lambda t, d, c: demo_tgz(t, d, member("b/fifo", kind=b"6")), "a FIFO: refused"),
    Case("GNU sparse member", "archive", lambda t, d, c: demo_tgz(t, d, member("b/sparse", b"x", kind=b"S")), "archive member 'b/sparse': a GNU sparse file: refused"),
    Case("pax sparse member", "archive", lambda t, d, c: demo_tgz(t, d, pax({"GNU.sparse.size": "9999999999"}) + member("b/sp", b"x")), "a sparse file: refused"),
    Case("'..' member", "archive", lambda t, d, c: demo_tgz(t, d, member("../../evil.sh", b"rm\n")), "archive member '../../evil.sh': unsafe name"),
    Case("absolute member", "archive", lambda t, d, c: demo_tgz(t, d, member("/etc/cron.d/x", b"x")), "archive member '/etc/cron.d/x': unsafe name"),
    Case("name with a newline", "archive", lambda t, d, c: demo_tgz(t, d, member("b/a\nb", b"x")), "unsafe name (control character"),
    Case("name not UTF-8", "archive", lambda t, d, c: demo_tgz(t, d, member(b"b/\xff\xfe", b"x")), "name is not UTF-8"),
    Case("name of 300 characters", "archive", lambda t, d, c: demo_tgz(t, d, pax({"path": "b/" + "n" * 298}) + member("b/n", b"x")),
         "name longer than 255 characters"),
    Case("manifest twice", "archive", lambda t, d, c: demo_tgz(t, d, member("b/manifest.json", b"{}")), "archive member 'b/manifest.json': appears twice"),
    # --- the bundle path itself (class 2) -----------------------------------------------------
    Case("FIFO as the path", "path", lambda t, d, c: fifo(t), "is a FIFO: a bundle is a folder or a .tar.gz file"),
    Case("/dev/zero as the path", "path", lambda t, d, c: Path("/dev/zero"), "/dev/zero is a character device"),
    Case("socket as the path", "path", lambda t, d, c: unix_socket(t), "is a socket"),
    Case("dangling symlink as the path", "path", lambda t, d, c: (t / "gone").symlink_to(t / "nothing") or t / "gone", "no such file or directory"),
    # --- directory bundles: links and special files (class 4) -------------------------------
    Case("symlinked manifest", "links", lambda t, d, c: swap_for_link(copy_demo(t, d), "manifest.json", t),
         "manifest: manifest.json is a symbolic link, not a regular file: refused"),
    Case("symlinked item", "links", lambda t, d, c: swap_for_link(b := copy_demo(t, d), first_item(b), t), "is a symbolic link, not a regular file: refused"),
    Case("symlinked blob", "links", lambda t, d, c: swap_for_link(b := copy_demo(t, d), first_blob(b), t), "is a symbolic link, not a regular file: refused"),
    Case("item linked to a file inside", "links", lambda t, d, c: swap_for_link(b := copy_demo(t, d), first_item(b), t, "../manifest.json"),
         "is a symbolic link, not a regular file: refused"),
    Case("symlinked items folder", "links", lambda t, d, c: swap_for_link(copy_demo(t, d), "items", t), "items/ is a symbolic link, not a folder: refused"),
    Case("symlinked blobs folder", "links", lambda t, d, c: swap_for_link(copy_demo(t, d), "blobs", t), "blobs/ is a symbolic link, not a folder: refused"),
    Case("item that is a FIFO", "links", lambda t, d, c: replace_with_fifo(b := copy_demo(t, d), first_item(b)), "is a FIFO, not a regular file: refused"),
    Case("blob that is a FIFO", "links", lambda t, d, c: replace_with_fifo(b := copy_demo(t, d), first_blob(b)), "is a FIFO, not a regular file: refused"),
    *([Case("item that is a device", "links", lambda t, d, c: char_device(b := copy_demo(t, d), first_item(b)),
             "is a character device, not a regular file: refused")] if os.geteuid() == 0 else []),
    # --- what a manifest may declare (class 2) ------------------------------------------------
    Case("manifest listing 20,001 items", "counts", lambda t, d, c: listed(copy_demo(t, d), items=[
        {"id": f"i{i}", "kind": "notice", "sha256": SHA, "size": 1} for i in range(20_001)]),
        "manifest: 20002 items and blobs listed, over the limit of 20000: refused"),
    Case("manifest declaring a 65 MiB item", "counts", lambda t, d, c: listed(copy_demo(t, d), items=[
        {"id": "big", "kind": "notice", "sha256": SHA, "size": 65 * MIB}]), "bytes of item documents, over the limit"),
    Case("manifest declaring 2 GiB of blobs", "counts", lambda t, d, c: listed(copy_demo(t, d), blobs=[
        {"sha256": f"{i:064x}", "size": 40 * MIB, "mime": "image/png"} for i in range(52)]), "bytes of files in all, over the limit"),
    # --- JSON that used to escape as exceptions (class 3) -------------------------------------
    Case("item nested 100,000 deep", "json", lambda t, d, c: raw_item(copy_demo(t, d), "rooms", deep(100_000)),
         "item demo-centre: malformed JSON in items/demo-centre.json (nested deeper than 64 levels)"),
    Case("item nested 65 deep", "json", lambda t, d, c: raw_item(copy_demo(t, d), "rooms", deep(64)), "(nested deeper than 64 levels)"),
    Case("manifest nested 100,000 deep", "json", lambda t, d, c: set_raw_manifest_field(copy_demo(t, d), "extra", deep(100_000)),
         "manifest: malformed JSON in manifest.json (nested deeper than 64 levels)"),
    Case("item int of 5,000 digits", "json", lambda t, d, c: raw_item(copy_demo(t, d), "sort", "9" * 5000),
         "item demo-centre: malformed JSON in items/demo-centre.json (a number with 5000 digits (at most 18))"),
    Case("manifest int of 5,000 digits", "json", lambda t, d, c: set_raw_manifest_field(copy_demo(t, d), "format", "1" * 5000),
         "manifest: malformed JSON in manifest.json (a number with 5000 digits"),
    Case("item sort of 10**12", "json", lambda t, d, c: raw_item(copy_demo(t, d), "sort", str(10 ** 12)),
         "item demo-centre field sort: Input should be less than or equal to 1000000000"),
    Case("item NaN", "json", lambda t, d, c: raw_item(copy_demo(t, d), "sort", "NaN"), "(NaN is not a number JSON allows)"),
    Case("item Infinity", "json", lambda t, d, c: raw_item(copy_demo(t, d), "sort", "Infinity"), "(Infinity is not a number JSON allows)"),
    Case("item -Infinity", "json", lambda t, d, c: raw_item(copy_demo(t, d), "sort", "-Infinity"), "(-Infinity is not a number JSON allows)"),
    Case("item 1e999", "json", lambda t, d, c: raw_item(copy_demo(t, d), "sort", "1e999"), "(the number 1e999 is too large for a float)"),
    Case("manifest NaN", "json", lambda t, d, c: set_raw_manifest_field(copy_demo(t, d), "format", "NaN"), "manifest: malformed JSON in manifest.json (NaN"),
    Case("item lone surrogate", "json", lambda t, d, c: raw_item(copy_demo(t, d), "title", '"\\ud800"'), "escape that is not part of a pair"),
    Case("item in UTF-16", "json", lambda t, d, c: rewrite_item(b := copy_demo(t, d), "demo-centre",
                                                                 (b / "items/demo-centre.json").read_text(encoding="utf-8").encode("utf-16")),
         "item demo-centre: malformed JSON in items/demo-centre.json (not UTF-8 text"),
    Case("naive publish_at, aware expire_at", "json", lambda t, d, c: raw_item(raw_item(copy_demo(t, d), "publish_at", '"2026-10-02T00:00:00"'),
                                                                                 "expire_at", '"2026-10-01T00:00:00+08:00"'),
         "expire_at must be later than publish_at"),
    # --- version names (class 1) ------------------------------------------------------------
    *[Case(f"version {v!r}", "version", lambda t, d, c, v=v: with_version(t, d, v), "manifest field version:")
      for v in BAD_VERSIONS + [None, 12]],
]
