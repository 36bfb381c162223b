"""Options and helpers shared by the commands that touch a chain; rendering goes through rich."""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import click
from rich.console import Console

__all__ = ["F", "chain_options", "emit_json", "err_console", "out_console", "signer_options"]

F = TypeVar("F", bound=Callable[..., Any])

out_console = Console(highlight=False, soft_wrap=True)
err_console = Console(stderr=True, highlight=False, soft_wrap=True)


def chain_options(func: F) -> F:
    """``--rpc-url``, ``--chain-id``, ``--contract``: which chain and collection (devnet default)."""
    decorators = [
        click.option(
            "--rpc-url",
            envvar="PROVENANCE_RPC_URL",
            metavar="URL",
            help="JSON-RPC endpoint of a non-devnet network [env PROVENANCE_RPC_URL].",
        ),
        click.option(
            "--chain-id",
            type=int,
            metavar="N",
            help="Expected chain id; refuse to act on any other chain.",
        ),
        click.option(
            "--contract",
            metavar="0x..",
            help="Collection address (default: from deployments.json).",
        ),
    ]
    for decorator in reversed(decorators):
        func = decorator(func)
    return func


def signer_options(func: F) -> F:
    """``--account`` / ``--private-key-env`` / ``--password-env``: who signs."""
    decorators = [
        click.option(
            "--account", metavar="NAME", help="Foundry keystore name (~/.foundry/keystores/NAME)."
        ),
        click.option(
            "--private-key-env",
            metavar="VAR",
            help="Name of an environment variable holding the private key.",
        ),
        click.option(
            "--password-env",
            metavar="VAR",
            help="Environment variable holding the keystore password (else prompt).",
        ),
    ]
    for decorator in reversed(decorators):
        func = decorator(func)
    return func


def emit_json(value: Any) -> None:
    """One JSON document on stdout."""
    sys.stdout.write(json.dumps(value, indent=2, sort_keys=True, default=str) + "\n")


def progress_printer(enabled: bool) -> Callable[[str], None]:
    """Step-by-step notes on stderr, for a person at a terminal only: piped or scripted runs
    keep stderr for the one-line error."""
    if not enabled or not err_console.is_terminal:
        return lambda _step: None

    @functools.wraps(err_console.print)
    def show(step: str) -> None:
        err_console.print(f"[dim]· {step}[/dim]")

    return show
