"""The shipped artifacts (both builds) and standard-JSON inputs are exactly what solidity/src
compiles to, through py-solc-x and the adapter."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from build_contracts import ROOT, compile_artifacts

from provenance.contracts import ARTIFACT_NAMES, BUILDS, load_artifact, load_standard_input
from provenance.errors import ConfigError

FORGE = ROOT / "node_modules/@foundry-rs/forge-linux-amd64/bin/forge"


def test_shipped_artifacts_equal_fresh_compile() -> None:
    built = compile_artifacts(ROOT)
    assert set(built) == set(ARTIFACT_NAMES) == {"ProvenanceArt", "ProvenanceArtShanghai"}
    for name, fresh in built.items():
        shipped = load_artifact(name)
        artifact = fresh["artifact"]
        assert shipped["abi"] == artifact["abi"], (
            f"{name}: ABI changed: run scripts/build-contracts"
        )
        assert shipped["bytecode"] == artifact["bytecode"], f"{name}: run scripts/build-contracts"
        assert shipped["deployedBytecode"] == artifact["deployedBytecode"]
        assert shipped["compiler"] == artifact["compiler"]
        # The explorer input: every source the build reads, verbatim, and the same settings.
        assert load_standard_input(name) == fresh["input"], f"{name}: run scripts/build-contracts"
        assert load_standard_input(name)["settings"] == shipped["compiler"]["settings"]
    # One ABI, two EVMs: the pre-Cancun build has no TLOAD/TSTORE/MCOPY (its settings say
    # shanghai, and solc refuses those opcodes there) and reads OpenZeppelin 5.3.0.
    assert load_artifact("ProvenanceArt")["abi"] == load_artifact("ProvenanceArtShanghai")["abi"]
    for evm, build in BUILDS.items():
        settings = load_artifact(build.contract)["compiler"]["settings"]
        assert settings["evmVersion"] == evm
        sources = load_standard_input(build.contract)["sources"]
        assert f"solidity/src/{build.contract}.sol" in sources
        guard = (
            "/utils/ReentrancyGuardTransient.sol"
            if evm == "prague"
            else "/utils/ReentrancyGuard.sol"
        )
        assert any(name.endswith(guard) for name in sources)
    shanghai = load_standard_input("ProvenanceArtShanghai")["sources"]
    assert not any("ReentrancyGuardTransient" in name for name in shanghai)
    assert (
        '"version": "5.3.0"'
        in (ROOT / "node_modules/openzeppelin-contracts-shanghai/package.json").read_text()
    )


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


def test_standard_input_of_an_unknown_contract() -> None:
    with pytest.raises(ConfigError, match="no shipped contract artifact"):
        load_standard_input("NoSuchContract")
