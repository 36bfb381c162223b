"""``provenance tokens list|show``: the collection from the chain's events and the journal."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from provenance.chain.address import to_checksum
from provenance.cli.options import TOKEN, Connection, connection_options, json_option
from provenance.cli.render import cells, emit_json, line, out_console, plural, table
from provenance.errors import InputError

if TYPE_CHECKING:
    from provenance.chain.token_id import TokenRef


@click.group()
def tokens() -> None:
    """List and show the collection's tokens."""


@tokens.command("list")
@json_option
@connection_options()
def list_tokens(as_json: bool, connection: Connection) -> None:
    """Every minted token, from ArtworkMinted events, with journal state where known."""
    from provenance.chain.token_id import short_token, token_hex
    from provenance.ipfs.cid import raw_cid_for_sha256
    from provenance.state.journal import MintState

    collection = connection.open()
    events = collection.contract.events("ArtworkMinted")
    journal = {
        e.token_id: e
        for e in collection.journal.all(
            chain_id=collection.chain.chain_id, contract=collection.contract.address
        )
        if e.token_id
    }
    rows: list[dict[str, Any]] = []
    for event in events:
        token_id = int(event.args["tokenId"])
        entry = journal.get(token_id)
        rows.append(
            {
                "token_id": token_id,
                "token_hex": token_hex(token_id),
                "to": to_checksum(str(event.args["to"])),
                "metadata_cid": raw_cid_for_sha256(bytes(event.args["metadataDigest"])),
                # The token id is the image's sha256.
                "image_sha256": f"{token_id:064x}",
                "sealed_message": len(bytes(event.args["sealedMessage"])) > 0,
                "tx_hash": event.tx_hash,
                "artwork": entry.artwork if entry else None,
            }
        )
    pending = [
        e
        for e in collection.journal.all(
            chain_id=collection.chain.chain_id, contract=collection.contract.address
        )
        if e.state is not MintState.MINTED
    ]
    from provenance.workflows.reorgs import dropped_mints

    dropped = dropped_mints(collection, {row["token_id"] for row in rows})
    if as_json:
        emit_json(
            {
                "contract": collection.contract.address,
                "tokens": rows,
                "unfinished": [
                    {"artwork": e.artwork, "state": e.state, "tx_hash": e.tx_hash, "error": e.error}
                    for e in pending
                ],
                "dropped": [
                    {
                        "artwork": d.artwork,
                        "token_id": d.token_id,
                        "token_hex": token_hex(d.token_id),
                        "tx_hash": d.tx_hash,
                        "block": d.block,
                        "message": d.message,
                    }
                    for d in dropped
                ],
            }
        )
        return
    shown = table(
        f"{plural(len(rows), 'token')} of {collection.contract.address}",
        ("id", "donor", "metadata", "message", "artwork"),
    )
    for row in rows:
        shown.add_row(
            *cells(
                short_token(row["token_id"]),
                row["to"],
                row["metadata_cid"],
                "sealed" if row["sealed_message"] else "-",
                row["artwork"] or "-",
            )
        )
    out_console.print(shown)
    for mint in dropped:
        out_console.print(
            line(("dropped", "red"), f" {mint.artwork} (tx {mint.tx_hash}): {mint.message}")
        )
    for entry in pending:
        out_console.print(
            line(
                ("unfinished", "yellow"),
                f" {entry.artwork}: {entry.state}" + (f" ({entry.error})" if entry.error else ""),
            )
        )


@tokens.command("show")
@click.argument("token", type=TOKEN)
@json_option
@connection_options()
def show(token: TokenRef, as_json: bool, connection: Connection) -> None:
    """One token (a unique hex prefix or the full id): owner, record, URIs, mint transaction."""
    from provenance.chain.token_id import short_token, token_hex

    collection = connection.open()
    bound = collection.contract
    token_id = bound.resolve_token(token)
    if not bound.exists(token_id):
        raise InputError(f"token {short_token(token_id)} does not exist on {bound.address}")
    record = bound.record_of(token_id)
    event = bound.minted_event(token_id)
    info = {
        "token_id": token_id,
        "token_hex": token_hex(token_id),
        "owner": bound.owner_of(token_id),
        "token_uri": bound.token_uri(token_id),
        "metadata_sha256": record.metadata_digest.hex(),
        "image_sha256": record.image_digest.hex(),
        "minted_to": to_checksum(str(event.args["to"])) if event else None,
        "tx_hash": event.tx_hash if event else None,
        "sealed_message": bool(event and event.args["sealedMessage"]),
    }
    if as_json:
        emit_json(info)
        return
    shown = {**info, "token_id": short_token(token_id)}  # short for people; token_hex in full
    for key, value in shown.items():
        out_console.print(line(f"{key:16} {value}"))
