"""``provenance mint-batch DIR --donors donors.csv``: many artworks, pipelined."""

from __future__ import annotations

import time
from pathlib import Path

import click

from provenance.cli.options import Connection, connection_options, json_option
from provenance.cli.render import emit_json, err_console, line, out_console


@click.command("mint-batch")
@click.argument("directory", type=click.Path(path_type=Path))
@click.option(
    "--donors",
    "donors",
    required=True,
    type=click.Path(path_type=Path),
    help="CSV: artwork,donor[,message,donor_pubkey,donor_encryption_key,name,description,animation,model,onnx]",
)
@click.option(
    "--window",
    type=click.IntRange(1, 1024),
    default=64,
    show_default=True,
    help="Works staged, journaled and signed together (one commit and one disk sync a window;"
    " the first windows are smaller, 8, 16, 32 works, so that minting starts sooner).",
)
@json_option
@connection_options(signs=True)
def mint_batch(
    directory: Path,
    donors: Path,
    window: int,
    as_json: bool,
    connection: Connection,
) -> None:
    """Mint one artwork per row of --donors; re-run to finish an interrupted batch."""
    from provenance.chain.token_id import short_token
    from provenance.workflows.batch import BatchOutcome
    from provenance.workflows.batch import mint_batch as run_batch
    from provenance.workflows.batch_rows import batch_requests, read_rows
    from provenance.workflows.session import AlreadyMinted

    rows = read_rows(directory, donors)  # shape errors before anything is sent
    collection = connection.open(with_signer=True)

    live = err_console.is_terminal and not as_json

    def show(outcome: BatchOutcome) -> None:
        if live:
            if outcome.result:
                err_console.print(
                    line(f"token {short_token(outcome.result.token_id)}  {outcome.artwork}")
                )
            else:
                err_console.print(line(("failed", "red"), f" {outcome.artwork}: {outcome.error}"))

    started = time.perf_counter()
    # Every row's key and message are checked before the first transaction is sent; the rows are
    # then read again, a window at a time, so that a batch's images are never all in memory.
    for _request in batch_requests(directory, rows, collection, check_only=True):
        pass
    requests = batch_requests(directory, rows, collection)
    outcomes = run_batch(requests, collection, window=window, progress=show)
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
                        "artwork": str(o.artwork),
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
            out_console.print(line(("failed", "red"), f" {outcome.artwork}: {outcome.error}"))
    if failed:
        raise SystemExit(1)
