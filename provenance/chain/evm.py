"""Which contract build a chain can run: ask the node to execute the opcodes each build needs.

The default build (Prague) uses TLOAD/TSTORE (EIP-1153) and MCOPY (EIP-5656), both from Cancun; the
pre-Cancun build (Shanghai) needs PUSH0. A node that lacks an opcode fails an ``eth_call`` of
creation code using it ("invalid opcode" on ganache, geth and anvil alike), so two tiny calls tell
the two apart without sending anything. Clients word that failure differently; what counts is that
the node runs the PUSH0 probe and refuses the Cancun one.
"""

from __future__ import annotations

from dataclasses import dataclass

from provenance.chain.rpc import RpcClient
from provenance.contracts import BUILDS, DEFAULT_BUILD, Build, build_named
from provenance.errors import ChainError, ConfigError

__all__ = ["BuildChoice", "choose_build", "probe_evm"]

# PUSH0 POP STOP: Shanghai (EIP-3855).
_SHANGHAI_PROBE = bytes.fromhex("5f5000")
# PUSH1 1, PUSH0, TSTORE; PUSH0, TLOAD, POP; PUSH1 32, PUSH0, PUSH0, MCOPY; STOP: Cancun.
_CANCUN_PROBE = bytes.fromhex("60015f5d5f5c5060205f5f5e00")


@dataclass(frozen=True)
class BuildChoice:
    build: Build
    reason: str  # why this build, in words ("the chain runs TSTORE and MCOPY", "--evm-version")


def _runs(rpc: RpcClient, code: bytes) -> tuple[bool, str]:
    """Whether the node executes ``code`` as creation code; the node's refusal when not. A network
    failure is not an answer and propagates."""
    try:
        rpc.request("eth_call", [{"data": "0x" + code.hex()}, "latest"])
    except ChainError as exc:
        if "rpc_error" not in exc.context:  # no answer from the node: transport, HTTP, timeout
            raise
        return False, exc.message
    return True, ""


def probe_evm(rpc: RpcClient) -> str:
    """``prague`` when the chain runs Cancun's opcodes, ``shanghai`` when it runs only PUSH0."""
    shanghai, refusal = _runs(rpc, _SHANGHAI_PROBE)
    if not shanghai:
        raise ConfigError(
            f"cannot tell which EVM the chain runs: it refused even a PUSH0 probe ({refusal});"
            " chains older than Shanghai are not supported, or pass --evm-version to deploy anyway"
        )
    cancun, _ = _runs(rpc, _CANCUN_PROBE)
    return "prague" if cancun else "shanghai"


def choose_build(rpc: RpcClient, evm_version: str | None = None) -> BuildChoice:
    """The build to deploy: the one named, or the newest the chain runs. A named build the chain
    certainly cannot run is refused before anything is signed; when the probe cannot tell, the
    named build is taken as given."""
    if evm_version is not None:
        build = build_named(evm_version)
        try:
            found = probe_evm(rpc)
        except ConfigError:
            return BuildChoice(build, "--evm-version (the chain's EVM could not be probed)")
        if build.evm_version == DEFAULT_BUILD and found != DEFAULT_BUILD:
            raise ConfigError(
                f"the chain has no TSTORE/MCOPY (it is before Cancun): the {build.evm_version}"
                " build cannot run there; use --evm-version shanghai, or leave it out to choose"
                " by probing"
            )
        return BuildChoice(build, "--evm-version")
    found = probe_evm(rpc)
    reason = (
        "the chain runs TSTORE and MCOPY (Cancun)"
        if found == DEFAULT_BUILD
        else "the chain has no TSTORE/MCOPY (before Cancun)"
    )
    return BuildChoice(BUILDS[found], reason)
