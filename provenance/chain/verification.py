"""How to verify a deployed collection's source on a block explorer.

The toolkit ships, per build, the exact standard-JSON compiler input (``provenance/contracts/
<contract>.input.json``): every source with its content, the optimizer, the EVM version and the
remappings. Any explorer that verifies "Solidity (Standard-JSON-Input)" (Etherscan and its family,
Blockscout, Sourcify) rebuilds the bytecode from it with the artifact's compiler version; the
constructor arguments are read back from the deployment transaction itself, so they are exactly
what was sent (also for a deployment a re-run finished). For the default build a ``forge
verify-contract`` command line is given too: run from a checkout of this repository, forge builds
the same input from foundry.toml. The pre-Cancun build is compiled with another OpenZeppelin
release than foundry.toml remaps, so for it the standard-JSON route is the one that matches.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from importlib import resources

from provenance.chain.rpc import RpcClient, hex_to_bytes
from provenance.contracts import DEFAULT_BUILD, Build, load_artifact
from provenance.errors import ChainError

__all__ = ["ExplorerVerification", "explorer_verification"]


@dataclass(frozen=True)
class ExplorerVerification:
    standard_json_input: str  # the shipped file's path
    contract: str  # "solidity/src/ProvenanceArt.sol:ProvenanceArt"
    compiler_version: str  # "v0.8.30+commit.73712a01", as explorers list it
    evm_version: str
    optimizer_runs: int
    constructor_args: str  # 0x-prefixed ABI encoding
    forge_command: str | None  # None: use the standard-JSON input

    def to_json(self) -> dict[str, object]:
        return {
            "standard_json_input": self.standard_json_input,
            "contract": self.contract,
            "compiler_version": self.compiler_version,
            "evm_version": self.evm_version,
            "optimizer_runs": self.optimizer_runs,
            "constructor_args": self.constructor_args,
            "forge_command": self.forge_command,
        }


def explorer_verification(
    rpc: RpcClient, build: Build, *, address: str, chain_id: int, tx_hash: str
) -> ExplorerVerification:
    """What an explorer needs to verify the deployment ``tx_hash`` of ``build`` at ``address``."""
    artifact = load_artifact(build.contract)
    tx = rpc.get_transaction(tx_hash)
    if tx is None:
        raise ChainError(
            f"the deployment transaction {tx_hash} is unknown to the node", tx_hash=tx_hash
        )
    creation = hex_to_bytes(str(tx.fields.get("input") or tx.fields.get("data") or "0x"))
    bytecode = hex_to_bytes(artifact["bytecode"])
    if not creation.startswith(bytecode):
        raise ChainError(
            f"the deployment transaction {tx_hash} did not send the {build.contract} build",
            tx_hash=tx_hash,
        )
    settings = artifact["compiler"]["settings"]
    contract = f"{artifact['sourceName']}:{build.contract}"
    version = "v" + str(artifact["compiler"]["version"])
    args = "0x" + creation[len(bytecode) :].hex()
    runs = int(settings["optimizer"]["runs"])
    forge = None
    if build.evm_version == DEFAULT_BUILD:
        forge = shlex.join(
            [
                "forge", "verify-contract", address, contract,
                "--chain", str(chain_id),
                "--compiler-version", version,
                "--num-of-optimizations", str(runs),
                "--evm-version", build.evm_version,
                "--constructor-args", args,
                "--watch",
            ]
        )  # fmt: skip
    path = resources.files("provenance.contracts").joinpath(f"{build.contract}.input.json")
    return ExplorerVerification(
        standard_json_input=str(path),
        contract=contract,
        compiler_version=version,
        evm_version=build.evm_version,
        optimizer_runs=runs,
        constructor_args=args,
        forge_command=forge,
    )
