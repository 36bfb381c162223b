"""Many mints from a folder and a CSV of donors, pipelined: up to ``window`` transactions in flight.

Each artwork goes through exactly the steps of :mod:`provenance.workflows.mint` (journaled the same
way), so an interrupted batch is finished by running it again. Batch is the one workflow built on
another: it is ``mint`` with its steps interleaved.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from provenance.chain.rpc import Receipt
from provenance.content.message import read_message
from provenance.content.token import require_donor_key, token_spec
from provenance.errors import ChainError, InputError, ProvenanceError
from provenance.state.journal import MintEntry
from provenance.workflows.donor_key import resolve_donor_key
from provenance.workflows.mint import (
    MintRequest,
    MintResult,
    Progress,
    SendError,
    confirm,
    send,
    stage,
)
from provenance.workflows.session import Session

__all__ = ["COLUMNS", "BatchOutcome", "batch_requests", "mint_batch", "read_rows"]

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
    directory: Path, rows: Iterable[dict[str, str]], collection: Session
) -> Iterator[MintRequest]:
    """One mint request per row, every key and message checked (raise on the first bad row)."""
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


@dataclass
class BatchOutcome:
    request: MintRequest
    result: MintResult | None = None
    error: ProvenanceError | None = None


def mint_batch(
    requests: Iterable[MintRequest],
    collection: Session,
    *,
    window: int = 64,
    progress: Callable[[BatchOutcome], None] | None = None,
) -> list[BatchOutcome]:
    """Mint many artworks, pipelined: up to ``window`` transactions in flight before their receipts
    are collected. Each artwork is journaled exactly as by :func:`mint`, so an interrupted batch is
    finished by running it again. A row refused before signing is reported and the others go on;
    a transaction that could not be sent stops the batch (every later nonce would wait behind the
    gap), the rows in flight are confirmed, and the rest are reported as not attempted."""
    sender = collection.require_sender("minting")
    if not collection.contract.is_minter(sender.address):
        raise ChainError(
            f"account {sender.address} is not a minter of {collection.contract.address}",
            account=sender.address,
        )
    quiet: Progress = lambda _step: None
    outcomes: list[BatchOutcome] = []
    in_flight: list[tuple[BatchOutcome, MintEntry, Receipt | None, bool]] = []
    halted: ProvenanceError | None = None

    def report(outcome: BatchOutcome) -> None:
        if progress:
            progress(outcome)

    def drain(limit: int) -> None:
        while len(in_flight) > limit:
            outcome, entry, receipt, resumed = in_flight.pop(0)
            try:
                outcome.result = confirm(
                    entry, collection, receipt=receipt, resumed=resumed, note=quiet
                )
            except ProvenanceError as exc:
                outcome.error = exc
            report(outcome)

    # The batch holds the mint lock while it signs and sends (seconds for hundreds of rows), so
    # its nonces are counted locally after one read from the node.
    with collection.send_lock():
        for request in requests:
            outcome = BatchOutcome(request)
            outcomes.append(outcome)
            if halted is not None:
                outcome.error = ProvenanceError(f"not attempted: the batch stopped ({halted})")
                report(outcome)
                continue
            try:
                entry, resumed = stage(request, collection, note=quiet, check_minter=False)
                entry, receipt = send(entry, collection, sender, note=quiet)
            except SendError as exc:
                outcome.error = halted = exc
                sender.nonces.resync(sender.address)
                report(outcome)
                continue
            except ProvenanceError as exc:
                outcome.error = exc
                report(outcome)
                continue
            in_flight.append((outcome, entry, receipt, resumed))
            drain(window)
    drain(0)
    return outcomes
