"""``provenance seal``: seal a message to a donor's key, open an envelope, recover a donor's key."""

from __future__ import annotations

import json
from pathlib import Path

import click

from provenance.cli.common import F, signer_options
from provenance.errors import InputError

__all__ = ["seal"]

_PATH = click.Path(dir_okay=False, path_type=Path)


def key_options(func: F) -> F:
    """The shared signer options, plus the keystore folder (these commands work off chain)."""
    func = click.option(
        "--keystore-dir",
        type=click.Path(file_okay=False, path_type=Path),
        help="Keystore folder (default ~/.foundry/keystores).",
    )(func)
    return signer_options(func)


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
@click.option("--message", metavar="TEXT", help="The message (at most 1024 bytes of UTF-8).")
@click.option("--message-file", type=_PATH, help="Read the message (UTF-8) from a file.")
def encrypt(
    to_pubkey: str | None,
    to_encryption_key: str | None,
    donor: str | None,
    message: str | None,
    message_file: Path | None,
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
    click.echo(envelope_bytes(seal_message(data, key)).decode("utf-8"))


def collection_options(func: F) -> F:
    """``--contract`` and ``--chain-id``: the collection a wallet-derived key belongs to."""
    func = click.option(
        "--chain-id", type=click.IntRange(min=1), metavar="N", help="The collection's chain id."
    )(func)
    return click.option("--contract", metavar="0x..", help="The collection's contract address.")(
        func
    )


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
@key_options
def decrypt(
    envelope_file: Path,
    wallet_key: bool,
    contract: str | None,
    chain_id: int | None,
    account: str | None,
    keystore_dir: Path | None,
    password_env: str | None,
    private_key_env: str | None,
) -> None:
    """Open an envelope with the donor's key and print the message.

    ENVELOPE_FILE holds an envelope, or a stored sealed message {"envelope", "key"}, whose "key"
    field then says which key opens it.
    """
    from provenance.chain.accounts import load_account
    from provenance.seal import WALLET_KEY, StoredEnvelope, open_stored, parse_stored

    stored = parse_stored(_read(envelope_file, "envelope file"))
    if wallet_key:
        if stored.key not in (None, WALLET_KEY):
            raise InputError(f"this envelope is opened by a {stored.key} key, not --wallet-key")
        stored = StoredEnvelope(envelope=stored.envelope, key=WALLET_KEY)
    elif (contract is not None or chain_id is not None) and stored.key != WALLET_KEY:
        raise InputError("--contract and --chain-id apply with --wallet-key")
    if stored.key == WALLET_KEY:
        contract, chain_id = _collection(contract, chain_id)
    signer = load_account(
        account=account,
        private_key_env=private_key_env,
        password_env=password_env,
        keystore_dir=keystore_dir,
    )
    plaintext = open_stored(stored, signer, contract=contract or "", chain_id=chain_id or 0)
    click.echo(plaintext.decode("utf-8"))


@seal.command("wallet-key")
@collection_options
@key_options
def wallet_key_command(
    contract: str | None,
    chain_id: int | None,
    account: str | None,
    keystore_dir: Path | None,
    password_env: str | None,
    private_key_env: str | None,
) -> None:
    """Print the wallet-derived sealing public key (base64, as eth_getEncryptionPublicKey prints
    one): X25519 of HKDF-SHA256 over the signature of `provenance donor key-message`."""
    from provenance.chain.accounts import load_account
    from provenance.seal import wallet_public_key, wallet_secret_for
    from provenance.seal.wallet import encode_public_key

    contract, chain_id = _collection(contract, chain_id)
    signer = load_account(
        account=account,
        private_key_env=private_key_env,
        password_env=password_env,
        keystore_dir=keystore_dir,
    )
    secret = wallet_secret_for(signer, contract=contract, chain_id=chain_id)
    click.echo(encode_public_key(wallet_public_key(secret)))


@seal.command()
@click.option("--address", required=True, metavar="0x..", help="The donor's address.")
@click.option("--message-file", required=True, type=_PATH, help="The exact text that was signed.")
@click.option("--signature", required=True, metavar="0x..", help="The personal_sign signature.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON document.")
def recover(address: str, message_file: Path, signature: str, as_json: bool) -> None:
    """Recover the donor's public key from a personal_sign signature and print it."""
    from provenance.seal import key_from_signature

    try:
        text = _read(message_file, "message file").decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"message file {message_file} is not UTF-8 text") from exc
    key = key_from_signature(donor=address, message=text, signature=signature)
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
@key_options
def encryption_key(
    account: str | None,
    keystore_dir: Path | None,
    password_env: str | None,
    private_key_env: str | None,
) -> None:
    """Print the MetaMask encryption public key (base64) of a local key, as eth_getEncryptionPublicKey
    would."""
    from provenance.chain.accounts import load_account
    from provenance.seal import encryption_public_key

    signer = load_account(
        account=account,
        private_key_env=private_key_env,
        password_env=password_env,
        keystore_dir=keystore_dir,
    )
    click.echo(encryption_public_key(bytes(signer.key)))
