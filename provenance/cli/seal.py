"""``provenance seal``: seal a message to a donor's key, open an envelope, recover a donor's key."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from provenance.cli.options import (
    ADDRESS,
    Connection,
    connection_options,
    json_option,
    message_options,
)
from provenance.cli.render import emit_json
from provenance.errors import InputError
from provenance.untrusted import plain_text

__all__ = ["seal"]

_PATH = click.Path(dir_okay=False, path_type=Path)
F = TypeVar("F", bound=Callable[..., Any])


def _read(path: Path, what: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read {what} {path}: {exc.strerror or exc}") from exc


def _message(message: str | None, message_file: Path | None) -> bytes:
    if (message is None) == (message_file is None):
        raise InputError("give exactly one of --message or --message-file")
    if message is not None:
        try:
            return message.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise InputError("--message is not valid Unicode text") from exc
    assert message_file is not None
    return _read(message_file, "message file")


@click.group()
def seal() -> None:
    """Seal messages to a donor's wallet key and open them."""


@seal.command()
@click.option("--to-pubkey", metavar="HEX", help="Donor's secp256k1 public key (secp256k1-ecies).")
@click.option(
    "--to-encryption-key",
    metavar="B64",
    help="Donor's MetaMask encryption public key (x25519-xsalsa20-poly1305).",
)
@click.option(
    "--donor", metavar="0x..", help="Donor address; the public key is checked against it."
)
@message_options(sealed_to="the donor's key")
@json_option
def encrypt(
    to_pubkey: str | None,
    to_encryption_key: str | None,
    donor: str | None,
    message: str | None,
    message_file: Path | None,
    as_json: bool,
) -> None:
    """Print the envelope JSON (canonical, RFC 8785) sealing the message to the donor's key."""
    from provenance.seal import envelope_bytes, key_from_encryption_key, key_from_public_key
    from provenance.seal import seal as seal_message

    if (to_pubkey is None) == (to_encryption_key is None):
        raise InputError("give exactly one of --to-pubkey or --to-encryption-key")
    data = _message(message, message_file)
    if to_pubkey is not None:
        key = key_from_public_key(to_pubkey, donor=donor)
    else:
        assert to_encryption_key is not None
        key = key_from_encryption_key(to_encryption_key, donor=donor)
        click.echo(
            "Note: a MetaMask encryption key cannot be checked against the donor's address.",
            err=True,
        )
    envelope = envelope_bytes(seal_message(data, key)).decode("utf-8")
    if as_json:  # the envelope itself, inside a document naming whom it is sealed to
        emit_json({"envelope": json.loads(envelope), "scheme": key.scheme, "donor": key.address})
        return
    click.echo(envelope)


def collection_options(func: F) -> F:
    """``--contract`` and ``--chain-id``: the collection a wallet-derived key belongs to."""
    func = click.option(
        "--chain-id", type=click.IntRange(min=1), metavar="N", help="The collection's chain id."
    )(func)
    return click.option("--contract", type=ADDRESS, help="The collection's contract address.")(func)


def _collection(contract: str | None, chain_id: int | None) -> tuple[str, int]:
    if contract is None or chain_id is None:
        raise InputError("a wallet-derived key needs both --contract and --chain-id")
    return contract, chain_id


@seal.command()
@click.argument("envelope_file", type=_PATH)
@click.option(
    "--wallet-key",
    is_flag=True,
    help="Open with the key derived from a signature over the collection's key message"
    " (wallet-signature-v1); needs --contract and --chain-id.",
)
@collection_options
@json_option
@connection_options(signs=True, contract=False, chain=False)
def decrypt(
    envelope_file: Path,
    wallet_key: bool,
    as_json: bool,
    connection: Connection,
) -> None:
    """Open an envelope with the donor's key and print the message.

    ENVELOPE_FILE holds an envelope, or a stored sealed message {"envelope", "key"}, whose "key"
    field then says which key opens it.
    """
    from provenance.seal import WALLET_KEY, StoredEnvelope, open_stored, parse_stored

    # --contract / --chain-id (collection_options) arrive inside the connection.
    contract, chain_id = connection.contract, connection.chain_id
    stored = parse_stored(_read(envelope_file, "envelope file"))
    if wallet_key:
        if stored.key not in (None, WALLET_KEY):
            raise InputError(f"this envelope is opened by a {stored.key} key, not --wallet-key")
        stored = StoredEnvelope(envelope=stored.envelope, key=WALLET_KEY)
    elif (contract is not None or chain_id is not None) and stored.key != WALLET_KEY:
        raise InputError("--contract and --chain-id apply with --wallet-key")
    if stored.key == WALLET_KEY:
        contract, chain_id = _collection(contract, chain_id)
    signer = connection.local_account()
    text = open_stored(stored, signer, contract=contract or "", chain_id=chain_id or 0).decode(
        "utf-8"
    )
    if as_json:
        emit_json({"message": text})
        return
    click.echo(plain_text(text, newlines=True))  # whoever sealed it chose these bytes


@seal.command("wallet-key")
@collection_options
@json_option
@connection_options(signs=True, contract=False, chain=False)
def wallet_key_command(as_json: bool, connection: Connection) -> None:
    """Print the wallet-derived sealing public key (base64, as eth_getEncryptionPublicKey prints
    one): X25519 of HKDF-SHA256 over the signature of `provenance donor key-message`."""
    from provenance.seal import wallet_public_key, wallet_secret_for
    from provenance.seal.wallet import encode_public_key

    contract, chain_id = _collection(connection.contract, connection.chain_id)
    secret = wallet_secret_for(connection.local_account(), contract=contract, chain_id=chain_id)
    public_key = encode_public_key(wallet_public_key(secret))
    if as_json:
        emit_json({"public_key": public_key, "contract": contract, "chain_id": chain_id})
        return
    click.echo(public_key)


@seal.command()
@click.option("--address", required=True, metavar="0x..", help="The donor's address.")
@click.option(
    "--message-file",
    required=True,
    type=_PATH,
    help="The text as printed; the signed bytes are it without its final newline.",
)
@click.option("--signature", required=True, metavar="0x..", help="The personal_sign signature.")
@json_option
def recover(address: str, message_file: Path, signature: str, as_json: bool) -> None:
    """Recover the donor's public key from a personal_sign signature and print it."""
    from provenance.seal import key_from_consent

    try:
        text = _read(message_file, "message file").decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"message file {message_file} is not UTF-8 text") from exc
    key = key_from_consent(donor=address, text=text, signature=signature)
    if as_json:
        document = {
            "scheme": key.scheme,
            "public_key": key.public_key_hex,
            "address": key.address,
            "verified": key.verified,
            "source": key.source,
        }
        click.echo(json.dumps(document))
    else:
        click.echo(key.public_key_hex)


@seal.command("encryption-key")
@json_option
@connection_options(signs=True, contract=False, chain=False)
def encryption_key(
    as_json: bool,
    connection: Connection,
) -> None:
    """Print the MetaMask encryption public key (base64) of a local key, as eth_getEncryptionPublicKey
    would."""
    from provenance.seal import encryption_public_key

    signer = connection.local_account()
    key = encryption_public_key(bytes(signer.key))
    if as_json:
        emit_json({"encryption_public_key": key, "address": str(signer.address)})
        return
    click.echo(key)
