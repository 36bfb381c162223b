#!/usr/bin/env python3
"""Receipt gas of a complete mint to a new holder, on a real anvil, side by side with the baseline.

ProvenanceArt.mint with a 200-byte sealed-message envelope next to OpenZeppelin's ERC721URIStorage
(solidity/test/BaselineERC721URIStorage.sol) minting with a 66-character ``ipfs://bafkrei...`` URI.
Both are compiled here through py-solc-x and scripts/solc with foundry.toml's settings, deployed on
a fresh anvil (Prague rules), warmed up with one mint each (so counters are non-zero, as for every
mint but the first), then measured: receipt ``gasUsed`` (21,000 base and calldata included).

    .venv/bin/python scripts/bench_gas.py [--json]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import signal
import socket
import subprocess
import sys
import time
from typing import Any

from build_contracts import ROOT, compile_sources
from eth_account import Account
from eth_account.signers.local import LocalAccount
from web3 import Web3

from provenance.ipfs.cid import raw_cid_for_sha256

ANVIL = ROOT / "node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil"
TEST_MNEMONIC = "test test test test test test test test test test test junk"
B64 = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


def envelope(size: int, seed: int) -> bytes:
    """Same shape as solidity/test/Fixtures.sol: a secp256k1-ecies JSON envelope of ``size`` bytes."""
    head, tail = b'{"version":"secp256k1-ecies","ciphertext":"', b'"}'
    body = bytes(
        B64[int.from_bytes(hashlib.sha256(f"{seed}:{i}".encode()).digest(), "big") % 64]
        for i in range(size - len(head) - len(tail))
    )
    return head + body + tail


def start_anvil() -> tuple[subprocess.Popen[bytes], str]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    proc = subprocess.Popen(
        [
            str(ANVIL),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--hardfork",
            "prague",
            "--silent",
        ],
        stdout=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    w3 = Web3(Web3.HTTPProvider(url))
    for _ in range(300):
        if proc.poll() is not None:
            raise SystemExit("bench_gas: anvil exited at start")
        try:
            if w3.eth.chain_id:
                return proc, url
        except Exception:  # noqa: BLE001 - not up yet
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("bench_gas: anvil did not start")


def send(w3: Web3, account: LocalAccount, call: Any) -> Any:
    tx = call.build_transaction(
        {"from": account.address, "nonce": w3.eth.get_transaction_count(account.address)}
    )
    receipt = w3.eth.wait_for_transaction_receipt(
        w3.eth.send_raw_transaction(account.sign_transaction(tx).raw_transaction)
    )
    if receipt["status"] != 1:
        raise SystemExit(
            f"bench_gas: transaction reverted: {receipt['transactionHash'].to_0x_hex()}"
        )
    return receipt


def deploy(w3: Web3, account: LocalAccount, contract: dict[str, Any], *args: Any) -> Any:
    factory = w3.eth.contract(abi=contract["abi"], bytecode=contract["evm"]["bytecode"]["object"])
    receipt = send(w3, account, factory.constructor(*args))
    return w3.eth.contract(address=receipt["contractAddress"], abi=contract["abi"])


def measure() -> dict[str, Any]:
    output = compile_sources(
        [
            ROOT / "solidity/src/ProvenanceArt.sol",
            ROOT / "solidity/test/BaselineERC721URIStorage.sol",
        ]
    )
    art_src = output["contracts"]["solidity/src/ProvenanceArt.sol"]["ProvenanceArt"]
    base_src = output["contracts"]["solidity/test/BaselineERC721URIStorage.sol"][
        "BaselineERC721URIStorage"
    ]
    Account.enable_unaudited_hdwallet_features()
    artist = Account.from_mnemonic(TEST_MNEMONIC, account_path="m/44'/60'/0'/0/0")
    proc, url = start_anvil()
    try:
        w3 = Web3(Web3.HTTPProvider(url))
        art = deploy(
            w3, artist, art_src, "Provenance", "PROV", artist.address, artist.address, 500, ""
        )
        base = deploy(w3, artist, base_src, artist.address)
        warm_holder = Account.create().address
        new_holder = Account.create().address

        meta1, meta2 = (
            hashlib.sha256(b"metadata 1").digest(),
            hashlib.sha256(b"metadata 2").digest(),
        )
        img1, img2 = hashlib.sha256(b"image 1").digest(), hashlib.sha256(b"image 2").digest()
        uri1 = "ipfs://" + raw_cid_for_sha256(meta1)
        uri2 = "ipfs://" + raw_cid_for_sha256(meta2)
        message = envelope(200, 2)
        assert len(uri2) == 66 and len(message) == 200

        send(w3, artist, art.functions.mint(warm_holder, meta1, img1, envelope(200, 1)))
        send(w3, artist, base.functions.mint(warm_holder, uri1))
        art_receipt = send(w3, artist, art.functions.mint(new_holder, meta2, img2, message))
        base_receipt = send(w3, artist, base.functions.mint(new_holder, uri2))
        assert art.functions.tokenURI(2).call() == base.functions.tokenURI(2).call() == uri2
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=10)
    art_gas, base_gas = art_receipt["gasUsed"], base_receipt["gasUsed"]
    return {
        "provenance_art_mint_gas": art_gas,
        "baseline_erc721uristorage_mint_gas": base_gas,
        "ratio": round(art_gas / base_gas, 4),
        "target": {"max_gas": 125_000, "max_ratio": 0.70},
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    args = parser.parse_args()
    result = measure()
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    print("receipt gasUsed of a mint to a new holder (anvil, Prague, 21,000 base included)")
    print(f"  ProvenanceArt.mint, 200-byte envelope        {result['provenance_art_mint_gas']:>8,}")
    print(
        f"  ERC721URIStorage mint, 66-char ipfs:// URI   {result['baseline_erc721uristorage_mint_gas']:>8,}"
    )
    print(f"  ratio                                        {result['ratio']:>8.3f}")
    print("  target: <= 125,000 gas and <= 0.70x the baseline")
    return 0


if __name__ == "__main__":
    sys.exit(main())
