"""``gallery build``'s output folder: the rendered site written file by file (atomically), and a
manifest of what it wrote, so that a later build removes exactly the files it no longer writes and
never a file it did not write."""

from __future__ import annotations

import json
import os
from pathlib import Path

from provenance.errors import InputError
from provenance.gallery.data import GalleryData
from provenance.gallery.framing import STATIC_HEADERS_FILE, static_headers
from provenance.gallery.layout import PageSettings
from provenance.gallery.site import render_site
from provenance.state.home import atomic_write, syncfs

__all__ = ["MANIFEST", "write_site"]

#: In every folder ``gallery build`` writes: the files it wrote there, so that a later build
#: removes exactly those it no longer writes and never anything it did not write.
MANIFEST = ".provenance-gallery.json"


def write_site(
    data: GalleryData, out_dir: Path, *, gateway: str, settings: PageSettings | None = None
) -> list[Path]:
    """Write the site into ``out_dir`` (created). A folder that is neither empty nor an earlier
    build (no manifest) is refused; from an earlier build, only the files it wrote and this one
    does not are removed."""
    if out_dir.exists() and not out_dir.is_dir():
        raise InputError(f"{out_dir} exists and is not a folder")
    rendered = render_site(data, gateway, settings=settings)
    rendered[STATIC_HEADERS_FILE] = static_headers()  # what a <meta> policy cannot say
    earlier = _earlier_build(out_dir)
    manifest = out_dir / MANIFEST
    # Listed before a file is written: a build interrupted anywhere leaves every file it wrote
    # named in the manifest, so the next build can still remove it.
    _write_manifest(manifest, sorted(earlier | set(rendered)))
    written = []
    for rel, content in rendered.items():
        path = out_dir / rel
        # Each file appears whole or not at all; all are made durable at once below (an fsync
        # each was most of a build's time at 1,000 works).
        atomic_write(path, content, sync=False)
        written.append(path)
    _sync_folder(out_dir)
    for rel in sorted(earlier - set(rendered)):
        stale = out_dir / rel
        if stale.is_file() and not stale.is_symlink():
            stale.unlink()
        _remove_empty_parents(stale.parent, out_dir)
    _write_manifest(manifest, sorted(rendered))
    return written


def _write_manifest(path: Path, files: list[str]) -> None:
    document = {"format": "provenance-gallery", "version": 1, "files": files}
    atomic_write(path, (json.dumps(document, indent=1) + "\n").encode())


def _earlier_build(out_dir: Path) -> set[str]:
    """The files an earlier build wrote into ``out_dir`` (empty for a new or empty folder)."""
    from provenance.untrusted import load_json

    if not out_dir.exists() or not any(out_dir.iterdir()):
        return set()
    manifest = out_dir / MANIFEST
    if not manifest.is_file():
        raise InputError(
            f"{out_dir} is not empty and holds no gallery build (no {MANIFEST}): give a new or"
            " empty folder, so that no file the gallery did not write is replaced or removed"
        )
    document = load_json(
        manifest.read_bytes(),
        max_bytes=16 << 20,
        max_depth=4,
        what=str(manifest),
        error=InputError,
    )
    files = document.get("files") if isinstance(document, dict) else None
    if not isinstance(files, list) or not all(_is_own_path(f) for f in files):
        raise InputError(f"{manifest} is damaged: remove the folder's gallery files by hand")
    return set(files)


def _is_own_path(value: object) -> bool:
    """A relative path inside the output folder, as ``render_site`` names its files."""
    if not isinstance(value, str) or not value or value.startswith("/") or "\\" in value:
        return False
    parts = value.split("/")
    return all(part not in ("", ".", "..") for part in parts) and value != MANIFEST


def _remove_empty_parents(folder: Path, root: Path) -> None:
    while folder != root and root in folder.parents:
        try:
            folder.rmdir()  # only when empty: a file someone else put there keeps its folder
        except OSError:
            return
        folder = folder.parent


def _sync_folder(folder: Path) -> None:
    """Make every file written under ``folder`` durable at once: ``syncfs`` of its filesystem
    (``os.sync`` flushed every mounted one, a USB stick's included), else ``os.sync``."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        if not syncfs(fd):
            os.sync()
    finally:
        os.close(fd)
