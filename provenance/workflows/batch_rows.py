"""The rows of a batch: the CSV of donors read and checked, one mint request per row, and a
window's requests fingerprinted together (``mint-batch``; the windows: workflows/batch.py)."""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from functools import partial
from pathlib import Path

from provenance.content.artwork import Artwork, load_artwork
from provenance.content.message import read_message
from provenance.content.token import require_donor_key, token_spec
from provenance.errors import InputError
from provenance.workflows.donor_key import resolve_donor_key
from provenance.workflows.mint import MintRequest
from provenance.workflows.session import Session

__all__ = ["COLUMNS", "batch_requests", "check_rows", "fingerprinted", "read_rows"]

# Rows decoded and fingerprinted together by the check (their ISCC codes in one numpy pass).
_CHECKED_TOGETHER = 64

COLUMNS = (
    "artwork",
    "donor",
    "message",
    "donor_pubkey",
    "donor_encryption_key",
    "name",
    "description",
    "animation",  # files relative to the folder, as for artwork (content/attachments.py)
    "model",
    "onnx",
)


def read_rows(directory: Path, donors: Path) -> list[dict[str, str]]:
    """Rows of the CSV, checked for shape; the artwork paths are relative to ``directory``."""
    if not directory.is_dir():
        raise InputError(f"{directory} is not a folder")
    try:
        handle = donors.open(newline="", encoding="utf-8-sig")  # a spreadsheet's BOM is fine
    except OSError as exc:
        raise InputError(f"cannot read {donors}: {exc.strerror}") from exc
    with handle:
        try:
            return _read_rows(csv.DictReader(handle), donors)
        except UnicodeDecodeError as exc:
            raise InputError(f"{donors} is not UTF-8 text: save it as CSV in UTF-8") from exc
        except csv.Error as exc:
            raise InputError(f"{donors} is not a readable CSV file: {exc}") from exc


def _read_rows(reader: csv.DictReader[str], donors: Path) -> list[dict[str, str]]:
    rows: list[dict[str, str]] = []
    header = reader.fieldnames or []
    missing = {"artwork", "donor"} - set(header)
    unknown = set(header) - set(COLUMNS)
    if missing:
        raise InputError(f"{donors} lacks the column(s) {', '.join(sorted(missing))}")
    if unknown:
        raise InputError(
            f"{donors} has unknown column(s) {', '.join(sorted(unknown))}; "
            f"known: {', '.join(COLUMNS)}"
        )
    for number, row in enumerate(reader, start=2):
        if not row.get("artwork") or not row.get("donor"):
            raise InputError(f"{donors} line {number}: artwork and donor are required")
        rows.append({key: (value or "").strip() for key, value in row.items() if key})
    return rows


def check_rows(
    directory: Path, rows: Sequence[dict[str, str]], collection: Session
) -> list[Artwork]:
    """Every row checked before anything is sent: its key, its message, its image decoded (a
    truncated file fails here), no image twice; ``InputError`` for the first bad row, in row
    order. The images are decoded and fingerprinted two at a time (the node has nothing to do
    yet), a window of rows at a time. Returns what each row's image decoded to, its fingerprint
    computed and its bytes let go: the staging pass (``batch_requests``) reads each file again
    and decodes only one whose bytes changed meanwhile."""
    from provenance.content import iscc_image

    iscc_image.use_numpy()  # thousands of fingerprints: numpy's import pays for itself
    checked: list[Artwork] = []
    seen: dict[bytes, str] = {}
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="mint-batch check") as pool:
        for start in range(0, len(rows), _CHECKED_TOGETHER):
            chunk = rows[start : start + _CHECKED_TOGETHER]
            loads = [
                pool.submit(load_artwork, directory / row["artwork"], fingerprint=True)
                for row in chunk
            ]
            requests = [
                _request(directory, row, collection, seen, load.result)
                for row, load in zip(chunk, loads, strict=True)
            ]
            checked += [
                replace(request.token.artwork, data=b"") for request in fingerprinted(requests)
            ]
    return checked


def batch_requests(
    directory: Path,
    rows: Iterable[dict[str, str]],
    collection: Session,
    checked: Sequence[Artwork],
) -> Iterator[MintRequest]:
    """One mint request per row, the rows as :func:`check_rows` checked them (``checked``):
    each image is read again (its bytes are stored), and decoded again only when they are not
    the bytes that were checked."""
    seen: dict[bytes, str] = {}
    for row, known in zip(rows, checked, strict=True):
        path = directory / row["artwork"]
        yield _request(directory, row, collection, seen, partial(_reread, path, known))


def _reread(path: Path, known: Artwork) -> Artwork:
    """The artwork at ``path`` as ``known`` (decoded by the check), if its bytes are those."""
    try:
        data = path.read_bytes()
    except OSError:
        data = b""
    if hashlib.sha256(data).digest() == known.sha256:
        return replace(known, data=data)
    return load_artwork(path, fingerprint=True)  # changed since the check: checked again


def _request(
    directory: Path,
    row: dict[str, str],
    collection: Session,
    seen: dict[bytes, str],
    artwork: Callable[[], Artwork],
) -> MintRequest:
    """The row's mint request (``InputError`` naming the row); ``artwork`` loads its image."""
    try:
        message = read_message(row.get("message") or None, None)
        token = token_spec(
            artwork(),
            name=row.get("name") or None,
            description=row.get("description") or "",
            animation=directory / row["animation"] if row.get("animation") else None,
            model=directory / row["model"] if row.get("model") else None,
            onnx=directory / row["onnx"] if row.get("onnx") else None,
        )
    except InputError as exc:
        raise InputError(f"row for {row['artwork']}: {exc}") from exc
    digest = token.artwork.sha256
    if digest in seen:
        raise InputError(f"rows {seen[digest]} and {row['artwork']} are the same artwork")
    seen[digest] = row["artwork"]
    key = resolve_donor_key(
        collection,
        donor=row["donor"],
        artwork_sha256=None,
        public_key=row.get("donor_pubkey") or None,
        encryption_key=row.get("donor_encryption_key") or None,
    )
    try:
        require_donor_key(message, key is not None, how="donor_pubkey or donor_encryption_key")
    except InputError as exc:
        raise InputError(f"row for {row['artwork']}: {exc}") from exc
    return MintRequest(token=token, donor=row["donor"], message=message, donor_key=key)


def fingerprinted(requests: list[MintRequest]) -> list[MintRequest]:
    """The window's requests with their artworks' fingerprints computed together (their ISCC
    codes in one numpy pass: iscc_image.image_codes_v0_64), from what each one's decode
    prepared."""
    from provenance.content.fingerprint import fingerprints_of

    todo = [
        (index, prepared)
        for index, request in enumerate(requests)
        if request.token.artwork.fingerprint is None
        and (prepared := request.token.artwork.prepared) is not None
    ]
    done = list(requests)
    prints = fingerprints_of([prepared for _index, prepared in todo])
    for (index, _prepared), fingerprint in zip(todo, prints, strict=True):
        request = requests[index]
        artwork = replace(request.token.artwork, fingerprint=fingerprint, prepared=None)
        done[index] = replace(request, token=replace(request.token, artwork=artwork))
    return done
