"""``provenance identity``: the artist's Content Credentials identity under PROVENANCE_HOME."""

from __future__ import annotations

import os
from pathlib import Path

import click

from provenance.cli.options import json_option
from provenance.cli.passphrase import (
    new_passphrase_env_option,
    passphrase_env_option,
    read_passphrase,
)
from provenance.cli.render import emit_json, line, out_console
from provenance.errors import InputError

__all__ = ["identity"]


def _show(facts: dict[str, str], as_json: bool, *, created: str | None = None) -> None:
    if as_json:
        emit_json(facts if created is None else {**facts, "created": created})
        return
    if created:
        out_console.print(line((created, "bold green")))
    keys = ("subject", "issuer", "certificate_sha256", "not_after", "folder", "trust_anchor")
    for key in (*keys, "key_protection"):
        out_console.print(line((f"{key.replace('_', ' ')}: ", "bold"), facts[key]))


@click.group(no_args_is_help=True)
def identity() -> None:
    """The artist's signing identity for Content Credentials (C2PA): an X.509 chain whose
    certificate's sha256 each signed work's token binds."""


@identity.command("init")
@click.option("--name", help="The certificate's common name (default: the user name).")
@passphrase_env_option
@json_option
def init(name: str | None, passphrase_env: str | None, as_json: bool) -> None:
    """Make a local root and end-entity certificate; keys encrypted at rest. Never overwrites."""
    from provenance.content.credentials import create_identity, describe_identity
    from provenance.state.home import home

    folder = home().identity
    if folder.exists() and any(folder.iterdir()):
        raise InputError(f"{folder} already holds an identity; it is never overwritten")
    chosen = name if name is not None else os.environ.get("USER", "")
    if not chosen.strip():
        raise InputError("give --name (the certificate's common name)")
    made = create_identity(
        folder, name=chosen, passphrase=read_passphrase(passphrase_env, confirm=True)
    )
    _show(describe_identity(made), as_json, created="identity created")


@identity.command("import")
@click.option(
    "--cert-chain",
    required=True,
    type=click.Path(path_type=Path, dir_okay=False),
    help="PEM certificates, the artist's (end-entity) first, then its issuers.",
)
@click.option(
    "--key",
    "key_file",
    required=True,
    type=click.Path(path_type=Path, dir_okay=False),
    help="The certificate's P-256 private key (PEM).",
)
@click.option(
    "--key-passphrase-env",
    metavar="VAR",
    help="The key file's own passphrase, when it is encrypted.",
)
@passphrase_env_option
@json_option
def import_(
    cert_chain: Path,
    key_file: Path,
    key_passphrase_env: str | None,
    passphrase_env: str | None,
    as_json: bool,
) -> None:
    """Take the artist's own certificate chain and key; the key is re-encrypted at rest."""
    from provenance.content.credentials import describe_identity, import_identity
    from provenance.state.home import home

    folder = home().identity
    if folder.exists() and any(folder.iterdir()):
        raise InputError(f"{folder} already holds an identity; it is never overwritten")
    key_passphrase = None
    if key_passphrase_env is not None:
        value = os.environ.get(key_passphrase_env)
        if value is None:
            raise InputError(f"--key-passphrase-env {key_passphrase_env}: the variable is not set")
        key_passphrase = value.encode()
    made = import_identity(
        folder,
        chain=cert_chain,
        key=key_file,
        passphrase=read_passphrase(passphrase_env, confirm=True),
        key_passphrase=key_passphrase,
    )
    _show(describe_identity(made), as_json, created="identity imported")


@identity.command("show")
@json_option
def show(as_json: bool) -> None:
    """The identity's certificate subject, sha256 and paths (public facts only)."""
    from provenance.content.credentials import describe_identity, load_identity_folder
    from provenance.state.home import home

    _show(describe_identity(load_identity_folder(home().identity)), as_json)


@identity.command("rekey")
@passphrase_env_option
@new_passphrase_env_option
@json_option
def rekey(passphrase_env: str | None, new_passphrase_env: str | None, as_json: bool) -> None:
    """Re-encrypt the identity's keys: under a new passphrase, or under the same one with the
    current scrypt protection (keys written before used PBKDF2 at 2,048 iterations)."""
    from provenance.content.credentials import (
        describe_identity,
        load_identity_folder,
        rekey_identity,
    )
    from provenance.state.home import home

    made = load_identity_folder(home().identity)
    current = read_passphrase(passphrase_env, confirm=False)
    new = (
        read_passphrase(new_passphrase_env, confirm=True, option="--new-passphrase-env")
        if new_passphrase_env is not None
        else current
    )
    rekey_identity(made, passphrase=current, new_passphrase=new)
    _show(describe_identity(made), as_json, created="keys re-encrypted")
