"""Kill the mint at each step and re-run it: exactly one token, complete content, journal final."""

from __future__ import annotations

import json
import subprocess
import time
import zlib
from pathlib import Path

import pytest
from eth_keys.datatypes import PrivateKey

from provenance.chain.accounts import dev_accounts
from provenance.chain.address import to_checksum
from provenance.chain.network import connect, resolve_contract
from provenance.ipfs import Blockstore
from provenance.state.journal import Journal

from .conftest import make_artwork, run_cli

DONOR = dev_accounts(2)[1]
KEY = str(PrivateKey(bytes(DONOR.key)).public_key.to_hex())


def _stable_seed(name: str) -> int:
    """An artwork seed from a test's name, the same in every process (``hash`` of a str is not:
    PYTHONHASHSEED varies, and two tests could draw the same artwork, "already minted")."""
    return zlib.crc32(name.encode()) % 10_000


def mint_cmd(art: Path) -> list[str]:
    return [
        "mint",
        str(art),
        "--donor",
        DONOR.address,
        "--message",
        "hello from a crash test",
        "--donor-pubkey",
        KEY,
        "--json",
    ]


def assert_single_complete_token(home: Path, art: Path, minted_before: int) -> int:
    import hashlib

    chain = connect()
    contract = resolve_contract(chain)
    digest = hashlib.sha256(art.read_bytes()).digest()
    token_id = contract.token_of_image(digest)
    assert token_id != 0
    assert contract.total_minted() == minted_before + 1  # one token, not two
    entry = Journal(home / "journal.sqlite").find(
        chain_id=31337, contract=contract.address, image_sha256=digest.hex()
    )
    assert entry is not None and entry.state == "minted" and entry.token_id == token_id
    store = Blockstore.open(home / "ipfs" / "blocks")
    assert hashlib.sha256(store.cat(entry.image_cid)).digest() == digest
    assert hashlib.sha256(store.cat(entry.metadata_cid)).hexdigest() == entry.metadata_sha256
    assert run_cli("verify", str(token_id)).returncode == 0
    return token_id


@pytest.mark.parametrize("failpoint", ["after-store", "after-sign", "after-send", "before-receipt"])
def test_rerun_after_a_crash_finishes_the_same_mint(
    home: Path, tmp_path: Path, failpoint: str
) -> None:
    art = make_artwork(tmp_path / f"{failpoint}.png", seed=_stable_seed(failpoint))
    run_cli("chain", "up")
    before = resolve_contract(connect()).total_minted()
    crashed = run_cli(*mint_cmd(art), env={"PROVENANCE_FAILPOINT": failpoint})
    assert crashed.returncode == 137, crashed.stderr
    rerun = run_cli(*mint_cmd(art))
    assert rerun.returncode == 0, rerun.stderr
    result = json.loads(rerun.stdout)
    assert result["resumed"] is True
    assert assert_single_complete_token(home, art, before) == result["token_id"]
    again = run_cli(*mint_cmd(art))
    short = f"{result['token_id']:064x}"[:8]
    assert again.returncode != 0 and f"already minted as token {short}" in again.stderr


def test_signed_tx_whose_nonce_was_taken_is_signed_again(home: Path, tmp_path: Path) -> None:
    first = make_artwork(tmp_path / "first.png", seed=101)
    second = make_artwork(tmp_path / "second.png", seed=102)
    run_cli("chain", "up")
    before = resolve_contract(connect()).total_minted()
    crashed = run_cli(*mint_cmd(first), env={"PROVENANCE_FAILPOINT": "after-sign"})
    assert crashed.returncode == 137
    other = run_cli(*mint_cmd(second))  # takes the nonce the crashed transaction was signed with
    assert other.returncode == 0, other.stderr
    rerun = run_cli(*mint_cmd(first))
    assert rerun.returncode == 0, rerun.stderr
    assert (
        assert_single_complete_token(home, first, before + 1)
        == json.loads(rerun.stdout)["token_id"]
    )


def _with(args: list[str], option: str, value: str) -> list[str]:
    changed = list(args)
    changed[changed.index(option) + 1] = value
    return changed


@pytest.mark.parametrize("failpoint", ["after-sign", "after-send"])
def test_a_signed_mint_is_finished_only_with_its_own_message_and_key(
    home: Path, tmp_path: Path, failpoint: str
) -> None:
    """Issue 12 item 5: a re-run with a corrected message or donor key must not finish the old
    mint (sealed to the wrong key); it is refused, naming what differs."""
    art = make_artwork(tmp_path / "intent.png", seed=_stable_seed(f"intent-{failpoint}"))
    run_cli("chain", "up")
    before = resolve_contract(connect()).total_minted()
    original = mint_cmd(art)
    crashed = run_cli(*original, env={"PROVENANCE_FAILPOINT": failpoint})
    assert crashed.returncode == 137, crashed.stderr
    after_crash = resolve_contract(connect()).total_minted()  # after-send: anvil mined it
    from provenance.seal.envelope import encryption_public_key

    other_key = [*original[:-3], "--donor-encryption-key", encryption_public_key(b"\x07" * 32)]
    assert original[-3] == "--donor-pubkey"
    for changed, named in (
        (_with(original, "--message", "a corrected message"), "other message;"),
        ([*other_key, "--json"], "other donor key;"),
    ):
        refused = run_cli(*changed)
        assert refused.returncode == 2, refused.stderr
        assert named in refused.stderr and "already signed" in refused.stderr
    assert resolve_contract(connect()).total_minted() == after_crash
    rerun = run_cli(*original)
    assert rerun.returncode == 0, rerun.stderr
    token_id = assert_single_complete_token(home, art, before)
    env = {"DONOR_KEY": "0x" + bytes(DONOR.key).hex()}
    opened = run_cli("decrypt", str(token_id), "--private-key-env", "DONOR_KEY", env=env)
    assert opened.stdout.strip() == "hello from a crash test"


# -- redemptions: the same outbox, the same recovery ---------------------------------------------

REDEEMER = dev_accounts(3)[2]
REDEEMER_ENV = {"REDEEMER_KEY": "0x" + bytes(REDEEMER.key).hex()}


def _offer(tmp_path: Path, name: str, seed: int) -> Path:
    art = make_artwork(tmp_path / f"{name}.png", seed=seed)
    path = tmp_path / f"{name}.offer.json"
    made = run_cli("offer", str(art), "--min-donation", "1gwei", "-o", str(path), "--json")
    assert made.returncode == 0, made.stderr
    return path


def _redeem(path: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return run_cli(
        "redeem",
        str(path),
        "--private-key-env",
        "REDEEMER_KEY",
        "--message",
        "sealed across a crash",
        "--json",
        env={**REDEEMER_ENV, **(env or {})},
    )


@pytest.mark.parametrize(
    "failpoint", ["redeem-after-sign", "redeem-after-send", "redeem-before-receipt"]
)
def test_rerun_after_a_crash_finishes_the_same_redemption(
    home: Path, tmp_path: Path, failpoint: str
) -> None:
    run_cli("chain", "up")
    seed = {"redeem-after-sign": 501, "redeem-after-send": 502, "redeem-before-receipt": 503}
    path = _offer(tmp_path, failpoint, seed=seed[failpoint])
    contract = resolve_contract(connect())
    before_minted = contract.total_minted()
    before_nonce = contract.rpc.transaction_count(REDEEMER.address, "latest")
    crashed = _redeem(path, {"PROVENANCE_FAILPOINT": failpoint})
    assert crashed.returncode == 137, crashed.stderr
    journal = Journal(home / "journal.sqlite")
    voucher = json.loads(path.read_text())["voucher"]
    signer = to_checksum(voucher["signer"])  # voucher ids are scoped to their signer
    key = f"redeem:31337:{contract.address}:{signer}:{voucher['id']}"
    journaled = journal.transaction(key)
    assert journaled is not None and journaled.sender == REDEEMER.address  # journaled first
    rerun = _redeem(path)
    assert rerun.returncode == 0, rerun.stderr
    result = json.loads(rerun.stdout)
    assert result["resumed"] is True
    assert result["tx_hash"] == journaled.tx_hash  # the same transaction, not a second one
    assert contract.total_minted() == before_minted + 1
    assert contract.rpc.transaction_count(REDEEMER.address, "latest") == before_nonce + 1
    assert journal.transaction(key) is None  # done: the row is gone
    assert run_cli("verify", str(result["token_id"])).returncode == 0
    again = _redeem(path)
    assert again.returncode != 0 and "redeemed" in again.stderr


def test_a_release_killed_after_sending_is_finished_not_repeated(
    home: Path, tmp_path: Path
) -> None:
    """Releases go through the same outbox: the re-run reports the journaled release instead of
    sending a second one, and the payee is paid exactly once."""
    run_cli("chain", "up")
    redeemed = _redeem(_offer(tmp_path, "release", seed=510))
    assert redeemed.returncode == 0, redeemed.stderr
    contract = resolve_contract(connect())
    rpc = contract.rpc
    payee = dev_accounts(1)[0].address  # the default deployment: the admin is the only payee
    held = rpc.get_balance(contract.address)
    assert held > 0
    start = rpc.get_balance(payee)
    key = f"release:31337:{contract.address}:{payee}"
    args = ["release", "--private-key-env", "REDEEMER_KEY", "--json"]  # anyone may send it
    crashed = run_cli(*args, env={**REDEEMER_ENV, "PROVENANCE_FAILPOINT": "release-after-send"})
    assert crashed.returncode == 137, crashed.stderr
    journaled = Journal(home / "journal.sqlite").transaction(key)
    assert journaled is not None
    rerun = run_cli(*args, env=REDEEMER_ENV)
    assert rerun.returncode == 0, rerun.stderr
    (result,) = json.loads(rerun.stdout)["releases"]
    assert result["tx_hash"] == journaled.tx_hash and result["amount_wei"] == str(held)
    assert result["resumed"] is True
    assert rpc.get_balance(contract.address) == 0
    assert rpc.get_balance(payee) == start + held
    assert Journal(home / "journal.sqlite").transaction(key) is None


def test_a_cancel_killed_after_sending_is_finished_not_repeated(home: Path, tmp_path: Path) -> None:
    """Offer cancellations go through the same outbox: the re-run finishes the journaled one
    (the contract would refuse a second: the voucher is already canceled)."""
    run_cli("chain", "up")
    path = _offer(tmp_path, "cancel", seed=520)
    contract = resolve_contract(connect())
    voucher = json.loads(path.read_text())["voucher"]
    signer = to_checksum(voucher["signer"])
    key = f"cancel:31337:{contract.address}:{signer}:{voucher['id']}"
    nonce = contract.rpc.transaction_count(signer, "latest")
    crashed = run_cli(
        "offer", "cancel", str(path), "--json", env={"PROVENANCE_FAILPOINT": "cancel-after-send"}
    )
    assert crashed.returncode == 137, crashed.stderr
    journaled = Journal(home / "journal.sqlite").transaction(key)
    assert journaled is not None
    rerun = run_cli("offer", "cancel", str(path), "--json")
    assert rerun.returncode == 0, rerun.stderr
    result = json.loads(rerun.stdout)
    assert result["tx_hash"] == journaled.tx_hash and result["resumed"] is True
    assert contract.voucher_state(signer, bytes.fromhex(voucher["id"][2:])) == "canceled"
    assert contract.rpc.transaction_count(signer, "latest") == nonce + 1  # one transaction
    assert Journal(home / "journal.sqlite").transaction(key) is None
    assert "canceled" in _redeem(path).stderr


@pytest.mark.parametrize(
    ("column", "damage"), [("details", "not json"), ("details", "[]"), ("value", "lots")]
)
def test_a_damaged_journaled_redemption_is_one_line(
    home: Path, tmp_path: Path, column: str, damage: str
) -> None:
    """Issue 12 item 11: a damaged redemption row in the journal exited 70."""
    import sqlite3

    run_cli("chain", "up")
    path = _offer(tmp_path, f"damaged-{column}-{damage}", seed=_stable_seed(f"{column}{damage}"))
    crashed = _redeem(path, {"PROVENANCE_FAILPOINT": "redeem-after-sign"})
    assert crashed.returncode == 137, crashed.stderr
    with sqlite3.connect(home / "journal.sqlite") as db:
        (good,) = db.execute(f"SELECT {column} FROM transactions").fetchone()
        db.execute(f"UPDATE transactions SET {column} = ?", (damage,))
    db.close()
    refused = _redeem(path)
    assert refused.returncode == 3, refused.stderr
    assert "journal's transaction" in refused.stderr and "damaged" in refused.stderr
    with sqlite3.connect(home / "journal.sqlite") as db:
        db.execute(f"UPDATE transactions SET {column} = ?", (good,))
    db.close()
    finished = _redeem(path)
    assert finished.returncode == 0, finished.stderr


def test_a_signed_redemption_is_finished_only_with_its_own_donation_and_message(
    home: Path, tmp_path: Path
) -> None:
    """Issue 20, security finding 5: a redemption killed after signing and re-run with another
    --donation or --message sent the old one and exited 0. It is refused by name, nothing is
    sent, and the same options finish it."""
    run_cli("chain", "up")
    path = _offer(tmp_path, "redeem-intent", seed=530)
    contract = resolve_contract(connect())
    nonce = contract.rpc.transaction_count(REDEEMER.address, "pending")
    crashed = _redeem(path, {"PROVENANCE_FAILPOINT": "redeem-after-sign"})
    assert crashed.returncode == 137, crashed.stderr
    args = ["redeem", str(path), "--private-key-env", "REDEEMER_KEY", "--json"]
    for changed, named in (
        (["--message", "another message"], "message"),
        ([], "message"),
        (["--message", "sealed across a crash", "--donation", "2gwei"], "donation"),
    ):
        refused = run_cli(*args, *changed, env=REDEEMER_ENV)
        assert refused.returncode == 2, refused.stderr
        assert named in refused.stderr and "already signed" in refused.stderr
        assert "Traceback" not in refused.stderr
    assert contract.rpc.transaction_count(REDEEMER.address, "pending") == nonce  # nothing sent
    finished = _redeem(path)
    assert finished.returncode == 0, finished.stderr
    assert json.loads(finished.stdout)["resumed"] is True
    assert contract.rpc.transaction_count(REDEEMER.address, "latest") == nonce + 1


def test_a_signed_cancel_is_not_sent_after_the_offer_was_redeemed(
    home: Path, tmp_path: Path
) -> None:
    """Issue 20, security finding 5: a cancel killed after signing and re-run after the offer was
    redeemed broadcast a transaction bound to fail (gas spent for nothing). The re-run sends
    nothing, says why, and leaves no journal row behind."""
    run_cli("chain", "up")
    path = _offer(tmp_path, "cancel-redeemed", seed=540)
    contract = resolve_contract(connect())
    voucher = json.loads(path.read_text())["voucher"]
    signer = to_checksum(voucher["signer"])
    key = f"cancel:31337:{contract.address}:{signer}:{voucher['id']}"
    crashed = run_cli(
        "offer", "cancel", str(path), "--json", env={"PROVENANCE_FAILPOINT": "cancel-after-sign"}
    )
    assert crashed.returncode == 137, crashed.stderr
    assert Journal(home / "journal.sqlite").transaction(key) is not None
    redeemed = _redeem(path)
    assert redeemed.returncode == 0, redeemed.stderr
    nonce = contract.rpc.transaction_count(signer, "pending")
    rerun = run_cli("offer", "cancel", str(path), "--json")
    assert rerun.returncode == 2, rerun.stderr
    assert "redeemed" in rerun.stderr and "Traceback" not in rerun.stderr
    assert contract.rpc.transaction_count(signer, "pending") == nonce  # nothing broadcast
    assert Journal(home / "journal.sqlite").transaction(key) is None


def test_a_deployment_killed_after_sending_is_finished_not_repeated(home: Path) -> None:
    """Deployments go through the same outbox, under the send lock: the re-run reports the
    journaled deployment (one transaction, one contract) instead of deploying twice."""
    run_cli("chain", "up")
    artist = dev_accounts(1)[0].address
    rpc = connect().rpc
    nonce = rpc.transaction_count(artist, "latest")
    crashed = run_cli("deploy", "--json", env={"PROVENANCE_FAILPOINT": "deploy-after-send"})
    assert crashed.returncode == 137, crashed.stderr
    journaled = Journal(home / "journal.sqlite").transaction(f"deploy:31337:{artist}")
    assert journaled is not None
    rerun = run_cli("deploy", "--json")
    assert rerun.returncode == 0, rerun.stderr
    assert rpc.transaction_count(artist, "latest") == nonce + 1  # one deployment
    address = json.loads(rerun.stdout)["address"]
    assert rpc.get_receipt(journaled.tx_hash).contract_address.lower() == address.lower()  # type: ignore[union-attr]
    assert Journal(home / "journal.sqlite").transaction(f"deploy:31337:{artist}") is None


def test_a_batch_killed_after_a_window_was_sent_is_finished_once(
    home: Path, tmp_path: Path
) -> None:
    """kill -9 once the node took a window's 4 transactions (one request), before the batch
    marked them sent, while the next window is staged or signed: all 4 are journaled as signed
    (one commit before the send) and mined, the next window's never left. The re-run finds the
    4 mined, sends the journaled ones of the next window (their own nonces), mints the rest: one
    token per work, none twice, each with its content and its journal row. (A window the node
    took only part of: tests/workflows/test_concurrency.py, a refusal in the middle of one.)"""
    import csv
    import hashlib

    folder = tmp_path / "window"
    folder.mkdir()
    arts = [make_artwork(folder / f"w{i}.png", seed=_stable_seed(f"window-{i}")) for i in range(10)]
    with open(tmp_path / "window.csv", "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["artwork", "donor", "message", "donor_pubkey"])
        for i, art in enumerate(arts):
            writer.writerow([art.name, DONOR.address, f"thanks {i}", KEY])
    args = ["mint-batch", str(folder), "--donors", str(tmp_path / "window.csv"), "--window", "4"]
    assert run_cli("chain", "up").returncode == 0
    contract = resolve_contract(connect())
    before = contract.total_minted()
    crashed = run_cli(*args, "--json", env={"PROVENANCE_FAILPOINT": "batch-after-send"})
    assert crashed.returncode == 137, crashed.stderr
    digests = [hashlib.sha256(art.read_bytes()).digest() for art in arts]
    journal = Journal(home / "journal.sqlite")
    rows = [
        journal.find(chain_id=31337, contract=contract.address, image_sha256=d.hex())
        for d in digests
    ]
    assert [row.state if row else None for row in rows[:4]] == ["signed"] * 4
    # The next window may be staged and signed meanwhile (its sending waits for this one's), but
    # nothing of it was sent.
    assert {row.state if row else None for row in rows[4:]} <= {
        None,
        "prepared",
        "stored",
        "signed",
    }
    deadline = time.monotonic() + 10  # the node mines what it took as it goes
    while contract.total_minted() < before + 4 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert contract.total_minted() == before + 4  # the window sent; nothing after it
    assert [contract.token_of_image(d) != 0 for d in digests] == [True] * 4 + [False] * 6

    finished = run_cli(*args, "--json")
    assert finished.returncode == 0, finished.stderr
    report = json.loads(finished.stdout)
    assert (report["minted"], report["failed"], report["already_minted"]) == (10, 0, 0)
    assert contract.total_minted() == before + 10  # no work minted twice
    store = Blockstore.open(home / "ipfs" / "blocks")
    for art, digest in zip(arts, digests, strict=True):
        token_id = contract.token_of_image(digest)
        entry = journal.find(chain_id=31337, contract=contract.address, image_sha256=digest.hex())
        assert entry is not None and entry.state == "minted" and entry.token_id == token_id, art
        assert hashlib.sha256(store.cat(entry.image_cid)).digest() == digest
        metadata = store.cat(entry.metadata_cid)
        assert hashlib.sha256(metadata).digest() == contract.record_of(token_id).metadata_digest
        assert to_checksum(json.loads(metadata)["provenance"]["donor"]) == DONOR.address
    assert run_cli("verify", str(contract.token_of_image(digests[3]))).returncode == 0
