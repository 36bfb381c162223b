"""The rows of a batch: the CSV of donors read and checked, one mint request per row, and a
window's requests fingerprinted together (``mint-batch``; the windows: workflows/batch.py)."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from dataclasses import replace
from pathlib import Path

from provenance.content.message import read_message
from provenance.content.token import require_donor_key, token_spec
from provenance.errors import InputError
from provenance.workflows.donor_key import resolve_donor_key
from provenance.workflows.mint import MintRequest
from provenance.workflows.session import Session

__all__ = ["COLUMNS", "batch_requests", "fingerprinted", "read_rows"]

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


def batch_requests(
    directory: Path,
    rows: Iterable[dict[str, str]],
    collection: Session,
    *,
    check_only: bool = False,
) -> Iterator[MintRequest]:
    """One mint request per row, every key and message checked (raise on the first bad row).
    ``check_only``: the pass that checks every row before anything is sent; it decodes each
    image but leaves its fingerprint to the staging pass, which computes it from its own decode
    (one fingerprint a work, on the pass that overlaps the sending)."""
    seen: dict[bytes, str] = {}
    for row in rows:
        path = directory / row["artwork"]
        try:
            message = read_message(row.get("message") or None, None)
            token = token_spec(
                path,
                name=row.get("name") or None,
                description=row.get("description") or "",
                animation=directory / row["animation"] if row.get("animation") else None,
                model=directory / row["model"] if row.get("model") else None,
                onnx=directory / row["onnx"] if row.get("onnx") else None,
                fingerprint=not check_only,
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
        yield MintRequest(token=token, donor=row["donor"], message=message, donor_key=key)


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
