"""What the maintenance screen shows: versions, paths and free disk, as plain (label, value) rows.

Collected here (a little file-system I/O), not in the widgets; the screen only displays rows.
"""
from __future__ import annotations

import importlib.metadata
import shutil
from dataclasses import dataclass
from pathlib import Path

from content.schemas import CST
from kiosk.i18n import _

PACKAGE = "lobby-kiosk"


@dataclass(frozen=True)
class InfoRow:
    label: str
    value: str


def app_version() -> str:
    try:
        return importlib.metadata.version(PACKAGE)
    except importlib.metadata.PackageNotFoundError:
        return _("unknown")


def _existing(path: Path) -> Path:
    """`path`, or its nearest existing parent (a data dir not created yet still has a disk)."""
    path = Path(path).absolute()
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def free_disk(path: Path) -> str:
    try:
        usage = shutil.disk_usage(_existing(path))
    except OSError:
        return _("unknown")
    gb = 1024 ** 3
    return _("{free:.1f} GB free of {total:.1f} GB").format(free=usage.free / gb,
                                                          total=usage.total / gb)


def collect(settings, view) -> list[InfoRow]:
    """The rows of the maintenance screen for these settings and this content view."""
    created = view.created_at
    if created.tzinfo is not None:
        created = created.astimezone(CST)
    rows = [
        InfoRow(_("App version"), app_version()),
        InfoRow(_("Content version"), view.version),
        InfoRow(_("Content created"), created.strftime("%Y-%m-%d %H:%M")),
        InfoRow(_("Config file"), str(settings.source) if settings.source
                else _("Built-in default settings")),
        InfoRow(_("Data directory"), str(settings.data_dir)),
    ]
    if Path(view.data_dir).absolute() != Path(settings.data_dir).absolute():
        rows.append(InfoRow(_("Content directory"), str(view.data_dir)))
    rows.append(InfoRow(_("Free disk space"), free_disk(settings.data_dir)))
    return rows
