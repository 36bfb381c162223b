"""``provenance identity``: the artist's Content Credentials identity under PROVENANCE_HOME."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from provenance.cli.options import json_option
from provenance.cli.render import emit_json, line, out_console
from provenance.errors import InputError

__all__ = ["identity"]


def _passphrase(env: str | None, *, confirm: bool) -> bytes:
    """The passphrase that encrypts the keys at rest: from ``--passphrase-env VAR``, else a hidden
    prompt; never from argv."""
    if env is not None:
        value = os.environ.get(env)
        if not value:
            raise InputError(f"--passphrase-env {env}: the variable is not set or empty")
        return value.encode()
    if not sys.stdin.isatty():
        raise InputError("no terminal to ask for the passphrase: give --passphrase-env VAR")
    value = click.prompt(
        "identity passphrase", hide_input=True, confirmation_prompt=confirm, err=True
    )
    if not value:
        raise InputError("the passphrase is empty")
    return str(value).encode()


passphrase_env_option = click.option(
    "--passphrase-env",
    metavar="VAR",
    help="Read the passphrase that encrypts the keys from this environment variable"
    " (default: a hidden prompt).",
)


def _show(facts: dict[str, str], as_json: bool, *, created: str | None = None) -> None:
    if as_json:
        emit_json(facts if created is None else {**facts, "created": created})
        return
    if created:
        out_console.print(line((created, "bold green")))
    for key in ("subject", "issuer", "certificate_sha256", "not_after", "folder", "trust_anchor"):
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
        folder, name=chosen, passphrase=_passphrase(passphrase_env, confirm=True)
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
        passphrase=_passphrase(passphrase_env, confirm=True),
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
