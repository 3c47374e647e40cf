"""Building a version in a child process: `python -m content.build ...`.

The terminal's UI never builds a version itself: checking a source, drawing the demo centre's
images and computing the search index's pinyin (pypinyin's dictionaries, ~55 MB) would stall its
frames and stay in its memory for good (freed memory does not return to the system). The UI
starts `start_build(...)` and keeps drawing; its content watcher (kiosk.content_watch) notices the
new `current` as it notices one from the sync client. Commands:

    python -m content.build demo   --data-dir D [--today 2026-12-02]
    python -m content.build bundle --data-dir D PATH
    python -m content.build blobs  --data-dir D --manifest FILE DIR [DIR ...]

Exit 0 with the version on stdout; 1 with the problems on stderr (nothing installed); 2 for bad
arguments; 3 when another writer held the store lock too long.
"""
from __future__ import annotations

import argparse
import datetime as dt
import logging
import os
import subprocess
import sys
import tempfile
from pathlib import Path

log = logging.getLogger(__name__)

EXIT_INVALID, EXIT_LOCKED = 1, 3
PACKAGE_ROOT = Path(__file__).resolve().parents[1]


def demo_version(today: dt.date) -> str:
    return f"demo-{today.isoformat()}"  # the duty roster and 公示期 follow the date


def install_demo_version(data_dir: Path, today: dt.date | None = None) -> str:
    """Build today's demo centre as version `demo-<date>` of `data_dir` (in this process)."""
    from content.bundle import BundleWriter
    from content.demo import DEMO_CENTRE_ID, build_demo
    from content.store import build_version, current_version

    today = today or dt.date.today()
    version = demo_version(today)
    if current_version(data_dir) == version:
        return version
    writer = BundleWriter(centre=DEMO_CENTRE_ID)
    build_demo(writer, today)
    with tempfile.TemporaryDirectory(prefix="kiosk-demo-") as tmp:
        writer.write_dir(Path(tmp), version=version)
        return build_version(Path(tmp), data_dir)


def child_env() -> dict[str, str]:
    """The child imports this very code: the folder holding this package comes first on its path,
    and the working directory not at all (PYTHONSAFEPATH), so a `content/` folder that happens to
    lie where the terminal was started is never run."""
    env = dict(os.environ, PYTHONSAFEPATH="1")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PACKAGE_ROOT), env.get("PYTHONPATH", "")]))
    return env


def command(kind: str, data_dir: Path, *args: str) -> list[str]:
    """The child's command line: `command("demo", d)`, `command("bundle", d, path)`,
    `command("blobs", d, "--manifest", file, dir, ...)`."""
    return [sys.executable, "-m", "content.build", kind, "--data-dir", str(data_dir), *map(str, args)]


class ChildBuild:
    """A build running in a child process. Its output goes to temp files (a pipe nobody reads
    while the UI draws could fill and stall the child). `poll()`: None while it runs."""

    def __init__(self, kind: str, data_dir: Path, *args: str):
        log.info("building content in a child process: %s %s", kind, " ".join(map(str, args)))
        self._out = tempfile.TemporaryFile()
        self._err = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(command(kind, data_dir, *args), stdin=subprocess.DEVNULL, stdout=self._out,
                                     stderr=self._err, close_fds=True, env=child_env())
        self._result: tuple[str, str] | None = None

    @property
    def pid(self) -> int:
        return self.proc.pid

    def poll(self) -> int | None:
        return self.proc.poll()

    def wait(self, timeout: float | None = None) -> str:
        """The version built; BuildFailed with the child's message (subprocess.TimeoutExpired: still running)."""
        code = self.proc.wait(timeout)
        if self._result is None:
            self._result = self._read(self._out), self._read(self._err)
        out, err = self._result
        if code != 0:
            raise BuildFailed(code, err)
        return out.strip()

    @staticmethod
    def _read(fh) -> str:
        fh.seek(0)
        text = fh.read().decode("utf-8", "replace")
        fh.close()
        return text


def start_build(kind: str, data_dir: Path, *args: str) -> ChildBuild:
    """Start a build in a child process and return at once."""
    return ChildBuild(kind, data_dir, *args)


class BuildFailed(Exception):
    def __init__(self, returncode: int, stderr: str):
        super().__init__(stderr.strip() or f"the content build failed (exit {returncode})")
        self.returncode = returncode


def run_build(kind: str, data_dir: Path, *args: str, timeout: float | None = None) -> str:
    """Build in a child process and wait: the version; BuildFailed with the child's message."""
    child = start_build(kind, data_dir, *args)
    try:
        return child.wait(timeout)
    except subprocess.TimeoutExpired:
        child.proc.kill()
        child.proc.wait()
        raise


def main(argv: list[str] | None = None) -> int:
    from content.bundle import BundleError
    from content.lock import StoreLocked
    from content.source import BlobDir
    from content.store import BundleInvalid, StoreError, build_version

    parser = argparse.ArgumentParser(prog="python -m content.build", description="Build a content version.")
    parser.add_argument("kind", choices=("demo", "bundle", "blobs"))
    parser.add_argument("--data-dir", required=True, type=Path)
    parser.add_argument("--today", type=dt.date.fromisoformat, help="demo: the date it is built for")
    parser.add_argument("--manifest", type=Path, help="blobs: the manifest's exact bytes, as signed")
    parser.add_argument("paths", nargs="*", type=Path, help="bundle: its path; blobs: the blob folders")
    args = parser.parse_intermixed_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        if args.kind == "demo":
            version = install_demo_version(args.data_dir, args.today)
        elif args.kind == "bundle":
            if len(args.paths) != 1:
                parser.error("bundle: give exactly one bundle path")
            version = build_version(args.paths[0], args.data_dir)
        else:
            if args.manifest is None or not args.paths:
                parser.error("blobs: give --manifest FILE and at least one blob folder")
            version = build_version(BlobDir(args.manifest.read_bytes(), args.paths), args.data_dir)
    except BundleInvalid as exc:
        print("\n".join(str(p) for p in exc.result.problems), file=sys.stderr)
        return EXIT_INVALID
    except StoreLocked as exc:
        print(exc, file=sys.stderr)
        return EXIT_LOCKED
    except (BundleError, StoreError, OSError) as exc:
        print(f"{type(exc).__name__}: {exc}", file=sys.stderr)
        return EXIT_INVALID
    print(version)
    return 0


if __name__ == "__main__":
    sys.exit(main())
