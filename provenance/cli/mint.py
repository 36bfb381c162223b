"""``provenance mint``: one artwork to one donor, with an optional sealed message."""

from __future__ import annotations

from pathlib import Path

import click

from provenance.cli.options import (
    ADDRESS,
    Connection,
    attachment_options,
    connection_options,
    donor_key_given,
    donor_key_options,
    json_option,
    message_options,
    publish_target_options,
    token_metadata_options,
)
from provenance.cli.render import emit_json, err_console, out_console, progress_printer


@click.command()
@click.argument("artwork", type=click.Path(path_type=Path))
@click.option("--donor", required=True, type=ADDRESS, help="Address that receives the token.")
@message_options(sealed_to="the donor's key")
@donor_key_options
@token_metadata_options
@attachment_options
@publish_target_options
@json_option
@connection_options(signs=True)
def mint(
    artwork: Path,
    donor: str,
    message: str | None,
    message_file: Path | None,
    donor_signature: str | None,
    donor_tx: str | None,
    donor_pubkey: str | None,
    donor_encryption_key: str | None,
    donor_wallet_key: str | None,
    name: str | None,
    description: str,
    attributes: tuple[str, ...],
    animation_url: str | None,
    external_url: str | None,
    animation: Path | None,
    model_file: Path | None,
    onnx_file: Path | None,
    kubo_api: str | None,
    kubo_auth_env: str | None,
    pinning_endpoint: str | None,
    pinning_token_env: str | None,
    as_json: bool,
    connection: Connection,
) -> None:
    """Store ARTWORK and its metadata on IPFS and mint it to DONOR.

    Re-running the same command after an interruption finishes the same mint.
    """
    from provenance.chain.address import parse_address
    from provenance.content.message import read_message
    from provenance.content.token import require_donor_key, token_spec
    from provenance.workflows.donor_key import resolve_donor_key
    from provenance.workflows.mint import DONOR_KEY_OPTIONS, MintRequest
    from provenance.workflows.mint import mint as run_mint
    from provenance.workflows.session import content_services

    data = read_message(message, message_file)
    given = donor_key_given(click.get_current_context().params)
    require_donor_key(data, given, how=DONOR_KEY_OPTIONS)
    donor = parse_address(donor, what="donor")
    token = token_spec(  # the artwork read and checked once, before the chain is touched
        artwork,
        name=name,
        description=description,
        attributes=attributes,
        animation_url=animation_url,
        external_url=external_url,
        animation=animation,
        model=model_file,
        onnx=onnx_file,
    )
    attachments = token.attachments
    kubo, pinning = content_services(
        kubo_api=kubo_api,
        kubo_auth_env=kubo_auth_env,
        pinning_endpoint=pinning_endpoint,
        pinning_token_env=pinning_token_env,
    )
    collection = connection.open(with_signer=True)
    collection.kubo, collection.pinning = kubo, pinning
    key = resolve_donor_key(
        collection,
        donor=donor,
        artwork_sha256=token.artwork.sha256,
        signature=donor_signature,
        tx_hash=donor_tx,
        public_key=donor_pubkey,
        encryption_key=donor_encryption_key,
        wallet_key_code=donor_wallet_key,
    )
    request = MintRequest(token=token, donor=donor, message=data, donor_key=key)
    result = run_mint(request, collection, progress=progress_printer(not as_json))
    from provenance.chain.token_id import short_token, token_hex

    where = ""
    if connection.rpc_url:  # never echo the URL itself: provider URLs carry API keys
        where = f' --rpc-url "$PROVENANCE_RPC_URL" --contract {result.contract}'
    # People get the short id (a unique prefix); scripts the full one.
    verify_cmd = f"provenance verify {short_token(result.token_id)}{where}"

    if as_json:
        emit_json(
            {
                "token_id": result.token_id,
                "token_hex": token_hex(result.token_id),
                "tx_hash": result.tx_hash,
                "gas_used": result.gas_used,
                "block": result.block_number,
                "image_cid": result.image_cid,
                "metadata_cid": result.metadata_cid,
                "animation_cid": attachments.animation_cid,
                "model_cid": attachments.model_cid,
                "onnx_cid": attachments.onnx_cid,
                "donor": result.donor,
                "sealed_message": result.sealed,
                "donor_key_verified": key.verified if key else None,
                "resumed": result.resumed,
                "confirmations": collection.chain.confirmations,
                "chain_id": result.chain_id,
                "contract": result.contract,
                "verify": f"provenance verify {token_hex(result.token_id)}{where}",
            }
        )
        return
    out_console.print(
        f"[bold green]minted token {short_token(result.token_id)}[/] to {result.donor}"
        + (" (finished an interrupted mint)" if result.resumed else "")
    )
    final = collection.chain.confirmations
    out_console.print(
        f"  tx        {result.tx_hash} (block {result.block_number}, gas {result.gas_used:,}"
        + (f", final after {final} confirmations)" if final > 1 else ")")
    )
    out_console.print(f"  image     ipfs://{result.image_cid}")
    out_console.print(f"  metadata  ipfs://{result.metadata_cid}")
    for cid, _, what in attachments.files():
        out_console.print(f"  {what:<9} ipfs://{cid}")
    if result.sealed and key is not None:
        out_console.print(f"  message   sealed ({key.scheme}) to the donor's key")
        if not key.verified:
            err_console.print(
                "  [yellow]note:[/] a MetaMask encryption key cannot be checked"
                " against the donor address; only that wallet can read the message"
            )
    out_console.print(f"  verify    {verify_cmd}")
