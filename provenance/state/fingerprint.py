"""Salted fingerprints: what the journal keeps of a secret the user chose, to compare a re-run.

A sealed message's envelope is randomized, so a re-run cannot compare envelopes; the journal keeps
``salt:sha256(salt || part):...`` of the message's text (and of the key it was sealed to) instead.
Salted, so the journal does not let anyone test guesses of a short message.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence

from provenance.errors import ConfigError

__all__ = ["differing_parts", "fingerprint"]


def _digest(salt: bytes, data: bytes) -> str:
    return hashlib.sha256(salt + data).hexdigest()


def fingerprint(parts: Sequence[bytes], *, salt: bytes | None = None) -> str:
    """``salt:digest:digest...`` of ``parts`` (a fresh random salt unless given)."""
    salt = salt if salt is not None else secrets.token_bytes(16)
    return ":".join([salt.hex(), *(_digest(salt, part) for part in parts)])


def differing_parts(recorded: str, parts: Sequence[bytes | None], *, where: str) -> list[int]:
    """The indexes of ``parts`` whose digest differs from ``recorded``'s (None: not compared).
    A damaged value is a ``ConfigError`` naming ``where``."""
    salt_hex, *digests = recorded.split(":")
    try:
        salt = bytes.fromhex(salt_hex)
    except ValueError:
        salt = b""
    if not salt or len(digests) != len(parts):
        raise ConfigError(f"the journal's {where} has a damaged fingerprint value")
    return [
        index
        for index, (part, digest) in enumerate(zip(parts, digests, strict=True))
        if part is not None and _digest(salt, part) != digest
    ]
