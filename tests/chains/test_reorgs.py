"""Reorganisations and confirmations, on a real anvil (anvil_rollback, anvil_reorg, anvil_mine).

A mint the journal holds as done but a reorganisation dropped is named by `tokens list` and healed
by re-running the mint: the same signed bytes while its nonce is free, a fresh transaction when
another took the nonce; never a second token. A redemption dropped the same way is paid once. On a
known public network (Sepolia's chain id) a mint waits for that network's confirmations, and a
reorganisation while it waits stops it with one line; the re-run finishes the same transaction.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from provenance.chain.accounts import dev_accounts
from provenance.chain.network import default_confirmations
from provenance.chain.rpc import RpcClient

from ..conftest import _stop
from ..workflows.conftest import make_artwork
from .conftest import start_anvil

SEPOLIA = 11155111
LOCAL = 1337  # a chain the toolkit does not know: one confirmation


def _cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "provenance", *args],
        capture_output=True, text=True, env=env, timeout=180, check=False,
    )  # fmt: skip


def _json(env: dict[str, str], *args: str) -> dict[str, Any]:
    done = _cli(env, *args, "--json")
    assert done.returncode == 0, f"provenance {' '.join(args)}: {done.stderr}"
    document = json.loads(done.stdout)
    assert isinstance(document, dict)
    return document


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    artist, _, donor = dev_accounts(3)
    return {
        **os.environ,
        "PROVENANCE_HOME": str(tmp_path / "home"),
        "ARTIST_KEY": "0x" + bytes(artist.key).hex(),
        "DONOR_KEY": "0x" + bytes(donor.key).hex(),
    }


@pytest.fixture
def local_chain(env: dict[str, str]) -> Iterator[RpcClient]:
    proc, url = start_anvil(LOCAL)
    env["PROVENANCE_RPC_URL"] = url
    try:
        yield RpcClient(url)
    finally:
        _stop(proc)


def _mint_args(work: Path, donor: str) -> list[str]:
    return ["mint", str(work), "--donor", donor, "--private-key-env", "ARTIST_KEY"]


def _minted_events(rpc: RpcClient, contract: str, token_hex: str) -> int:
    from provenance.chain.contract import ProvenanceArt

    bound = ProvenanceArt(rpc, contract)
    return sum(
        1 for e in bound.events("ArtworkMinted") if f"0x{e.args['tokenId']:064x}" == token_hex
    )


def test_dropped_mints_are_named_and_healed_without_a_second_token(
    env: dict[str, str], local_chain: RpcClient, tmp_path: Path
) -> None:
    rpc = local_chain
    artist = dev_accounts(1)[0]
    donor = dev_accounts(2)[1].address
    contract = str(_json(env, "deploy", "--private-key-env", "ARTIST_KEY")["address"])

    # 1. A mint reported done, then rolled back: named by tokens list, re-sent as the same bytes.
    work_a = make_artwork(tmp_path / "a.png", 11)
    first = _json(env, *_mint_args(work_a, donor))
    assert first["confirmations"] == 1
    rpc.request("anvil_rollback", [1])
    listed = _json(env, "tokens", "list")
    assert listed["tokens"] == []
    [dropped] = listed["dropped"]
    assert dropped["tx_hash"] == first["tx_hash"] and dropped["token_hex"] == first["token_hex"]
    message = f"dropped by a reorganisation at block {first['block']}: re-run to send it again"
    assert dropped["message"] == message
    human = _cli(env, "tokens", "list")
    assert human.returncode == 0 and message in " ".join(human.stdout.split())
    again = _json(env, *_mint_args(work_a, donor))
    assert again["resumed"] is True
    assert again["tx_hash"] == first["tx_hash"]  # the journaled bytes, not a new transaction
    assert _minted_events(rpc, contract, str(first["token_hex"])) == 1
    assert _json(env, "tokens", "list")["dropped"] == []

    # 2. Dropped, and its nonce taken by another transaction of the same sender (anvil_reorg puts
    #    a plain transfer with that nonce in the new branch): a fresh transaction mints it, once.
    work_b = make_artwork(tmp_path / "b.png", 12)
    minted_b = _json(env, *_mint_args(work_b, donor))
    nonce = rpc.transaction_count(artist.address, "latest") - 1
    transfer = artist.sign_transaction(
        {"to": donor, "value": 1, "gas": 21_000, "maxFeePerGas": 10**11,
         "maxPriorityFeePerGas": 10**9, "nonce": nonce, "chainId": LOCAL, "type": 2}
    )  # fmt: skip
    rpc.request("anvil_reorg", [1, [["0x" + transfer.raw_transaction.hex(), 0]]])
    assert rpc.get_receipt(str(minted_b["tx_hash"])) is None
    assert rpc.transaction_count(artist.address, "latest") == nonce + 1  # the nonce is taken
    [dropped_b] = _json(env, "tokens", "list")["dropped"]
    assert dropped_b["tx_hash"] == minted_b["tx_hash"]
    healed = _json(env, *_mint_args(work_b, donor))
    assert healed["token_hex"] == minted_b["token_hex"]
    assert healed["tx_hash"] != minted_b["tx_hash"]
    assert _minted_events(rpc, contract, str(minted_b["token_hex"])) == 1
    tokens = _json(env, "tokens", "list")
    assert len(tokens["tokens"]) == 2 and tokens["dropped"] == []

    # 3. A redemption rolled back: the donor re-runs it and pays once.
    work_c = make_artwork(tmp_path / "c.png", 13)
    offer = tmp_path / "offer.json"
    made = _cli(env, "offer", "make", str(work_c), "--min-donation", "0.01ether", "-o", str(offer),
                "--private-key-env", "ARTIST_KEY")  # fmt: skip
    assert made.returncode == 0, made.stderr
    redeem = ["redeem", str(offer), "--donation", "0.05ether", "--private-key-env", "DONOR_KEY"]
    redeemed = _json(env, *redeem)
    rpc.request("anvil_rollback", [1])
    assert _json(env, "donations")["received_wei"] == "0"
    again_redeemed = _json(env, *redeem)
    assert again_redeemed["token_id"] == redeemed["token_id"]
    donations = _json(env, "donations")
    assert donations["received_wei"] == str(5 * 10**16)
    assert len(donations["donations"]) == 1
    assert rpc.get_balance(contract) == 5 * 10**16


def _wait_for_block(rpc: RpcClient, above: int, proc: subprocess.Popen[str]) -> int:
    deadline = time.monotonic() + 60
    while (height := rpc.block_number()) <= above:
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "the mint was not mined"
        time.sleep(0.05)
    return height


def _finish(rpc: RpcClient, proc: subprocess.Popen[str]) -> tuple[int, str, str]:
    """Mine a block at a time until the command exits: (exit status, stdout, stderr)."""
    deadline = time.monotonic() + 120
    while proc.poll() is None:
        assert time.monotonic() < deadline
        rpc.request("anvil_mine", [1])
        time.sleep(0.1)
    out, err = proc.communicate()
    return proc.returncode, out, err


def test_a_public_network_waits_for_confirmations_and_notices_a_reorg(
    env: dict[str, str], tmp_path: Path
) -> None:
    proc_chain, url = start_anvil(SEPOLIA)
    env["PROVENANCE_RPC_URL"] = url
    rpc = RpcClient(url)
    needed = default_confirmations(SEPOLIA)
    assert needed == 6
    donor = dev_accounts(2)[1].address
    try:
        deployed = _cli(env, "deploy", "--confirmations", "1", "--private-key-env", "ARTIST_KEY")
        assert deployed.returncode == 0, deployed.stderr
        assert "on Sepolia (chain 11155111) at" in " ".join(deployed.stdout.split())

        # The mint is mined at once (automine) but not final: the command waits for 6 blocks.
        start = rpc.block_number()
        command = [
            sys.executable,
            "-m",
            "provenance",
            *_mint_args(make_artwork(tmp_path / "d.png", 21), donor),
            "--json",
        ]
        mint = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
        )
        mined_at = _wait_for_block(rpc, start, mint)
        rpc.request("anvil_mine", [needed - 2])  # one block short of final
        time.sleep(1.5)
        assert mint.poll() is None, "returned before the transaction was final"
        status, out, err = _finish(rpc, mint)
        assert status == 0, err
        result = json.loads(out)
        assert result["confirmations"] == needed and result["block"] == mined_at

        # A reorganisation while it waits: the transaction leaves the chain and does not come
        # back; the command says so in one line, and the re-run finishes the same transaction.
        work = make_artwork(tmp_path / "e.png", 22)
        start = rpc.block_number()
        mint = subprocess.Popen([*command[:4], str(work), *command[5:]], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, env=env)  # fmt: skip
        _wait_for_block(rpc, start, mint)
        rpc.request("anvil_mine", [1])
        time.sleep(2)  # the command has the receipt and counts confirmations (2 of 6)
        rpc.request("anvil_rollback", [2])
        status, out, err = _finish(rpc, mint)
        assert status == 1
        [line] = err.strip().splitlines()
        assert line.startswith("Error: transaction 0x") and line.endswith(
            f"was dropped by a reorganisation at block {start + 1}: re-run to send it again"
        )
        dropped_hash = line.split()[2]
        rerun = subprocess.Popen([*command[:4], str(work), *command[5:]], stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True, env=env)  # fmt: skip
        status, out, err = _finish(rpc, rerun)
        assert status == 0, err
        healed = json.loads(out)
        assert healed["tx_hash"] == dropped_hash and healed["resumed"] is True
        assert len(_json(env, "tokens", "list")["tokens"]) == 2

        # Rolled back before the command even saw a receipt: the node no longer knows the
        # transaction (anvil does not put it back in its pool); one line, and the re-run heals.
        work = make_artwork(tmp_path / "f.png", 23)
        start = rpc.block_number()
        mint = subprocess.Popen([*command[:4], str(work), *command[5:]], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, env=env)  # fmt: skip
        _wait_for_block(rpc, start, mint)
        rpc.request("anvil_rollback", [1])
        out, err = mint.communicate(timeout=60)
        assert mint.returncode == 1
        [line] = err.strip().splitlines()
        # Whether the command saw the receipt before the rollback or not, it names the transaction.
        assert line.startswith("Error: transaction 0x")
        unknown = "is no longer known to the node (a reorganisation or the node dropped it)"
        dropped = f"was dropped by a reorganisation at block {start + 1}"
        assert line.endswith(
            (f"{unknown}: re-run to send it again", f"{dropped}: re-run to send it again")
        )
        rerun = subprocess.Popen([*command[:4], str(work), *command[5:]], stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True, env=env)  # fmt: skip
        status, out, err = _finish(rpc, rerun)
        assert status == 0, err
        assert json.loads(out)["tx_hash"] == line.split()[2]
        assert len(_json(env, "tokens", "list")["tokens"]) == 3
    finally:
        _stop(proc_chain)
