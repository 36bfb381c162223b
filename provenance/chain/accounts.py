"""Signing accounts: Foundry keystores, a private key from an environment variable, dev accounts.

Private keys are never written in clear, printed, or passed on a command line. A keystore is the
Ethereum V3 JSON file ``cast wallet import NAME`` writes under ``~/.foundry/keystores/NAME``; its
password comes from an environment variable the user names, or a hidden prompt on a terminal.
Error messages name the account, file or variable, never key material or passwords.

Signing is :class:`~provenance.chain.signing.LocalSigner` (libsecp256k1); keystores are decrypted
by eth-keyfile, imported only when a keystore is opened (its import costs about 0.4 s).
"""

from __future__ import annotations

import functools
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Final

from provenance.chain.signing import LocalSigner, derive_hd_key
from provenance.errors import InputError

__all__ = ["DEV_MNEMONIC", "default_keystore_dir", "dev_accounts", "load_account"]

# anvil's (and Hardhat's) public test mnemonic: these keys are public knowledge, for devnets only.
DEV_MNEMONIC: Final = "test test test test test test test test test test test junk"
_DEV_PATH: Final = "m/44'/60'/0'/0/{index}"


def default_keystore_dir() -> Path:
    """Foundry's keystore folder (``~/.foundry/keystores``)."""
    return Path.home() / ".foundry" / "keystores"


def _private_key_from_env(name: str) -> LocalSigner:
    value = os.environ.get(name)
    if value is None:
        raise InputError(f"environment variable {name} is not set (it should hold a private key)")
    text = value.strip()
    if text.startswith(("0x", "0X")):
        text = text[2:]
    # Check the shape ourselves so no library error can quote the value back.
    if len(text) != 64 or any(c not in "0123456789abcdefABCDEF" for c in text):
        raise InputError(
            f"environment variable {name} does not hold a private key (64 hex digits, optional 0x)"
        )
    try:
        account = LocalSigner(bytes.fromhex(text))
    except ValueError:
        raise InputError(
            f"environment variable {name} holds a value that is not a valid secp256k1 private key"
        ) from None
    return account


def _keystore_path(account: str, keystore_dir: Path | None) -> Path:
    if not account or account in (".", "..") or "/" in account or os.sep in account:
        raise InputError(f"account name {account!r} is not a keystore name")
    folder = keystore_dir if keystore_dir is not None else default_keystore_dir()
    path = folder / account
    if not path.is_file():
        raise InputError(f"no keystore named {account!r} in {folder}")
    return path


def _password(account: str, password_env: str | None, prompt: Callable[[str], str] | None) -> str:
    if password_env is not None:
        value = os.environ.get(password_env)
        if value is None:
            raise InputError(
                f"environment variable {password_env} is not set (it should hold the password "
                f"of keystore {account!r})"
            )
        return value
    if prompt is not None:
        return prompt(f"Password for keystore {account!r}")
    if sys.stdin.isatty():
        import getpass  # the terminal's own no-echo prompt (on the TTY, not stdout)

        return getpass.getpass(f"Password for keystore {account!r}: ")
    raise InputError(
        f"keystore {account!r} needs a password: name an environment variable that holds it "
        "(--password-env) or run in a terminal"
    )


def _from_keystore(
    account: str,
    *,
    password_env: str | None,
    keystore_dir: Path | None,
    prompt: Callable[[str], str] | None,
) -> LocalSigner:
    path = _keystore_path(account, keystore_dir)
    try:
        keystore = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"keystore {path} is not readable V3 JSON") from exc
    if not isinstance(keystore, dict) or "crypto" not in keystore and "Crypto" not in keystore:
        raise InputError(f"keystore {path} is not an Ethereum V3 keystore")
    password = _password(account, password_env, prompt)
    from eth_keyfile.keyfile import decode_keyfile_json

    try:
        secret = decode_keyfile_json(keystore, password.encode("utf-8"))
    except ValueError as exc:
        # eth-keyfile says "MAC mismatch" for a wrong password; anything else is a bad file.
        if "MAC mismatch" in str(exc):
            raise InputError(f"wrong password for keystore {account!r}") from None
        raise InputError(f"keystore {path} cannot be decrypted: {exc}") from None
    except (KeyError, TypeError, NotImplementedError):
        raise InputError(f"keystore {path} is not an Ethereum V3 keystore") from None
    try:
        return LocalSigner(bytes(secret))
    except ValueError:
        raise InputError(f"keystore {path} does not hold a valid secp256k1 private key") from None


def load_account(
    *,
    account: str | None = None,
    private_key_env: str | None = None,
    password_env: str | None = None,
    keystore_dir: Path | None = None,
    prompt: Callable[[str], str] | None = None,
) -> LocalSigner:
    """Load a signing account: a Foundry keystore by name, or a private key from an env variable.

    Exactly one of ``account`` and ``private_key_env`` must be given. ``prompt`` (called with the
    prompt text, returns the password) replaces the terminal prompt, e.g. in a GUI or a test.
    """
    if (account is None) == (private_key_env is None):
        raise InputError("give exactly one of an account name (--account) or --private-key-env")
    if private_key_env is not None:
        if password_env is not None:
            raise InputError("--password-env applies to a keystore account, not --private-key-env")
        return _private_key_from_env(private_key_env)
    assert account is not None
    return _from_keystore(
        account, password_env=password_env, keystore_dir=keystore_dir, prompt=prompt
    )


def dev_accounts(n: int = 10) -> list[LocalSigner]:
    """anvil's default accounts, derived from the public test mnemonic (m/44'/60'/0'/0/i)."""
    if n < 0:
        raise InputError(f"number of dev accounts {n} must not be negative")
    return [LocalSigner(_dev_key(i)) for i in range(n)]


@functools.cache
def _dev_key(index: int) -> bytes:
    return derive_hd_key(DEV_MNEMONIC, _DEV_PATH.format(index=index))
