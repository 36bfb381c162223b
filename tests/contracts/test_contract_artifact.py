"""The shipped artifact is exactly what solidity/src compiles to, through py-solc-x and the adapter."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from build_contracts import ROOT, compile_artifacts

from provenance.contracts import load_artifact
from provenance.errors import ConfigError

FORGE = ROOT / "node_modules/@foundry-rs/forge-linux-amd64/bin/forge"


def test_shipped_artifact_equals_fresh_compile() -> None:
    fresh = compile_artifacts(ROOT)["ProvenanceArt"]
    shipped = load_artifact("ProvenanceArt")
    assert shipped["abi"] == fresh["abi"], "ABI changed: run scripts/build-contracts"
    assert shipped["bytecode"] == fresh["bytecode"], "bytecode changed: run scripts/build-contracts"
    assert shipped["deployedBytecode"] == fresh["deployedBytecode"]
    assert shipped["compiler"] == fresh["compiler"]


def test_shipped_artifact_equals_forge_build() -> None:
    # forge (reading foundry.toml itself) and py-solc-x must agree on the bytecode.
    out = subprocess.run(
        [str(FORGE), "inspect", "ProvenanceArt", "bytecode"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert load_artifact()["bytecode"] == out


def test_load_artifact_has_the_workflow_entry_points() -> None:
    artifact = load_artifact()
    names = {item.get("name") for item in artifact["abi"]}
    assert {"mint", "redeem", "recordOf", "tokenURI", "ArtworkMinted", "cancelVoucher"} <= names
    assert {"release", "releasable", "payees", "voucherState"} <= names
    assert not {"tokenOfImage", "totalMinted", "isVoucherUsed", "withdraw"} & names
    assert artifact["compiler"]["settings"]["evmVersion"] == "prague"


def test_load_artifact_unknown_name() -> None:
    with pytest.raises(ConfigError, match="no shipped contract artifact"):
        load_artifact("NoSuchContract")


def test_build_fails_cleanly_on_broken_source(tmp_path: pytest.TempPathFactory) -> None:
    root = tmp_path  # type: ignore[assignment]
    shutil.copy(ROOT / "foundry.toml", root / "foundry.toml")
    (root / "scripts").mkdir()
    shutil.copy(ROOT / "scripts/solc", root / "scripts/solc")
    (root / "node_modules").symlink_to(ROOT / "node_modules")
    (root / "solidity/src").mkdir(parents=True)
    (root / "solidity/src/ProvenanceArt.sol").write_text(
        "// SPDX-License-Identifier: MIT\npragma solidity ^0.8.24;\ncontract ProvenanceArt { uint x = ; }\n"
    )
    with pytest.raises(ConfigError, match="compiling solidity/src/ProvenanceArt.sol failed"):
        compile_artifacts(root)
