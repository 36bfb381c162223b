"""The whole flow on ganache 7.9, a Shanghai node that refuses TLOAD/TSTORE/MCOPY: deploy picks the
pre-Cancun build by itself, and mint, verify, decrypt, offer, redeem, donations, release, tokens
and the gallery work on it as on anvil. One test: every step is a real CLI process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from coincurve import PrivateKey
from eth_abi import decode

from provenance.chain.accounts import dev_accounts
from provenance.chain.rpc import RpcClient
from provenance.contracts import load_artifact, load_standard_input

from ..workflows.conftest import make_artwork
from .conftest import GANACHE_CHAIN_ID


def _cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "provenance", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=180,
        check=False,
    )


def _ok(env: dict[str, str], *args: str) -> str:
    done = _cli(env, *args)
    assert done.returncode == 0, f"provenance {' '.join(args)}: {done.stderr}"
    assert "Traceback" not in done.stderr
    return done.stdout


def _json(env: dict[str, str], *args: str) -> dict[str, object]:
    document = json.loads(_ok(env, *args, "--json"))
    assert isinstance(document, dict)
    return document


def test_whole_flow_on_ganache(ganache: str, tmp_path: Path) -> None:
    artist, donor_a, donor_b = dev_accounts(3)
    env = {
        **os.environ,
        "PROVENANCE_HOME": str(tmp_path / "home"),
        "PROVENANCE_RPC_URL": ganache,
        "ARTIST_KEY": "0x" + bytes(artist.key).hex(),
        "DONOR_A_KEY": "0x" + bytes(donor_a.key).hex(),
        "DONOR_B_KEY": "0x" + bytes(donor_b.key).hex(),
    }
    rpc = RpcClient(ganache)
    assert rpc.chain_id() == GANACHE_CHAIN_ID

    # The default (Prague) build cannot run here: asked for, it is refused in one line, nothing kept.
    refused = _cli(env, "deploy", "--evm-version", "prague", "--private-key-env", "ARTIST_KEY")
    assert refused.returncode == 3
    assert refused.stderr.strip().splitlines() == [
        (
            "Error: the chain has no TSTORE/MCOPY (it is before Cancun): the prague build cannot"
            " run there; use --evm-version shanghai, or leave it out to choose by probing"
        )
    ]
    assert not (tmp_path / "home/deployments.json").exists()

    deployed = _json(env, "deploy", "--private-key-env", "ARTIST_KEY")
    assert deployed["evm_version"] == "shanghai"
    assert deployed["contract_name"] == "ProvenanceArtShanghai"
    code = rpc.get_code(str(deployed["address"]))
    # The runtime code is the Shanghai build's (its immutables, the EIP-712 domain, filled in).
    assert len(code) * 2 + 2 == len(load_artifact("ProvenanceArtShanghai")["deployedBytecode"])
    record = json.loads((tmp_path / "home/deployments.json").read_text())
    assert record[str(GANACHE_CHAIN_ID)]["ProvenanceArt"]["evm_version"] == "shanghai"

    # What an explorer needs: the shipped standard-JSON input of this build and the constructor
    # arguments exactly as sent (decoded here by eth-abi, independently of the toolkit's encoder).
    verification = deployed["verification"]
    assert isinstance(verification, dict)
    shipped_input = json.loads(Path(verification["standard_json_input"]).read_text())
    assert shipped_input == load_standard_input("ProvenanceArtShanghai")
    assert shipped_input["settings"]["evmVersion"] == verification["evm_version"] == "shanghai"
    assert (
        verification["contract"] == "solidity/src/ProvenanceArtShanghai.sol:ProvenanceArtShanghai"
    )
    assert verification["compiler_version"].startswith("v0.8.30+commit.")
    assert verification["forge_command"] is None  # forge would remap another OpenZeppelin
    sent = rpc.get_transaction(str(deployed["tx"]))
    assert sent is not None
    bytecode = load_artifact("ProvenanceArtShanghai")["bytecode"]
    assert sent.fields["input"] == bytecode + verification["constructor_args"].removeprefix("0x")
    types = ["string", "string", "address", "address", "uint96", "string", "address[]", "uint256[]"]
    args = decode(types, bytes.fromhex(verification["constructor_args"][2:]))
    admin = artist.address.lower()
    assert args == ("Provenance", "PROV", admin, admin, 500, "", (), ())

    # Mint with a message sealed to donor A's key; verify; decrypt with A's key.
    work_a = make_artwork(tmp_path / "a.png", 1)
    pubkey_a = PrivateKey(bytes(donor_a.key)).public_key.format(compressed=False).hex()
    minted = _json(
        env, "mint", str(work_a), "--donor", donor_a.address, "--donor-pubkey", pubkey_a,
        "--message", "from A, on ganache", "--private-key-env", "ARTIST_KEY",
    )  # fmt: skip
    token_a = str(minted["token_id"])
    verified = _json(env, "verify", token_a)
    assert verified["ok"] is True
    assert _ok(env, "decrypt", token_a, "--private-key-env", "DONOR_A_KEY").strip() == (
        "from A, on ganache"
    )

    # Offer another work; donor B redeems it with a donation and a message sealed to B's key.
    work_b = make_artwork(tmp_path / "b.png", 2)
    offer = tmp_path / "offer.json"
    _ok(env, "offer", "make", str(work_b), "--min-donation", "0.01ether", "-o", str(offer),
        "--private-key-env", "ARTIST_KEY")  # fmt: skip
    redeemed = _json(
        env, "redeem", str(offer), "--message", "from B, on ganache",
        "--donation", "0.05ether", "--private-key-env", "DONOR_B_KEY",
    )  # fmt: skip
    token_b = str(redeemed["token_id"])
    assert _json(env, "verify", token_b)["ok"] is True
    assert _ok(env, "decrypt", token_b, "--private-key-env", "DONOR_B_KEY").strip() == (
        "from B, on ganache"
    )

    # Donations and their release (the storage reentrancy guard on the pre-Cancun build).
    donations = _json(env, "donations")
    assert donations["received_wei"] == str(5 * 10**16)
    assert [d["redeemer"] for d in donations["donations"]] == [donor_b.address]  # type: ignore[attr-defined]
    before = rpc.get_balance(artist.address)
    released = _json(env, "release", "--private-key-env", "DONOR_B_KEY")  # anyone may send it
    assert [r["payee"] for r in released["releases"]] == [artist.address]  # type: ignore[attr-defined]
    assert rpc.get_balance(artist.address) - before == 5 * 10**16

    listed = _json(env, "tokens", "list")["tokens"]
    assert isinstance(listed, list)
    owners = {t["token_hex"]: t["to"] for t in listed}
    assert owners == {_hex(token_a): donor_a.address, _hex(token_b): donor_b.address}

    site = tmp_path / "site"
    _ok(env, "gallery", "build", "-o", str(site))
    pages = {p.relative_to(site).as_posix() for p in site.rglob("*.html")}
    assert {f"work/{_hex(token_a)}.html", f"work/{_hex(token_b)}.html"} <= pages


def _hex(token_id: str) -> str:
    return f"0x{int(token_id):064x}"
