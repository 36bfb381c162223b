"""``provenance verify`` and ``provenance decrypt``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click
from rich.table import Table

from provenance.cli.common import F, emit_json, out_console
from provenance.cli.options import Connection, connection_options
from provenance.errors import InputError

if TYPE_CHECKING:
    from provenance.ipfs.reader import ContentSource


def content_options(func: F) -> F:
    func = click.option(
        "--gateway",
        "gateways",
        multiple=True,
        metavar="URL",
        help="Read content from these HTTP gateways (verified), in order.",
    )(func)
    func = click.option(
        "--kubo-api",
        envvar="PROVENANCE_KUBO_API",
        metavar="URL",
        help="Read content from a Kubo RPC API [env PROVENANCE_KUBO_API].",
    )(func)
    return func


def content_source(kubo_api: str | None, gateways: tuple[str, ...]) -> ContentSource:
    """The embedded blockstore by default; Kubo or gateways when asked. All verify every block."""
    if kubo_api and gateways:
        raise InputError("give --kubo-api or --gateway, not both")
    if kubo_api:
        from provenance.ipfs import KuboClient

        return KuboClient(kubo_api)
    if gateways:
        from provenance.ipfs import GatewayFetcher

        return GatewayFetcher(list(gateways))
    from provenance.ipfs import Blockstore

    return Blockstore.open()


@click.command()
@click.argument("token_id", type=click.IntRange(min=1))
@click.option(
    "--regenerate",
    is_flag=True,
    help="Also regenerate the image from its model and seed and compare the pixels.",
)
@click.option(
    "--model",
    type=click.Path(path_type=Path),
    help="Model for --regenerate (run folder or exported file).",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
@content_options
@connection_options()
def verify(
    token_id: int,
    regenerate: bool,
    model: Path | None,
    as_json: bool,
    kubo_api: str | None,
    gateways: tuple[str, ...],
    connection: Connection,
) -> None:
    """Check TOKEN_ID end to end; exit 0 only when every check passes."""
    from provenance.workflows.verify import verify_token

    if regenerate and model is None:
        raise InputError("--regenerate needs --model (a run folder or an exported model)")
    source = content_source(kubo_api, gateways)
    collection = connection.open()
    report = verify_token(
        collection.contract,
        token_id,
        source,
        chain_id=collection.chain.chain_id,
        regenerate_model=model if regenerate else None,
    )
    if as_json:
        emit_json(
            {
                "token_id": token_id,
                "contract": report.contract,
                "chain_id": report.chain_id,
                "owner": report.owner,
                "ok": report.ok,
                "checks": [{"name": c.name, "ok": c.ok, "detail": c.detail} for c in report.checks],
            }
        )
    else:
        table = Table(title=f"token {token_id} on {collection.chain.label} ({report.contract})")
        table.add_column("check")
        table.add_column("result")
        table.add_column("evidence", overflow="fold")
        marks = {True: "[green]pass[/]", False: "[red]FAIL[/]", None: "[dim]n/a[/]"}
        for check in report.checks:
            table.add_row(check.name, marks[check.ok], check.detail)
        out_console.print(table)
        failed = [c.name for c in report.checks if c.ok is False]
        out_console.print(
            "[bold green]verified[/]"
            if report.ok
            else f"[bold red]NOT verified[/]: {', '.join(failed) or 'checks skipped'}"
        )
    if not report.ok:
        raise SystemExit(1)


@click.command()
@click.argument("token_id", type=click.IntRange(min=1))
@content_options
@connection_options(signs=True)
def decrypt(
    token_id: int,
    kubo_api: str | None,
    gateways: tuple[str, ...],
    connection: Connection,
) -> None:
    """Print the donor's sealed message of TOKEN_ID (needs the donor's key)."""
    from provenance.workflows.verify import decrypt_token

    if not connection.has_signer:
        raise InputError("decrypt needs the donor's key: --account NAME or --private-key-env VAR")
    key = connection.local_account()
    source = content_source(kubo_api, gateways)
    collection = connection.open()
    message = decrypt_token(collection.contract, token_id, source, bytes(key.key))
    click.echo(message.decode("utf-8", errors="replace"))
