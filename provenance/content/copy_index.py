"""The copy index a gallery publishes at ``<gallery>/copies.json``: each work's fingerprint.

One entry per token: its id, the on-chain metadata digest, the decoded pixels' sha256, its ISCC
image code and, for a GAN work, the model's sha256 and the seed. ``verify`` reads it to name the
work a file copies; the index is only a hint: every entry it reports is first checked against the
chain (the token's metadata digest, then the hash-checked metadata or image). Tokens minted before
fingerprints were recorded get theirs computed from their image, after its sha256 is checked
against the chain's (``workflows/copies.py``, which also builds entries). Format: docs/verify.md.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from provenance.content.fingerprint import Fingerprint, iscc_bits, parse_fingerprint
from provenance.errors import InputError

__all__ = ["MAX_INDEX_BYTES", "CopyEntry", "CopyIndex", "build_copy_index", "parse_copy_index"]

FORMAT = "provenance-copies"
VERSION = 1
#: 10,000 works take about 2.5 MB; the bound leaves room for 100,000.
MAX_INDEX_BYTES = 32 * 1024 * 1024
_HEX64 = re.compile(r"[0-9a-f]{64}")
_TOKEN = re.compile(r"0x[0-9a-f]{64}")


@dataclass(frozen=True)
class CopyEntry:
    token_id: int
    metadata_sha256: str
    fingerprint: Fingerprint
    model_sha256: str | None = None
    seed: int | None = None

    @property
    def bits(self) -> int:
        return iscc_bits(self.fingerprint.iscc)

    def record(self) -> dict[str, Any]:
        entry: dict[str, Any] = {
            "token": f"0x{self.token_id:064x}",
            "metadata_sha256": self.metadata_sha256,
            "pixels_sha256": self.fingerprint.pixels_sha256,
            "iscc": self.fingerprint.iscc,
        }
        if self.model_sha256 is not None and self.seed is not None:
            entry.update(model_sha256=self.model_sha256, seed=self.seed)
        return entry


@dataclass(frozen=True)
class CopyIndex:
    chain_id: int
    contract: str
    entries: tuple[CopyEntry, ...]

    def encode(self) -> bytes:
        document = {
            "format": FORMAT,
            "version": VERSION,
            "chain_id": self.chain_id,
            "contract": self.contract,
            "works": [e.record() for e in self.entries],
        }
        return json.dumps(document, separators=(",", ":")).encode() + b"\n"


def build_copy_index(chain_id: int, contract: str, entries: list[CopyEntry]) -> CopyIndex:
    return CopyIndex(chain_id=chain_id, contract=contract, entries=tuple(entries))


def _entry(value: Any, what: str) -> CopyEntry:
    if not isinstance(value, dict):
        raise InputError(f"{what}: an entry is not an object")
    token, digest = value.get("token"), value.get("metadata_sha256")
    fingerprint = parse_fingerprint(value)
    if not isinstance(token, str) or not _TOKEN.fullmatch(token):
        raise InputError(f"{what}: an entry's token is not 0x and 64 hex digits")
    if not isinstance(digest, str) or not _HEX64.fullmatch(digest) or fingerprint is None:
        raise InputError(f"{what}: entry {token[:10]} lacks its digests")
    model, seed = value.get("model_sha256"), value.get("seed")
    named = (
        isinstance(model, str)
        and bool(_HEX64.fullmatch(model))
        and isinstance(seed, int)
        and not isinstance(seed, bool)
    )
    return CopyEntry(
        token_id=int(token, 16),
        metadata_sha256=digest,
        fingerprint=fingerprint,
        model_sha256=model if named else None,
        seed=seed if named else None,
    )


def parse_copy_index(data: bytes, *, what: str) -> CopyIndex:
    """Validate untrusted index bytes (a gallery's, or this home's cache)."""
    from provenance.untrusted import load_json

    document = load_json(data, max_bytes=MAX_INDEX_BYTES, max_depth=4, what=what, error=InputError)
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise InputError(f"{what} is not a provenance copy index")
    if document.get("version") != VERSION:
        raise InputError(f"{what}: copy index version {document.get('version')!r} is not 1")
    works, chain_id = document.get("works"), document.get("chain_id")
    contract = document.get("contract")
    if (
        not isinstance(works, list)
        or not isinstance(chain_id, int)
        or not isinstance(contract, str)
    ):
        raise InputError(f"{what}: the copy index lacks chain_id, contract or works")
    return CopyIndex(
        chain_id=chain_id, contract=contract, entries=tuple(_entry(w, what) for w in works)
    )
