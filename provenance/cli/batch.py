"""``provenance mint-batch DIR --donors donors.csv``: many artworks, pipelined."""

from __future__ import annotations

import csv
import hashlib
import time
from collections.abc import Iterator
from pathlib import Path

import click

from provenance.cli.common import chain_options, emit_json, err_console, out_console, signer_options
from provenance.cli.mint import read_message
from provenance.errors import InputError

COLUMNS = (
    "artwork",
    "donor",
    "message",
    "donor_pubkey",
    "donor_encryption_key",
    "name",
    "description",
)


def read_rows(directory: Path, donors: Path) -> Iterator[dict[str, str]]:
    """Rows of the CSV, checked for shape; the artwork paths are relative to DIR."""
    if not directory.is_dir():
        raise InputError(f"{directory} is not a folder")
    try:
        handle = donors.open(newline="", encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot read {donors}: {exc.strerror}") from exc
    with handle:
        reader = csv.DictReader(handle)
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
            yield {key: (value or "").strip() for key, value in row.items() if key}


@click.command("mint-batch")
@click.argument("directory", type=click.Path(path_type=Path))
@click.option(
    "--donors",
    "donors",
    required=True,
    type=click.Path(path_type=Path),
    help="CSV: artwork,donor[,message,donor_pubkey,donor_encryption_key,name,description]",
)
@click.option(
    "--window",
    type=click.IntRange(1, 1024),
    default=64,
    show_default=True,
    help="Transactions in flight before receipts are collected.",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
@chain_options
@signer_options
def mint_batch(
    directory: Path,
    donors: Path,
    window: int,
    as_json: bool,
    rpc_url: str | None,
    chain_id: int | None,
    contract: str | None,
    account: str | None,
    private_key_env: str | None,
    password_env: str | None,
) -> None:
    """Mint one artwork per row of --donors; re-run to finish an interrupted batch."""
    from provenance.collection import open_collection
    from provenance.mint import AlreadyMinted, BatchOutcome, MintRequest, resolve_donor_key
    from provenance.mint import mint_batch as run_batch

    rows = list(read_rows(directory, donors))  # shape errors before anything is sent
    collection = open_collection(
        rpc_url=rpc_url,
        chain_id=chain_id,
        contract=contract,
        account=account,
        private_key_env=private_key_env,
        password_env=password_env,
        with_signer=True,
    )

    def requests() -> Iterator[MintRequest]:
        seen: dict[bytes, str] = {}
        for row in rows:
            path = directory / row["artwork"]
            try:
                digest = hashlib.sha256(path.read_bytes()).digest()
            except OSError as exc:
                raise InputError(
                    f"row for {row['artwork']}: cannot read {path}: {exc.strerror}"
                ) from exc
            if digest in seen:
                raise InputError(f"rows {seen[digest]} and {row['artwork']} are the same artwork")
            seen[digest] = row["artwork"]
            try:
                data = read_message(row.get("message") or None, None)
            except InputError as exc:
                raise InputError(f"row for {row['artwork']}: {exc}") from exc
            message = data.decode() if data else None
            key = resolve_donor_key(
                collection,
                donor=row["donor"],
                artwork_sha256=None,
                public_key=row.get("donor_pubkey") or None,
                encryption_key=row.get("donor_encryption_key") or None,
            )
            if message and key is None:
                raise InputError(
                    f"row for {row['artwork']}: a message needs donor_pubkey or"
                    " donor_encryption_key"
                )
            yield MintRequest(
                artwork=directory / row["artwork"],
                donor=row["donor"],
                message=message.encode() if message else None,
                donor_key=key,
                name=row.get("name") or None,
                description=row.get("description") or "",
            )

    live = err_console.is_terminal and not as_json

    def show(outcome: BatchOutcome) -> None:
        if live:
            if outcome.result:
                err_console.print(f"token {outcome.result.token_id}  {outcome.request.artwork}")
            else:
                err_console.print(f"[red]failed[/] {outcome.request.artwork}: {outcome.error}")

    started = time.perf_counter()
    # Every row's key and message are checked before the first transaction is sent.
    outcomes = run_batch(list(requests()), collection, window=window, progress=show)
    elapsed = time.perf_counter() - started
    minted = [o for o in outcomes if o.result]
    already = [o for o in outcomes if isinstance(o.error, AlreadyMinted)]
    failed = [o for o in outcomes if o.error and not isinstance(o.error, AlreadyMinted)]
    rate = len(minted) / elapsed if elapsed > 0 else 0.0
    if as_json:
        emit_json(
            {
                "minted": len(minted),
                "already_minted": len(already),
                "failed": len(failed),
                "seconds": round(elapsed, 3),
                "mints_per_second": round(rate, 2),
                "rows": [
                    {
                        "artwork": str(o.request.artwork),
                        "token_id": o.result.token_id if o.result else None,
                        "tx_hash": o.result.tx_hash if o.result else None,
                        "error": str(o.error) if o.error else None,
                    }
                    for o in outcomes
                ],
            }
        )
    else:
        out_console.print(
            f"minted {len(minted)}, already minted {len(already)}, failed"
            f" {len(failed)} in {elapsed:.2f} s ({rate:.1f} mints/s)"
        )
        for outcome in failed:
            out_console.print(f"[red]failed[/] {outcome.request.artwork}: {outcome.error}")
    if failed:
        raise SystemExit(1)
