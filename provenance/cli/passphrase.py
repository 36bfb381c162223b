"""One rule for the passphrase of the artist's signing keys, for ``identity`` and ``gan generate
--c2pa-identity`` alike: ``--passphrase-env VAR`` names the environment variable that holds it;
without it, a hidden prompt when there is a terminal (asked twice for a new one); never argv. A
passphrase that encrypts a key must be at least 12 characters (``provenance.identity.certificates``)."""

from __future__ import annotations

import os
import sys

import click

from provenance.errors import InputError

__all__ = ["new_passphrase_env_option", "passphrase_env_option", "read_passphrase"]

passphrase_env_option = click.option(
    "--passphrase-env",
    metavar="VAR",
    help="Read the passphrase of the identity's keys from this environment variable"
    " (default: a hidden prompt).",
)
new_passphrase_env_option = click.option(
    "--new-passphrase-env",
    metavar="VAR",
    help="The new passphrase, from this environment variable (default: keep the current one).",
)


def read_passphrase(env: str | None, *, confirm: bool, option: str = "--passphrase-env") -> bytes:
    """The passphrase from ``env`` (the variable's name), else a hidden prompt on a terminal."""
    if env is not None:
        value = os.environ.get(env)
        if not value:
            raise InputError(f"{option} {env}: the variable is not set or empty")
        return value.encode()
    if not sys.stdin.isatty():
        raise InputError(f"no terminal to ask for the passphrase: give {option} VAR")
    value = click.prompt(
        "identity passphrase", hide_input=True, confirmation_prompt=confirm, err=True
    )
    if not value:
        raise InputError("the passphrase is empty")
    return str(value).encode()
