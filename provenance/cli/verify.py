"""``provenance verify`` and ``provenance decrypt``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from provenance.cli.options import (
    TOKEN,
    Connection,
    connection_options,
    content_options,
    json_option,
)
from provenance.cli.render import emit_json, out_console, table
from provenance.errors import InputError
from provenance.untrusted import plain_text, rich_text

if TYPE_CHECKING:
    from provenance.chain.token_id import TokenRef
    from provenance.workflows.session import Session


def _token_or_file(text: str, connection: Connection) -> tuple[Session, int]:
    """The collection and the token TEXT names: an image file (its sha256 is the token id), a
    unique hex prefix of a minted token, or the full id in decimal or 0x hex."""
    from provenance.chain.token_id import parse_token_ref, token_id_of_file

    path = Path(text)
    if path.is_file():
        token_id = token_id_of_file(path)
        return connection.open(), token_id
    try:
        ref = parse_token_ref(text)
    except InputError:
        if path.suffix or "/" in text:
            raise InputError(f"{text}: no such file, and not a token id") from None
        raise
    collection = connection.open()
    return collection, collection.contract.resolve_token(ref)


@click.command()
@click.argument("token", metavar="TOKEN|FILE")
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
@click.option(
    "--trust-anchor",
    type=click.Path(path_type=Path, dir_okay=False),
    help="PEM to trust for Content Credentials: the artist's root, or their certificate-chain.pem"
    " (then the certificate's sha256 is compared with the token's). Default: the identity under"
    " PROVENANCE_HOME.",
)
@json_option
@content_options
@connection_options()
def verify(
    token: str,
    regenerate: bool,
    model: Path | None,
    trust_anchor: Path | None,
    as_json: bool,
    kubo_api: str | None,
    gateways: tuple[str, ...],
    connection: Connection,
) -> None:
    """Check a token end to end; exit 0 only when every check passes.

    TOKEN|FILE: the image file itself (its sha256 is the token id; an existing file is always
    read as the image), the token's short id (a unique hex prefix, e.g. 3f2a91c0) or its full id
    (decimal or 0x hex).
    """
    from provenance.chain.token_id import short_token, token_hex
    from provenance.workflows.verify import verify_token

    if regenerate and model is None:
        raise InputError("--regenerate needs --model (a run folder or an exported model)")
    from provenance.content.credentials import load_anchor
    from provenance.state.home import home
    from provenance.workflows.session import open_content_source

    anchor = load_anchor(trust_anchor, home().identity)
    source = open_content_source(kubo_api, gateways)
    collection, token_id = _token_or_file(token, connection)
    report = verify_token(
        collection.contract,
        token_id,
        source,
        chain_id=collection.chain.chain_id,
        regenerate_model=model if regenerate else None,
        trust_anchor=anchor,
    )
    if as_json:
        emit_json(
            {
                "token_id": token_id,
                "token_hex": token_hex(token_id),
                "contract": report.contract,
                "chain_id": report.chain_id,
                "owner": report.owner,
                "ok": report.ok,
                "training": report.training,
                "checks": [{"name": c.name, "ok": c.ok, "detail": c.detail} for c in report.checks],
            }
        )
    else:
        shown = table(
            f"token {short_token(token_id)} on {collection.chain.label} ({report.contract})",
            ("check", "result", "evidence"),
        )
        marks = {True: "[green]pass[/]", False: "[red]FAIL[/]", None: "[dim]n/a[/]"}
        for check in report.checks:
            # The evidence quotes what the token's content says: plain text, never markup.
            shown.add_row(check.name, marks[check.ok], rich_text(check.detail))
        out_console.print(shown)
        failed = [c.name for c in report.checks if c.ok is False]
        out_console.print(
            "[bold green]verified[/]"
            if report.ok
            else f"[bold red]NOT verified[/]: {', '.join(failed) or 'checks skipped'}"
        )
    if not report.ok:
        raise SystemExit(1)


@click.command()
@click.argument("token", type=TOKEN)
@content_options
@json_option
@connection_options(signs=True)
def decrypt(
    token: TokenRef,
    as_json: bool,
    kubo_api: str | None,
    gateways: tuple[str, ...],
    connection: Connection,
) -> None:
    """Print the donor's sealed message of TOKEN (a unique hex prefix or the full id; needs the
    donor's key)."""
    from provenance.workflows.verify import decrypt_token

    if not connection.has_signer:
        raise InputError("decrypt needs the donor's key: --account NAME or --private-key-env VAR")
    key = connection.local_account()
    from provenance.workflows.session import open_content_source

    source = open_content_source(kubo_api, gateways)
    collection = connection.open()
    token_id = collection.contract.resolve_token(token)
    message = decrypt_token(collection.contract, token_id, source, bytes(key.key))
    text = message.decode("utf-8", errors="replace")
    if as_json:
        emit_json({"token_id": token_id, "message": text})
        return
    click.echo(plain_text(text, newlines=True))
