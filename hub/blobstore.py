"""The hub's content-addressed blob store: `DATA_DIR/blobs/<first two hex digits>/<sha256>`.

Every file terminals fetch lives here under the sha256 of its bytes: uploaded images, PDF page
renders, screenshots, and the published item documents. A name is never taken from a client:
it is the hash of what was written. Writes go to a temp file in the same folder, are fsynced,
then renamed into place, so a power cut leaves either the whole blob or none (a stray `.tmp-*`
file at most, which `sweep_temp` removes). Writing a blob that exists already is a no-op.

The `blobs` table (`record`) says which blobs the hub knows, with their size and type; the
folder may be shared storage when several hosts serve one database.
"""
from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path
from typing import BinaryIO

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from content.schemas import is_sha256
from hub import db
from hub.errors import HubError

CHUNK = 1 << 20


class TooLarge(HubError):
    def __init__(self, limit: int, field: str | None = "file"):
        super().__init__("too_large", f"larger than the limit of {limit // (1 << 20)} MB", 413, field)


class BlobStore:
    def __init__(self, root: Path):
        self.root = Path(root)

    def path(self, sha: str) -> Path:
        if not is_sha256(sha):
            raise HubError("bad_request", "a blob is named by 64 lowercase hex digits", 422, "sha256")
        return self.root / sha[:2] / sha

    def has(self, sha: str) -> bool:
        return is_sha256(sha) and self.path(sha).is_file()

    def put_bytes(self, data: bytes) -> str:
        """Store `data`; its sha256."""
        sha = hashlib.sha256(data).hexdigest()
        if not self.has(sha):
            self._install(sha, lambda fh: fh.write(data))
        return sha

    def put_stream(self, stream: BinaryIO, max_bytes: int) -> tuple[str, int]:
        """Copy a readable file into the store, hashing as it goes: (sha256, size). TooLarge past
        `max_bytes` (nothing is kept)."""
        self.root.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=self.root)
        digest, size = hashlib.sha256(), 0
        try:
            with os.fdopen(fd, "wb") as fh:
                while chunk := stream.read(CHUNK):
                    size += len(chunk)
                    if size > max_bytes:
                        raise TooLarge(max_bytes)
                    digest.update(chunk)
                    fh.write(chunk)
                fh.flush()
                os.fsync(fh.fileno())
            sha = digest.hexdigest()
            if self.has(sha):
                os.unlink(tmp)
            else:
                self._rename_into_place(tmp, sha)
            return sha, size
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise

    def _install(self, sha: str, write) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=self.root)
        try:
            with os.fdopen(fd, "wb") as fh:
                write(fh)
                fh.flush()
                os.fsync(fh.fileno())
            self._rename_into_place(tmp, sha)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise

    def _rename_into_place(self, tmp: str, sha: str) -> None:
        final = self.path(sha)
        final.parent.mkdir(exist_ok=True)
        os.chmod(tmp, 0o644)
        os.replace(tmp, final)
        dir_fd = os.open(final.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)

    def read(self, sha: str) -> bytes:
        return self.path(sha).read_bytes()

    def sweep_temp(self) -> int:
        """Remove temp files a crash left behind; how many."""
        count = 0
        for tmp in self.root.glob(".tmp-*"):
            try:
                tmp.unlink()
                count += 1
            except OSError:
                pass
        return count


def record(conn: Connection, sha: str, size: int, mime: str, actor: str, pages: list[str] | None = None) -> None:
    """Note a stored blob in the `blobs` table (once: a second record of the same bytes is a no-op)."""
    values = dict(sha256=sha, size=size, mime=mime, pages=pages, created_at=db.utcnow(), created_by=actor)
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    conn.execute(dialect.insert(db.blobs).values(**values).on_conflict_do_nothing(index_elements=["sha256"]))
