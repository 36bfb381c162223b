"""Importer parameters and the named profiles (DESIGN.md, "Content addressing")."""

from __future__ import annotations

from dataclasses import dataclass, replace

from provenance.errors import InputError

__all__ = ["DEFAULT_PROFILE", "PROFILES", "ImportParams", "resolve_params"]

# boxo's BlockSizeLimit: Kubo refuses chunks larger than 1 MiB.
MAX_CHUNK_SIZE = 1024 * 1024


@dataclass(frozen=True, slots=True)
class ImportParams:
    """How a file becomes a DAG. Every field changes the resulting CID."""

    chunk_size: int
    max_links: int
    raw_leaves: bool
    cid_version: int

    def __post_init__(self) -> None:
        if not 1 <= self.chunk_size <= MAX_CHUNK_SIZE:
            raise InputError(f"chunk size must be 1..{MAX_CHUNK_SIZE} bytes, got {self.chunk_size}")
        if self.max_links < 2:
            raise InputError(f"max links per node must be at least 2, got {self.max_links}")
        if self.cid_version not in (0, 1):
            raise InputError(f"CID version must be 0 or 1, got {self.cid_version}")
        if self.cid_version == 0 and self.raw_leaves:
            # Kubo: raw leaves need CIDv1 (a CIDv0 can only name dag-pb).
            raise InputError("raw leaves need CID version 1")


PROFILES: dict[str, ImportParams] = {
    # IPIP-499: what new tools should produce.
    "unixfs-v1-2025": ImportParams(
        chunk_size=1024 * 1024, max_links=1024, raw_leaves=True, cid_version=1
    ),
    # `ipfs add --cid-version=1` in Kubo (implies --raw-leaves).
    "kubo-v1": ImportParams(chunk_size=256 * 1024, max_links=174, raw_leaves=True, cid_version=1),
    # Plain `ipfs add` in Kubo.
    "unixfs-v0-2015": ImportParams(
        chunk_size=256 * 1024, max_links=174, raw_leaves=False, cid_version=0
    ),
}

DEFAULT_PROFILE = "unixfs-v1-2025"


def resolve_params(
    params: ImportParams | str = DEFAULT_PROFILE,
    *,
    chunk_size: int | None = None,
    max_links: int | None = None,
    raw_leaves: bool | None = None,
    cid_version: int | None = None,
) -> ImportParams:
    """A profile (by name or value) with any parameter overridden one by one."""
    if isinstance(params, str):
        if params not in PROFILES:
            known = ", ".join(sorted(PROFILES))
            raise InputError(f"unknown import profile {params!r} (known: {known})")
        params = PROFILES[params]
    changes: dict[str, int | bool] = {}
    if chunk_size is not None:
        changes["chunk_size"] = chunk_size
    if max_links is not None:
        changes["max_links"] = max_links
    if cid_version is not None:
        changes["cid_version"] = cid_version
        # As in Kubo, CIDv1 without an explicit choice implies raw leaves; CIDv0 forbids them.
        if raw_leaves is None:
            changes["raw_leaves"] = cid_version == 1
    if raw_leaves is not None:
        changes["raw_leaves"] = raw_leaves
    return replace(params, **changes) if changes else params  # type: ignore[arg-type]
