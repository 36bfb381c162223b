"""Compiled contract artifacts shipped with the toolkit (ABI, bytecode, compiler settings).

The JSON files are package data rebuilt by ``scripts/build-contracts`` (``scripts/build_contracts.py``); a test
fails when a shipped artifact differs from a fresh compile of ``solidity/src``.
"""

from __future__ import annotations

import functools
import json
from importlib import resources
from typing import Any

from provenance.errors import ConfigError

__all__ = ["ARTIFACT_NAMES", "load_artifact"]

#: The contracts whose artifacts are shipped.
ARTIFACT_NAMES: tuple[str, ...] = ("ProvenanceArt",)


@functools.cache
def load_artifact(name: str = "ProvenanceArt") -> dict[str, Any]:
    """The shipped artifact of contract ``name``.

    Keys: ``contractName``, ``sourceName``, ``abi`` (list), ``bytecode`` and ``deployedBytecode``
    (0x-prefixed hex), ``compiler`` (``{"version", "settings"}``). Parsed once per process: treat
    the result as read-only.
    """
    if name not in ARTIFACT_NAMES:
        raise ConfigError(f"no shipped contract artifact named {name!r}", name=name)
    source = resources.files(__name__).joinpath(f"{name}.json")
    try:
        data: dict[str, Any] = json.loads(source.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"contract artifact {name}.json is missing or unreadable: {exc}") from exc
    return data
