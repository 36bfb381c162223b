"""Rebuild the shipped artifacts from ``solidity/src`` through py-solc-x and the solc adapter.

One build per entry in ``provenance.contracts.BUILDS`` (``prague``: ProvenanceArt, ``shanghai``:
ProvenanceArtShanghai), each compiled alone from its own entry file with its EVM version. The other
settings come from ``foundry.toml`` (``[profile.default]``), so the default build's bytecode is what
``forge build`` compiles. Each build writes its artifact and its standard-JSON input (every source
with its content: what an explorer needs to verify a deployment). Run as ``scripts/build-contracts`` from a checkout with
``node_modules`` installed. A build tool, not part of the package: nothing here is needed at run
time, and py-solc-x is a dev dependency. The tests and ``scripts/bench_gas.py`` import it (pytest
puts ``scripts/`` on the path).
"""

from __future__ import annotations

import json
import subprocess
import tomllib
from pathlib import Path
from typing import Any

from provenance.contracts import BUILDS, Build
from provenance.errors import ConfigError

__all__ = [
    "artifact_path",
    "compile_artifacts",
    "compile_sources",
    "compiler_settings",
    "standard_input",
    "write_artifacts",
]

ROOT = Path(__file__).resolve().parents[1]
SOURCE_DIR = "solidity/src"
# Where each OpenZeppelin release of a build lives (package.json pins both; the Shanghai one is an
# npm alias of @openzeppelin/contracts@5.3.0).
OPENZEPPELIN_FOLDERS = {
    "5.7.0": "node_modules/@openzeppelin/contracts/",
    "5.3.0": "node_modules/openzeppelin-contracts-shanghai/",
}


def compiler_settings(root: Path = ROOT, *, build: Build | None = None) -> dict[str, Any]:
    """Standard-JSON settings equal to foundry.toml's default profile (optimizer, EVM, metadata);
    ``build`` overrides the EVM version and the OpenZeppelin release (the pre-Cancun build)."""
    with (root / "foundry.toml").open("rb") as fh:
        profile = tomllib.load(fh)["profile"]["default"]
    remappings = list(profile["remappings"])
    if build is not None:
        remappings = [
            f"@openzeppelin/contracts/={OPENZEPPELIN_FOLDERS[build.openzeppelin]}"
            if entry.startswith("@openzeppelin/contracts/=")
            else entry
            for entry in remappings
        ]
    return {
        "optimizer": {
            "enabled": bool(profile["optimizer"]),
            "runs": int(profile["optimizer_runs"]),
        },
        "evmVersion": build.evm_version if build else profile["evm_version"],
        "metadata": {"bytecodeHash": profile["bytecode_hash"]},
        "remappings": sorted(remappings),
        "outputSelection": {
            "*": {"*": ["abi", "evm.bytecode.object", "evm.deployedBytecode.object"]},
        },
    }


def compile_sources(
    paths: list[Path],
    root: Path = ROOT,
    *,
    solc_binary: Path | None = None,
    settings: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Standard-JSON output of compiling ``paths`` (inside ``root``) with foundry.toml's settings."""
    import solcx  # deferred: only the build, its test and the gas benchmark need py-solc-x
    from solcx.exceptions import SolcError

    binary = solc_binary or root / "scripts" / "solc"
    sources = {
        path.relative_to(root).as_posix(): {"content": path.read_text(encoding="utf-8")}
        for path in sorted(paths)
    }
    try:
        output: dict[str, Any] = solcx.compile_standard(
            {
                "language": "Solidity",
                "sources": sources,
                "settings": settings or compiler_settings(root),
            },
            base_path=str(root),
            allow_paths=[str(root)],
            solc_binary=str(binary),
        )
    except SolcError as exc:
        names = ", ".join(sorted(sources))
        raise ConfigError(f"compiling {names} failed: {exc}") from exc
    return output


def standard_input(
    build: Build, root: Path = ROOT, *, solc_binary: Path | None = None
) -> dict[str, Any]:
    """The standard-JSON input of ``build``: its entry file and every file it imports, each with its
    content (keys are solc's source unit names, e.g. ``node_modules/@openzeppelin/...``), and the
    settings. A first, analysis-only pass asks the compiler which files the entry pulls in."""
    settings = compiler_settings(root, build=build)
    probe = compile_sources(
        [root / build.source_name],
        root,
        solc_binary=solc_binary,
        settings={**settings, "outputSelection": {"*": {"": ["ast"]}}},
    )
    sources = {
        name: {"content": (root / name).read_text(encoding="utf-8")}
        for name in sorted(probe["sources"])
    }
    return {"language": "Solidity", "sources": sources, "settings": _shipped_settings(settings)}


def compile_artifacts(
    root: Path = ROOT, *, solc_binary: Path | None = None
) -> dict[str, dict[str, Any]]:
    """Compile every build; return, per contract, ``{"artifact": ..., "input": ...}``."""
    import solcx
    from solcx.exceptions import SolcError

    binary = solc_binary or root / "scripts" / "solc"
    version = _version(binary)
    built: dict[str, dict[str, Any]] = {}
    for build in BUILDS.values():
        source_input = standard_input(build, root, solc_binary=binary)
        selection = {"*": {"*": ["abi", "evm.bytecode.object", "evm.deployedBytecode.object"]}}
        request = {
            **source_input,
            "settings": {**source_input["settings"], "outputSelection": selection},
        }
        try:
            output = solcx.compile_standard(
                request, base_path=str(root), allow_paths=[str(root)], solc_binary=str(binary)
            )
        except SolcError as exc:
            raise ConfigError(f"compiling {build.source_name} failed: {exc}") from exc
        contract = output["contracts"][build.source_name][build.contract]
        artifact = {
            "contractName": build.contract,
            "sourceName": build.source_name,
            "abi": contract["abi"],
            "bytecode": "0x" + contract["evm"]["bytecode"]["object"],
            "deployedBytecode": "0x" + contract["evm"]["deployedBytecode"]["object"],
            "compiler": {"version": version, "settings": source_input["settings"]},
        }
        built[build.contract] = {"artifact": artifact, "input": source_input}
    return built


def artifact_path(name: str, root: Path = ROOT, *, kind: str = "") -> Path:
    """``<name>.json`` (the artifact) or, with ``kind="input"``, ``<name>.input.json``."""
    suffix = f".{kind}.json" if kind else ".json"
    return root / "provenance" / "contracts" / f"{name}{suffix}"


def write_artifacts(root: Path = ROOT) -> list[Path]:
    """Compile and write each artifact (stable JSON: sorted keys, two-space indent, final newline)."""
    from provenance.state.home import atomic_write

    written: list[Path] = []
    for name, built in compile_artifacts(root).items():
        for kind, document in (("", built["artifact"]), ("input", built["input"])):
            path = artifact_path(name, root, kind=kind)
            atomic_write(path, (json.dumps(document, indent=2, sort_keys=True) + "\n").encode())
            written.append(path)
    return written


def _version(binary: Path) -> str:
    """The full compiler version (``0.8.30+commit.73712a01``), as the adapter reports it."""
    try:
        out = subprocess.run(
            [str(binary), "--version"], capture_output=True, text=True, check=True
        ).stdout
    except (OSError, subprocess.CalledProcessError) as exc:
        raise ConfigError(f"cannot run the compiler {binary}: {exc}") from exc
    for line in out.splitlines():
        if line.startswith("Version: "):
            return line.removeprefix("Version: ").split(".Emscripten")[0]
    raise ConfigError(f"unexpected `solc --version` output from {binary}: {out!r}")


def _shipped_settings(settings: dict[str, Any]) -> dict[str, Any]:
    # The output selection says what we asked for, not how the code was compiled.
    return {key: value for key, value in settings.items() if key != "outputSelection"}
