"""Compiled contract artifacts shipped with the toolkit: one build per EVM generation.

Two builds of one source (``solidity/src``): ``prague`` (the default, ``ProvenanceArt``: a transient
reentrancy guard, for chains at Cancun or later) and ``shanghai`` (``ProvenanceArtShanghai``: a
storage guard, no TLOAD/TSTORE/MCOPY, for chains before Cancun such as ganache 7). Both have the
same ABI and behaviour. Each build ships its artifact (``<contract>.json``: ABI, bytecode, compiler
settings) and the exact standard-JSON compiler input (``<contract>.input.json``) an explorer needs to
verify a deployment. All are package data rebuilt by ``scripts/build-contracts``
(``scripts/build_contracts.py``); a test fails when a shipped file differs from a fresh compile.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from importlib import resources
from typing import Any

from provenance.errors import ConfigError, InputError

__all__ = [
    "ARTIFACT_NAMES",
    "BUILDS",
    "DEFAULT_BUILD",
    "Build",
    "build_named",
    "load_artifact",
    "load_standard_input",
]


@dataclass(frozen=True)
class Build:
    """One deployable build: the EVM version it is compiled for and the contract it compiles."""

    evm_version: str
    contract: str
    guard: str  # which reentrancy guard, in words
    openzeppelin: str  # the OpenZeppelin Contracts release it is compiled with

    @property
    def source_name(self) -> str:
        return f"solidity/src/{self.contract}.sol"


#: The builds, keyed by EVM version (what ``--evm-version`` accepts).
BUILDS: dict[str, Build] = {
    "prague": Build("prague", "ProvenanceArt", "transient storage, EIP-1153", "5.7.0"),
    # OpenZeppelin 5.4 and later use MCOPY in code every ERC-721 imports: 5.3.0 is the last
    # release that compiles for Shanghai.
    "shanghai": Build("shanghai", "ProvenanceArtShanghai", "a storage slot", "5.3.0"),
}
DEFAULT_BUILD = "prague"

#: The contracts whose artifacts are shipped.
ARTIFACT_NAMES: tuple[str, ...] = tuple(build.contract for build in BUILDS.values())


def build_named(evm_version: str) -> Build:
    """The build for ``evm_version`` (``prague`` or ``shanghai``)."""
    try:
        return BUILDS[evm_version]
    except KeyError:
        known = ", ".join(BUILDS)
        raise InputError(
            f"no contract build for EVM version {evm_version!r} (known: {known})"
        ) from None


@functools.cache
def load_artifact(name: str = "ProvenanceArt") -> dict[str, Any]:
    """The shipped artifact of contract ``name``.

    Keys: ``contractName``, ``sourceName``, ``abi`` (list), ``bytecode`` and ``deployedBytecode``
    (0x-prefixed hex), ``compiler`` (``{"version", "settings"}``). Parsed once per process: treat
    the result as read-only.
    """
    return _load(name, f"{name}.json")


@functools.cache
def load_standard_input(name: str = "ProvenanceArt") -> dict[str, Any]:
    """The standard-JSON compiler input of contract ``name``'s build: every source with its content,
    and the settings. Compiling it with the artifact's compiler version gives the shipped bytecode,
    which is what an explorer's "verify with standard JSON input" needs."""
    return _load(name, f"{name}.input.json")


def _load(name: str, file_name: str) -> dict[str, Any]:
    if name not in ARTIFACT_NAMES:
        raise ConfigError(f"no shipped contract artifact named {name!r}", name=name)
    source = resources.files(__name__).joinpath(file_name)
    try:
        data: dict[str, Any] = json.loads(source.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"contract file {file_name} is missing or unreadable: {exc}") from exc
    return data
