"""Contract v2 from the CLI on a real anvil: offers canceled and listed, donations split among two
payees and released to the wei, the minter role granted and revoked."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from provenance.chain.accounts import dev_accounts
from provenance.ipfs import Blockstore
from provenance.workflows.session import Session, open_session

from ..workflows.conftest import invoke, make_artwork, one_line_error

ACCOUNTS = dev_accounts(8)
ARTIST, DONOR, PAYEE_A, PAYEE_B, STRANGER, MINTER2 = (ACCOUNTS[i] for i in (0, 1, 3, 4, 5, 6))


def key_env(account: Any) -> dict[str, str]:
    return {"K": "0x" + bytes(account.key).hex()}


def run(*args: str, env: dict[str, str] | None = None) -> Any:
    result = invoke(*args, env=env)
    assert result.exit_code == 0, (result.stdout, result.stderr)
    return json.loads(result.stdout)


def fails(*args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    result = invoke(*args, env=env)
    assert result.exit_code != 0, result.stdout
    return result.exit_code, one_line_error(result.stderr)


@pytest.fixture(scope="module")
def collection(home: Path) -> Session:
    return open_session()


_seed = iter(range(7000, 9000))


def new_offer(folder: Path, *extra: str, env: dict[str, str] | None = None) -> Path:
    seed = next(_seed)
    art = make_artwork(folder / f"work-{seed}.png", seed=seed)
    path = folder / f"offer-{seed}.json"
    run(
        "offer", str(art), "--min-donation", "0.05ether", "-o", str(path), "--json", *extra, env=env
    )
    return path


def chain_state(collection: Session, offer: Path) -> tuple[int, ...]:
    """What a refused redemption must leave untouched: works minted, the contract's and the
    donor's balances, the donor's nonce, and whether the offered image is a token."""
    rpc = collection.chain.rpc
    image = bytes.fromhex(json.loads(offer.read_text())["voucher"]["imageDigest"][2:])
    return (
        collection.contract.total_minted(),
        rpc.get_balance(collection.contract.address),
        rpc.get_balance(DONOR.address),
        rpc.transaction_count(DONOR.address, "latest"),
        collection.contract.token_of_image(image),
    )


def redeem_refused(collection: Session, offer: Path) -> str:
    before = chain_state(collection, offer)
    _code, line = fails("redeem", str(offer), "--private-key-env", "K", env=key_env(DONOR))
    assert chain_state(collection, offer) == before
    assert before[-1] == 0  # no token for the offered image
    return line


def states(*extra: str) -> dict[str, str]:
    return {o["id"]: o["state"] for o in run("offer", "list", "--json", *extra)["offers"]}


def test_offer_cancel_then_redeem_is_refused_with_nothing_moved(
    collection: Session, tmp_path: Path
) -> None:
    offer = new_offer(tmp_path)
    offer_id = json.loads(offer.read_text())["voucher"]["id"]
    assert states()[offer_id] == "open"
    # Neither a stranger nor a non-signer minter may cancel it; nothing is sent.
    code, line = fails(
        "offer", "cancel", str(offer), "--private-key-env", "K", env=key_env(STRANGER)
    )
    assert code == 1 and "may not cancel this offer" in line
    human = invoke("offer", "cancel", str(offer))
    assert human.exit_code == 0, human.output
    assert human.stdout.count("\n") == 1 and "canceled offer" in human.stdout
    assert collection.contract.voucher_state(ARTIST.address, bytes.fromhex(offer_id[2:])) == (
        "canceled"
    )
    assert states()[offer_id] == "canceled"
    line = redeem_refused(collection, offer)
    assert "was canceled by " + ARTIST.address in line
    # Canceling twice is refused before sending (one line, exit 2).
    code, line = fails("offer", "cancel", str(offer), "--json")
    assert code == 2 and "already canceled" in line
    # The gallery no longer shows it.
    from provenance.gallery.data import collect

    shown = collect(collection, Blockstore.open())
    assert offer_id not in {entry.id for entry in shown.offers}


def test_offer_list_shows_every_state(collection: Session, tmp_path: Path) -> None:
    redeemed, expiring, still_open = (new_offer(tmp_path) for _ in range(3))
    expiring = new_offer(tmp_path, "--expires", "1s")
    run("redeem", str(redeemed), "--private-key-env", "K", "--json", env=key_env(DONOR))
    time.sleep(2.1)
    found = states()
    ids = {p: json.loads(p.read_text())["voucher"]["id"] for p in (redeemed, expiring, still_open)}
    assert found[ids[redeemed]] == "redeemed"
    assert found[ids[expiring]] == "expired"
    assert found[ids[still_open]] == "open"
    human = invoke("offer", "list")
    assert human.exit_code == 0 and "expired" in human.stdout and "redeemed" in human.stdout
    # The bare `offer ARTWORK ...` form still makes an offer; `offer make` is the same command.
    art = make_artwork(tmp_path / "made.png", seed=4242)
    made = run(
        "offer",
        "make",
        str(art),
        "--min-donation",
        "1wei",
        "-o",
        str(tmp_path / "m.json"),
        "--json",
    )
    assert found.get(made["id"]) is None and states()[made["id"]] == "open"
    code, line = fails("offer")  # bare: asks for the artwork, as before offer had subcommands
    assert code == 2 and "Missing argument 'ARTWORK'" in line


def test_minter_role_granted_and_revoked(collection: Session, tmp_path: Path) -> None:
    minter2 = key_env(MINTER2)
    code, line = fails(
        "offer",
        str(make_artwork(tmp_path / "x.png", seed=1)),
        "--min-donation",
        "1wei",
        "-o",
        str(tmp_path / "x.offer.json"),
        "--private-key-env",
        "K",
        env=minter2,
    )
    assert "is not a minter" in line
    # Only an admin grants: a stranger is refused before anything is sent.
    nonce = collection.chain.rpc.transaction_count(STRANGER.address, "latest")
    code, line = fails(
        "roles", "grant", "minter", MINTER2.address, "--private-key-env", "K", env=key_env(STRANGER)
    )
    assert code == 1 and "not an admin" in line
    assert collection.chain.rpc.transaction_count(STRANGER.address, "latest") == nonce
    granted = invoke("roles", "grant", "minter", MINTER2.address)
    assert granted.exit_code == 0 and granted.stdout.count("\n") == 1
    assert f"{MINTER2.address} is a minter" in granted.stdout
    again = run("roles", "grant", "minter", MINTER2.address, "--json")
    assert again["changed"] is False and again["tx_hash"] is None
    listed = run("roles", "list", "--json")
    assert set(listed["minter"]) == {ARTIST.address, MINTER2.address}
    assert listed["admin"] == [ARTIST.address]
    # The new minter's offers redeem while it holds the role...
    first = new_offer(tmp_path, "--private-key-env", "K", env=minter2)
    second = new_offer(tmp_path, "--private-key-env", "K", env=minter2)
    third = new_offer(tmp_path, "--private-key-env", "K", env=minter2)
    out = run("redeem", str(first), "--private-key-env", "K", "--json", env=key_env(DONOR))
    assert collection.contract.owner_of(out["token_id"]) == DONOR.address
    # ...and are refused once it is revoked, with nothing moved.
    revoked = run("roles", "revoke", "minter", MINTER2.address, "--json")
    assert revoked["changed"] is True and revoked["granted"] is False
    assert not collection.contract.is_minter(MINTER2.address)
    assert "is not a minter" in redeem_refused(collection, second)
    assert run("roles", "list", "--json")["minter"] == [ARTIST.address]
    # A revoked minter may still withdraw its offers for good; the admin may cancel any.
    run("offer", "cancel", str(second), "--private-key-env", "K", "--json", env=minter2)
    by_admin = run("offer", "cancel", str(third), "--json")
    assert by_admin["canceled_by"] == ARTIST.address and by_admin["signer"] == MINTER2.address


def test_two_payees_are_released_exactly(collection: Session, tmp_path: Path) -> None:
    """Deployed with 60/40 shares: each payee is paid its floored cut to the wei, by whoever sends
    the release; the wei that rounding leaves is paid once later donations lift the cuts."""
    deployed = run(
        "deploy", "--payee", f"{PAYEE_A.address}:60", "--payee", f"{PAYEE_B.address}:40", "--json"
    )
    assert deployed["payees"] == [
        {"payee": PAYEE_A.address, "shares": 60},
        {"payee": PAYEE_B.address, "shares": 40},
    ]
    fresh = open_session()  # the deployment is now this chain's collection
    assert fresh.contract.address == deployed["address"] != collection.contract.address
    rpc = fresh.chain.rpc
    first = 5 * 10**16 + 7
    offer = new_offer(tmp_path)
    run(
        "redeem",
        str(offer),
        "--private-key-env",
        "K",
        "--donation",
        f"{first}wei",
        "--json",
        env=key_env(DONOR),
    )
    ledger = run("donations", "--json")
    due = {p["payee"]: int(p["due_wei"]) for p in ledger["payees"]}
    assert due == {PAYEE_A.address: first * 60 // 100, PAYEE_B.address: first * 40 // 100}
    assert due[PAYEE_A.address] == 3 * 10**16 + 4 and due[PAYEE_B.address] == 2 * 10**16 + 2
    start = {a.address: rpc.get_balance(a.address) for a in (PAYEE_A, PAYEE_B)}
    released = run("release", "--private-key-env", "K", "--json", env=key_env(STRANGER))
    assert {r["payee"]: int(r["amount_wei"]) for r in released["releases"]} == due
    for payee in (PAYEE_A, PAYEE_B):
        assert rpc.get_balance(payee.address) == start[payee.address] + due[payee.address]
    assert rpc.get_balance(fresh.contract.address) == 1  # one wei of rounding, not lost
    code, line = fails("release")
    assert code == 2 and "nothing is due" in line
    # A second donation: the dust is paid as the cuts pass the next whole wei; --payee pays one.
    second = 5 * 10**16 + 3
    run(
        "redeem",
        str(new_offer(tmp_path)),
        "--private-key-env",
        "K",
        "--donation",
        f"{second}wei",
        "--json",
        env=key_env(DONOR),
    )
    total = first + second
    b_due = total * 40 // 100 - due[PAYEE_B.address]
    before_b = rpc.get_balance(PAYEE_B.address)
    only_b = run("release", "--payee", PAYEE_B.address, "--json")
    assert [(r["payee"], int(r["amount_wei"])) for r in only_b["releases"]] == [
        (PAYEE_B.address, b_due)
    ]
    assert rpc.get_balance(PAYEE_B.address) == before_b + b_due
    ledger = run("donations", "--json")
    by_payee = {p["payee"]: p for p in ledger["payees"]}
    assert int(by_payee[PAYEE_A.address]["due_wei"]) == total * 60 // 100 - due[PAYEE_A.address]
    assert by_payee[PAYEE_B.address]["due_wei"] == "0"
    assert int(by_payee[PAYEE_B.address]["released_wei"]) == total * 40 // 100
    history = [(r["payee"], int(r["amount_wei"])) for r in ledger["releases"]]
    assert history == [
        (PAYEE_A.address, due[PAYEE_A.address]),
        (PAYEE_B.address, due[PAYEE_B.address]),
        (PAYEE_B.address, b_due),
    ]
    # released + balance == donations
    assert int(ledger["released_wei"]) + rpc.get_balance(fresh.contract.address) == total
    human = invoke("donations").stdout
    assert "60 (60%)" in human and "40 (40%)" in human
    # A bad --payee is a usage error before anything connects.
    code, line = fails("deploy", "--payee", f"{PAYEE_A.address}:0")
    assert code == 2
    code, line = fails(
        "deploy", "--payee", f"{PAYEE_A.address}:1", "--payee", f"{PAYEE_A.address}:2"
    )
    assert code == 2 and "twice" in line
