"""``provenance mint-batch DIR --donors donors.csv``: many artworks, pipelined."""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
import textwrap
import time
from collections.abc import Mapping
from pathlib import Path
from typing import IO, TYPE_CHECKING

import click

from provenance.cli.options import Connection, connection_options, json_option
from provenance.cli.render import err_console, json_dumps_split, line, out_console

if TYPE_CHECKING:
    from provenance.workflows.batch import BatchOutcome


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
    from provenance.workflows.batch import mint_batch as run_batch
    from provenance.workflows.batch_rows import batch_requests, read_rows

    rows = read_rows(directory, donors)  # shape errors before anything is sent
    collection = connection.open(with_signer=True)

    # The --json rows wait in a temporary file, not in memory (_Report).
    with tempfile.TemporaryFile("w+", encoding="utf-8") as spool:
        live = err_console.is_terminal and not as_json
        report = _Report(spool)

        def show(outcome: BatchOutcome) -> None:
            report.add(outcome)
            if live:
                if outcome.result:
                    err_console.print(
                        line(f"token {short_token(outcome.result.token_id)}  {outcome.artwork}")
                    )
                else:
                    err_console.print(
                        line(("failed", "red"), f" {outcome.artwork}: {outcome.error}")
                    )

        started = time.perf_counter()
        # Every row's key and message are checked before the first transaction is sent; the rows
        # are then read again, a window at a time, so that a batch's images are never all in
        # memory.
        for _request in batch_requests(directory, rows, collection, check_only=True):
            pass
        requests = batch_requests(directory, rows, collection)
        count = run_batch(requests, collection, window=window, progress=show)
        elapsed = time.perf_counter() - started
        report.finish(count)
        rate = report.minted / elapsed if elapsed > 0 else 0.0
        failed = report.failed
        if as_json:
            summary = {
                "minted": report.minted,
                "already_minted": report.already,
                "failed": len(failed),
                "seconds": round(elapsed, 3),
                "mints_per_second": round(rate, 2),
            }
            report.emit_json(summary)
        else:
            out_console.print(
                f"minted {report.minted}, already minted {report.already}, failed"
                f" {len(failed)} in {elapsed:.2f} s ({rate:.1f} mints/s)"
            )
            for artwork, error in failed:
                out_console.print(line(("failed", "red"), f" {artwork}: {error}"))
        if failed:
            raise SystemExit(1)


class _Report:
    """The rows of ``--json``, in the CSV's order, written to a temporary file as they end (the
    workflow reports each row once, in no set order, and keeps none): a long batch's report is
    not held in memory, only the few rows that ended before an earlier one, the counts and the
    failures (listed at the end of the human summary)."""

    def __init__(self, spool: IO[str]) -> None:
        self.spool = spool
        self.waiting: dict[int, str] = {}  # rows that ended before an earlier row
        self.written = 0
        self.minted = self.already = 0
        self.failed: list[tuple[Path, str]] = []

    def add(self, outcome: BatchOutcome) -> None:
        from provenance.workflows.session import AlreadyMinted

        if outcome.result:
            self.minted += 1
        elif isinstance(outcome.error, AlreadyMinted):
            self.already += 1
        elif outcome.error:
            self.failed.append((outcome.artwork, str(outcome.error)))
        row = {
            "artwork": str(outcome.artwork),
            "token_id": outcome.result.token_id if outcome.result else None,
            "tx_hash": outcome.result.tx_hash if outcome.result else None,
            "error": str(outcome.error) if outcome.error else None,
        }
        self.waiting[outcome.row] = json.dumps(row, indent=2, sort_keys=True, default=str)
        while self.written in self.waiting:
            text = self.waiting.pop(self.written)
            self.spool.write(("" if not self.written else ",\n") + textwrap.indent(text, "    "))
            self.written += 1

    def finish(self, count: int) -> None:
        if self.waiting or self.written != count:  # every row reported once, in order
            raise RuntimeError(f"mint-batch reported {self.written} rows of {count}")

    def emit_json(self, summary: Mapping[str, object]) -> None:
        """``emit_json`` of the summary with ``rows``, the rows streamed from the spool."""
        head, tail = json_dumps_split({**summary, "rows": []}, key="rows")
        sys.stdout.write(head)
        if self.written:
            self.spool.seek(0)
            sys.stdout.write("\n")
            shutil.copyfileobj(self.spool, sys.stdout)
            sys.stdout.write("\n  ")
        sys.stdout.write(tail)
