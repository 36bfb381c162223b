"""Rebuild the shipped artifacts from ``solidity/src`` through py-solc-x and the solc adapter.

The compiler settings come from ``foundry.toml`` (``[profile.default]``), so the shipped bytecode is
what ``forge build`` compiles. Run as ``scripts/build-contracts`` from a checkout with
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

from provenance.contracts import ARTIFACT_NAMES
from provenance.errors import ConfigError

__all__ = [
    "artifact_path",
    "compile_artifacts",
    "compile_sources",
    "compiler_settings",
    "write_artifacts",
]

ROOT = Path(__file__).resolve().parents[1]
SOURCE_DIR = "solidity/src"


def compiler_settings(root: Path = ROOT) -> dict[str, Any]:
    """Standard-JSON settings equal to foundry.toml's default profile (optimizer, EVM, metadata)."""
    with (root / "foundry.toml").open("rb") as fh:
        profile = tomllib.load(fh)["profile"]["default"]
    return {
        "optimizer": {
            "enabled": bool(profile["optimizer"]),
            "runs": int(profile["optimizer_runs"]),
        },
        "evmVersion": profile["evm_version"],
        "metadata": {"bytecodeHash": profile["bytecode_hash"]},
        "remappings": sorted(profile["remappings"]),
        "outputSelection": {
            "*": {"*": ["abi", "evm.bytecode.object", "evm.deployedBytecode.object"]},
        },
    }


def compile_sources(
    paths: list[Path], root: Path = ROOT, *, solc_binary: Path | None = None
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
            {"language": "Solidity", "sources": sources, "settings": compiler_settings(root)},
            base_path=str(root),
            allow_paths=[str(root)],
            solc_binary=str(binary),
        )
    except SolcError as exc:
        names = ", ".join(sorted(sources))
        raise ConfigError(f"compiling {names} failed: {exc}") from exc
    return output


def compile_artifacts(
    root: Path = ROOT, *, solc_binary: Path | None = None
) -> dict[str, dict[str, Any]]:
    """Compile every source under solidity/src; return the artifact of each shipped contract."""
    binary = solc_binary or root / "scripts" / "solc"
    version = _version(binary)
    settings = compiler_settings(root)
    output = compile_sources(list((root / SOURCE_DIR).glob("*.sol")), root, solc_binary=binary)
    artifacts: dict[str, dict[str, Any]] = {}
    for name in ARTIFACT_NAMES:
        source_name = f"{SOURCE_DIR}/{name}.sol"
        contract = output["contracts"][source_name][name]
        artifacts[name] = {
            "contractName": name,
            "sourceName": source_name,
            "abi": contract["abi"],
            "bytecode": "0x" + contract["evm"]["bytecode"]["object"],
            "deployedBytecode": "0x" + contract["evm"]["deployedBytecode"]["object"],
            "compiler": {"version": version, "settings": _shipped_settings(settings)},
        }
    return artifacts


def artifact_path(name: str, root: Path = ROOT) -> Path:
    return root / "provenance" / "contracts" / f"{name}.json"


def write_artifacts(root: Path = ROOT) -> list[Path]:
    """Compile and write each artifact (stable JSON: sorted keys, two-space indent, final newline)."""
    from provenance.state.home import atomic_write

    written: list[Path] = []
    for name, artifact in compile_artifacts(root).items():
        path = artifact_path(name, root)
        atomic_write(path, (json.dumps(artifact, indent=2, sort_keys=True) + "\n").encode())
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
