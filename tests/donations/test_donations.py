"""Donations on a real anvil: offer -> redeem -> verify -> decrypt -> release, and every way an
offer can be wrong, each refused before anything is sent (no funds, no tokens, no nonce move)."""

from __future__ import annotations

import functools
import json
import time
from pathlib import Path
from typing import Any

import pytest
from eth_account import Account
from PIL import Image

from provenance.chain.accounts import dev_accounts
from provenance.chain.address import to_checksum
from provenance.chain.contract import ProvenanceArt, deploy_provenance_art
from provenance.chain.rpc import RpcClient
from provenance.chain.tx import Sender
from provenance.chain.units import parse_amount, parse_duration
from provenance.content.offer import Offer, Voucher, voucher_digest, voucher_typed_data
from provenance.errors import InputError
from provenance.workflows.session import Session, open_session

from ..helpers import malleated
from ..workflows.conftest import invoke, make_artwork, one_line_error
from .conftest import OTHER_CHAIN_ID

ARTIST, DONOR, BENEFICIARY, STRANGER = (dev_accounts(6)[i] for i in (0, 1, 2, 5))
MESSAGE = "For the gallery, with love. Für immer ✨"
DONOR_ENV = {"DONOR_KEY": "0x" + bytes(DONOR.key).hex()}
MIN = 5 * 10**16  # 0.05 ether


def run(*args: str, env: dict[str, str] | None = None) -> Any:
    result = invoke(*args, env=env)
    assert result.exit_code == 0, (result.stdout, result.stderr)
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def collection(home: Path) -> Session:
    return open_session()


@pytest.fixture(scope="module")
def art_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("art")


_seed = iter(range(100, 10_000))


def new_offer(art_dir: Path, *extra: str) -> tuple[Path, dict[str, Any]]:
    seed = next(_seed)
    art = make_artwork(art_dir / f"work-{seed}.png", seed=seed)
    path = art_dir / f"offer-{seed}.json"
    out = run("offer", str(art), "--min-donation", "0.05ether", "-o", str(path), "--json", *extra)
    return path, out


def state(collection: Session) -> tuple[int, int, int, int]:
    rpc = collection.chain.rpc
    return (
        collection.contract.total_minted(),
        rpc.get_balance(collection.contract.address),
        rpc.get_balance(DONOR.address),
        rpc.transaction_count(DONOR.address, "latest"),
    )


def refused(
    collection: Session, offer: Path, *extra: str, env: dict[str, str] | None = None
) -> str:
    """Redeem must fail with one line, and nothing may move on chain."""
    before = state(collection)
    result = invoke(
        "redeem",
        str(offer),
        "--private-key-env",
        "DONOR_KEY",
        *extra,
        env={**DONOR_ENV, **(env or {})},
    )
    assert result.exit_code != 0, result.stdout
    line = one_line_error(result.stderr)
    assert state(collection) == before
    return line


def tampered(path: Path, edit: Any) -> Path:
    data = json.loads(path.read_text())
    edit(data)
    out = path.with_name(f"tampered-{time.monotonic_ns()}.json")
    out.write_text(json.dumps(data))
    return out


# -- the happy path ------------------------------------------------------------------------------


def test_offer_redeem_verify_decrypt_release(collection: Session, art_dir: Path) -> None:
    path, made = new_offer(art_dir, "--expires", "7d")
    offer = json.loads(path.read_text())
    assert offer["signature"].startswith("0x") and "key" not in json.dumps(offer).lower()
    assert Image.open(made["qr_png"]).size[0] > 100  # a real PNG was written
    assert made["url"].endswith(f"/offer/{made['id']}.html")
    assert offer["voucher"]["deadline"] - time.time() == pytest.approx(7 * 86400, abs=120)

    before = state(collection)
    out = run(
        "redeem",
        str(path),
        "--private-key-env",
        "DONOR_KEY",
        "--message",
        MESSAGE,
        "--donation",
        "0.08ether",
        "--json",
        env=DONOR_ENV,
    )
    token = out["token_id"]
    assert out["owner"] == DONOR.address and out["sealed_message"] is True
    assert int(out["donation_wei"]) == 8 * 10**16
    # Sealed to the donor's wallet-derived key, named beside the envelope, so the donor's browser
    # wallet opens it on the token page.
    event = collection.contract.minted_event(token)
    assert event is not None
    assert json.loads(bytes(event.args["sealedMessage"]))["key"] == "wallet-signature-v1"
    minted, held, donor_balance, _nonce = state(collection)
    assert minted == before[0] + 1 and held == before[1] + 8 * 10**16
    assert donor_balance < before[2] - 8 * 10**16  # paid the donation and gas

    report = invoke("verify", str(token), "--json")
    checks = {c["name"]: c["ok"] for c in json.loads(report.stdout)["checks"]}
    assert report.exit_code == 0, report.stdout
    assert checks == {
        "token": True,
        "record": True,
        "token-uri": True,
        "metadata": True,
        "image": True,
        "animation": None,
        "donor": True,
        "sealed-message": True,
        "generation": None,
        "credentials": None,
    }
    decrypted = invoke("decrypt", str(token), "--private-key-env", "DONOR_KEY", env=DONOR_ENV)
    assert decrypted.exit_code == 0 and decrypted.stdout.strip() == MESSAGE
    other = invoke(
        "decrypt", str(token), "--private-key-env", "K", env={"K": "0x" + bytes(STRANGER.key).hex()}
    )
    assert other.exit_code != 0

    ledger = run("donations", "--json")
    assert {
        "token_id": token,
        "amount_wei": str(8 * 10**16),
        "redeemer": DONOR.address,
    }.items() <= next(d for d in ledger["donations"] if d["token_id"] == token).items()
    assert int(ledger["balance_wei"]) == held

    # One payee (the default deployment: the admin alone) is paid everything; anyone may send the
    # release (here a stranger pays its gas), the Ether goes to the payee only.
    rpc = collection.chain.rpc
    assert [p["payee"] for p in ledger["payees"]] == [ARTIST.address]
    assert int(ledger["payees"][0]["due_wei"]) == held
    start = rpc.get_balance(ARTIST.address)
    stranger = {"K": "0x" + bytes(STRANGER.key).hex()}
    out = run("release", "--private-key-env", "K", "--json", env=stranger)
    assert [(r["payee"], int(r["amount_wei"])) for r in out["releases"]] == [(ARTIST.address, held)]
    assert rpc.get_balance(ARTIST.address) == start + held
    assert rpc.get_balance(collection.contract.address) == 0
    ledger = run("donations", "--json")
    assert int(ledger["released_wei"]) == held and ledger["payees"][0]["due_wei"] == "0"
    assert [int(r["amount_wei"]) for r in ledger["releases"]] == [held]

    # The offer is spent: a second redemption is refused, naming the token by its short id.
    short = f"{token:064x}"[:8]
    assert f"already redeemed (token {short})" in refused(collection, path)


def test_release_refusals_and_the_withdraw_pointer(collection: Session) -> None:
    nothing = invoke("release")
    assert nothing.exit_code == 2 and "nothing is due" in one_line_error(nothing.stderr)
    stranger = invoke("release", "--payee", STRANGER.address)
    assert stranger.exit_code == 2 and "is not a payee" in one_line_error(stranger.stderr)
    # withdraw is gone with contract v2: one line pointing at release, nothing sent.
    gone = invoke("withdraw", "--to", STRANGER.address, "--amount", "1ether")
    assert gone.exit_code == 2 and "provenance release" in one_line_error(gone.stderr)


def test_voucher_digest_equals_the_contracts_hashvoucher(collection: Session) -> None:
    voucher = Voucher(
        signer=ARTIST.address,
        recipient=DONOR.address,
        metadata_digest=bytes(range(32)),
        image_digest=bytes(range(1, 33)),
        min_donation=123,
        deadline=2**40,
        id=b"\x07" * 32,
    )
    local = voucher_digest(
        voucher, chain_id=collection.chain.chain_id, contract=collection.contract.address
    )
    assert local == bytes(collection.contract.call("hashVoucher", voucher.as_tuple()))
    signed = Account.sign_typed_data(
        ARTIST.key,
        full_message=voucher_typed_data(
            voucher, chain_id=collection.chain.chain_id, contract=collection.contract.address
        ),
    )
    assert bytes(signed.message_hash) == local


def test_open_offer_for_a_named_recipient_is_a_gift(collection: Session, art_dir: Path) -> None:
    path, _made = new_offer(art_dir, "--to", BENEFICIARY.address)
    out = run("redeem", str(path), "--private-key-env", "DONOR_KEY", "--json", env=DONOR_ENV)
    assert out["owner"] == BENEFICIARY.address
    assert invoke("verify", str(out["token_id"])).exit_code == 0


# -- refusals ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def offer(collection: Session, art_dir: Path) -> Path:
    return new_offer(art_dir)[0]


def test_under_payment(collection: Session, offer: Path) -> None:
    assert "below the offer's minimum of 0.05 ETH" in refused(
        collection, offer, "--donation", "0.049ether"
    )


def test_expired(collection: Session, art_dir: Path) -> None:
    path, _ = new_offer(art_dir, "--expires", "1s")
    time.sleep(2.1)
    assert "expired" in refused(collection, path)


def test_wrong_signer(collection: Session, offer: Path) -> None:
    """A voucher signed by someone who is not a minter, correctly signed by them."""
    data = json.loads(offer.read_text())
    voucher = Offer.from_json(data).voucher
    forged = Voucher(**{**voucher.__dict__, "signer": STRANGER.address})
    signed = Account.sign_typed_data(
        STRANGER.key,
        full_message=voucher_typed_data(
            forged, chain_id=data["chain_id"], contract=data["contract"]
        ),
    )
    data["voucher"]["signer"] = STRANGER.address
    data["signature"] = "0x" + bytes(signed.signature).hex()
    path = tampered(offer, lambda d: d.update(data))
    assert "is not a minter" in refused(collection, path)


TAMPER = {
    "name": lambda d: d.update(name="Another title"),
    "signer": lambda d: d["voucher"].update(signer=BENEFICIARY.address),
    "recipient": lambda d: d["voucher"].update(recipient=STRANGER.address),
    "metadataDigest": lambda d: d["voucher"].update(metadataDigest="0x" + "11" * 32),
    "imageDigest": lambda d: d["voucher"].update(imageDigest="0x" + "22" * 32),
    "minDonation": lambda d: d["voucher"].update(minDonation="1"),
    "deadline": lambda d: d["voucher"].update(deadline=d["voucher"]["deadline"] - 1),
    "id": lambda d: d["voucher"].update(id="0x" + "33" * 32),
    "signature": lambda d: d.update(signature=d["signature"][:-4] + "0000"),
    "signature_malleated": lambda d: d.update(signature=malleated(d["signature"])),
    "metadata_cid": lambda d: d.update(
        metadata_cid="bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku"
    ),
    "image_cid": lambda d: d.update(
        image_cid="bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku"
    ),
    "chain_id": lambda d: d.update(chain_id=OTHER_CHAIN_ID),
    "contract": lambda d: d.update(contract=STRANGER.address),
    "format": lambda d: d.update(format="something"),
}


# The check that must refuse each tampered field: a voucher field breaks the artist's signature,
# the rest are caught by the check that owns them.
FORGED = f"the offer's signature is not {ARTIST.address}'s over this voucher"
REFUSED_BY = {
    "name": "the offer's name 'Another title' differs from the signed metadata's",
    "signer": f"the offer's signature is not {BENEFICIARY.address}'s over this voucher",
    "recipient": FORGED,
    "metadataDigest": FORGED,
    "imageDigest": FORGED,
    "minDonation": FORGED,
    "deadline": FORGED,
    "id": FORGED,
    "signature": FORGED,
    # The same key's signature over the same voucher, its s flipped to the upper half: it
    # recovers the artist, but the contract's ECDSA refuses it (redeem would revert).
    "signature_malleated": "the offer's signature is not in the form the contract accepts (its s"
    " is in the upper half of the curve order, a malleated copy)",
    "metadata_cid": "the offer's metadata CID bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku"
    " is not the signed digest's",
    "image_cid": "the offer's image CID bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku"
    " differs from the signed metadata's",
    "chain_id": f"the offer is for chain {OTHER_CHAIN_ID}, but devnet is chain",
    # redeem acts on the configured collection, never the one the offer names.
    "contract": f"the offer is for contract {STRANGER.address}, not this collection",
    "format": "not a provenance offer",
}


def test_every_tampered_field_has_its_expected_refusal() -> None:
    assert sorted(REFUSED_BY) == sorted(TAMPER)


@pytest.mark.parametrize("field", sorted(TAMPER))
def test_tampered_offer(collection: Session, offer: Path, field: str) -> None:
    line = refused(collection, tampered(offer, TAMPER[field]))
    assert line.startswith("Error: ")
    assert REFUSED_BY[field] in line, line


def test_garbage_offer_files(collection: Session, tmp_path: Path) -> None:
    (tmp_path / "x.json").write_text("{not json")
    assert "is not valid JSON" in refused(collection, tmp_path / "x.json")
    assert "not found" in refused(collection, tmp_path / "missing.json")


@pytest.fixture(scope="module")
def second_contract(collection: Session) -> str:
    """Another deployment of the same collection contract on the same chain (not recorded)."""
    sender = Sender(collection.chain.rpc, ARTIST, chain_id=collection.chain.chain_id)
    address, _ = deploy_provenance_art(sender)
    return address


def test_replay_on_another_contract(collection: Session, offer: Path, second_contract: str) -> None:
    other = ProvenanceArt(collection.chain.rpc, second_contract)
    minted = other.total_minted()
    line = refused(collection, offer, "--contract", second_contract)
    assert "is for contract" in line
    # An offer naming another contract (an attacker's own deployment) is refused, naming both
    # addresses: the donation goes only to the configured collection unless --contract says so.
    moved = tampered(offer, lambda d: d.update(contract=second_contract))
    line = refused(collection, moved)
    assert f"the offer is for contract {second_contract}" in line
    assert collection.contract.address in line
    # Acting on that collection explicitly: rewriting the offer broke its signature (EIP-712).
    assert "signature" in refused(collection, moved, "--contract", second_contract)
    assert other.total_minted() == minted


def test_replay_on_another_chain(collection: Session, offer: Path, other_chain: str) -> None:
    rpc = RpcClient(other_chain)
    address, _ = deploy_provenance_art(Sender(rpc, ARTIST, chain_id=OTHER_CHAIN_ID))
    other = ProvenanceArt(rpc, address)
    before = (rpc.get_balance(DONOR.address), rpc.transaction_count(DONOR.address, "latest"))
    line = refused(collection, offer, "--rpc-url", other_chain, "--contract", address)
    assert f"is for chain {collection.chain.chain_id}" in line
    moved = tampered(offer, lambda d: d.update(chain_id=OTHER_CHAIN_ID, contract=address))
    assert "signature" in refused(
        collection, moved, "--rpc-url", other_chain, "--contract", address
    )
    # The contract itself refuses the replayed voucher too.
    voucher = Offer.from_json(json.loads(offer.read_text())).voucher
    data = other.abi.encode_call(
        "redeem",
        voucher.as_tuple(),
        bytes.fromhex(json.loads(offer.read_text())["signature"][2:]),
        b"",
    )
    from provenance.errors import ContractRevert

    with pytest.raises(ContractRevert) as caught:
        rpc.estimate_gas(
            {"from": DONOR.address, "to": address, "data": "0x" + data.hex(), "value": hex(MIN)}
        )
    assert other.abi.decode_error(caught.value.data).name == "InvalidVoucherSignature"  # type: ignore[union-attr]
    assert other.total_minted() == 0
    assert (
        rpc.get_balance(DONOR.address),
        rpc.transaction_count(DONOR.address, "latest"),
    ) == before


def test_tampered_content_on_ipfs(collection: Session, offer: Path, home: Path) -> None:
    from provenance.ipfs import Blockstore
    from provenance.ipfs.cid import CID

    data = json.loads(offer.read_text())
    store = Blockstore.open(home / "ipfs" / "blocks")
    block = store._path(CID.parse(data["image_cid"]))
    original = block.read_bytes()
    try:
        block.write_bytes(original[:-1] + bytes([original[-1] ^ 1]))
        assert "image" in refused(collection, offer)
    finally:
        block.write_bytes(original)


# -- units ---------------------------------------------------------------------------------------


def test_amounts_and_durations() -> None:
    assert parse_amount("0.05ether") == 5 * 10**16
    assert parse_amount("20 gwei") == 20 * 10**9
    assert parse_amount("1000") == parse_amount("1000wei") == 1000
    assert parse_amount("1e-18ether") == 1
    assert parse_duration("7d") == 604800 and parse_duration("90s") == 90
    for bad in ("0.5wei", "-1ether", "ether", "1 dollar", "nan", "inf ether"):
        with pytest.raises(InputError):
            parse_amount(bad)
    for bad in ("7", "d", "0d", "1.5h", "-3m"):
        with pytest.raises(InputError):
            parse_duration(bad)


def test_a_redeem_killed_after_signing_is_finished_by_a_rerun(
    collection: Session, art_dir: Path
) -> None:
    from ..workflows.conftest import run_cli

    path, _ = new_offer(art_dir)
    before = state(collection)
    crashed = run_cli(
        "redeem",
        str(path),
        "--private-key-env",
        "DONOR_KEY",
        "--json",
        env={**DONOR_ENV, "PROVENANCE_FAILPOINT": "redeem-after-sign"},
    )
    assert crashed.returncode == 137
    assert state(collection) == before  # signed and journaled, never sent
    out = run("redeem", str(path), "--private-key-env", "DONOR_KEY", "--json", env=DONOR_ENV)
    assert out["resumed"] is True
    minted, held, _balance, nonce = state(collection)
    assert (minted, held, nonce) == (before[0] + 1, before[1] + MIN, before[3] + 1)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("--min-donation", "lots"), "is not a number"),
        (("--min-donation", "0.05ether", "--expires", "soon"), "duration"),
        (("--min-donation", "0.05ether", "--to", "0x1234"), "not an Ethereum address"),
        (("--min-donation", "0.05ether", "-o", "/nonexistent/dir/offer.json"), "does not exist"),
    ],
)
def test_offer_bad_input(
    collection: Session, art_dir: Path, args: tuple[str, ...], expected: str
) -> None:
    art = make_artwork(art_dir / "bad-input.png", seed=999)
    argv = ["offer", str(art), *args]
    if "-o" not in args:
        argv += ["-o", str(art_dir / "bad.json")]
    result = invoke(*argv)
    assert result.exit_code != 0
    assert expected in one_line_error(result.stderr)
    assert not (art_dir / "bad.json").exists()


# -- a named recipient's message (M6) ------------------------------------------------------------


def test_only_the_named_recipient_may_attach_a_message(collection: Session, art_dir: Path) -> None:
    path, _made = new_offer(art_dir, "--to", BENEFICIARY.address)
    # Someone else (who saw the offer, or the recipient's pending redemption) is refused up front.
    line = refused(collection, path, "--message", "not yours to write")
    assert f"the offer is for {BENEFICIARY.address}: only they may attach a sealed message" in line
    assert DONOR.address in line
    # --check-only with a message says the same, for the same account.
    check = invoke(
        "redeem",
        str(path),
        "--check-only",
        "--private-key-env",
        "DONOR_KEY",
        "--message",
        "x",
        env=DONOR_ENV,
    )
    assert "only they may attach a sealed message" in one_line_error(check.stderr)

    # The contract itself refuses it too, with the offending values.
    offer = Offer.from_json(json.loads(path.read_text()))
    contract = collection.contract
    data = contract.abi.encode_call(
        "redeem",
        offer.voucher.as_tuple(),
        offer.signature,
        b'{"version":"secp256k1-ecies","ciphertext":"AAAA"}',
    )
    from provenance.errors import ContractRevert

    with pytest.raises(ContractRevert) as caught:
        collection.chain.rpc.estimate_gas(
            {
                "from": DONOR.address,
                "to": contract.address,
                "data": "0x" + data.hex(),
                "value": hex(MIN),
            }
        )
    error = contract.abi.decode_error(caught.value.data)
    assert error is not None and error.name == "SealedMessageNotFromRecipient"
    assert bytes(error.args["id"]) == offer.voucher.id
    assert error.args["caller"].lower() == DONOR.address.lower()

    # The recipient attaches their own message, sealed to their own key.
    env = {"K": "0x" + bytes(BENEFICIARY.key).hex()}
    out = run(
        "redeem", str(path), "--private-key-env", "K", "--message", MESSAGE, "--json", env=env
    )
    assert out["owner"] == BENEFICIARY.address and out["sealed_message"] is True
    assert invoke("verify", str(out["token_id"])).exit_code == 0
    decrypted = invoke("decrypt", str(out["token_id"]), "--private-key-env", "K", env=env)
    assert decrypted.stdout.strip() == MESSAGE


# -- contract-wallet (ERC-1271) artists (M5) -----------------------------------------------------

WALLET_OWNER = dev_accounts(6)[3]


@pytest.fixture(scope="module")
def wallet(collection: Session) -> str:
    """Foundry's mock ERC-1271 wallet (solidity/test/Mocks.sol), compiled through py-solc-x and
    the solc adapter, deployed for WALLET_OWNER and granted MINTER_ROLE by the artist."""
    return deploy_wallet(collection)


@functools.cache
def _wallet_bytecode() -> bytes:
    from build_contracts import ROOT, compile_sources

    source = "solidity/test/Mocks.sol"
    output = compile_sources([ROOT / source])
    return bytes.fromhex(output["contracts"][source]["ERC1271Wallet"]["evm"]["bytecode"]["object"])


def deploy_wallet(collection: Session) -> str:
    """A fresh ERC-1271 wallet of WALLET_OWNER, granted MINTER_ROLE by the artist."""
    from eth_abi.abi import encode

    from provenance.chain.contract import MINTER_ROLE

    bytecode = _wallet_bytecode()
    artist = Sender(collection.chain.rpc, ARTIST, chain_id=collection.chain.chain_id)
    receipt = artist.transact(
        to=None, data=bytecode + encode(["address"], [WALLET_OWNER.address]), action="deploy wallet"
    )
    address = to_checksum(str(receipt.contract_address))
    contract = collection.contract
    artist.transact(
        to=contract.address,
        abi=contract.abi,
        action="grantRole",
        data=contract.abi.encode_call("grantRole", MINTER_ROLE, address),
    )
    assert contract.is_minter(address)
    return address


def wallet_offer(source: Path, wallet: str, key: bytes) -> Path:
    """``source``'s offer re-issued with the wallet as signer, signed by ``key`` (the wallet's
    owner approves what its key signed, as a 1-of-1 Safe does)."""
    data = json.loads(source.read_text())
    voucher = Voucher(**{**Offer.from_json(data).voucher.__dict__, "signer": wallet})
    signed = Account.sign_typed_data(
        key,
        full_message=voucher_typed_data(
            voucher, chain_id=data["chain_id"], contract=data["contract"]
        ),
    )
    data["voucher"]["signer"] = wallet
    data["signature"] = "0x" + bytes(signed.signature).hex()
    return tampered(source, lambda d: d.update(data))


def test_an_offer_signed_by_a_contract_wallet_is_redeemed(
    collection: Session, art_dir: Path, wallet: str
) -> None:
    path = wallet_offer(new_offer(art_dir)[0], wallet, WALLET_OWNER.key)
    before = state(collection)
    out = run(
        "redeem",
        str(path),
        "--private-key-env",
        "DONOR_KEY",
        "--message",
        MESSAGE,
        "--json",
        env=DONOR_ENV,
    )
    assert out["owner"] == DONOR.address and out["sealed_message"] is True
    assert state(collection)[:2] == (before[0] + 1, before[1] + MIN)
    # VoucherRedeemed's topics: signer, id, tokenId (ids are scoped to their signer).
    redeemed = collection.contract.events(
        "VoucherRedeemed", topics=[None, json.loads(path.read_text())["voucher"]["id"]]
    )
    assert [int(e.args["tokenId"]) for e in redeemed] == [out["token_id"]]
    assert invoke("verify", str(out["token_id"])).exit_code == 0


def test_an_offer_the_contract_wallet_does_not_approve_is_refused(
    collection: Session, art_dir: Path, wallet: str
) -> None:
    path = wallet_offer(new_offer(art_dir)[0], wallet, STRANGER.key)
    line = refused(collection, path)
    assert f"the contract wallet {wallet} does not approve the offer's signature" in line


def test_an_offer_from_a_wallet_that_is_not_a_minter_is_refused(
    collection: Session, art_dir: Path
) -> None:
    from provenance.chain.contract import MINTER_ROLE

    # A wallet of its own: a revoked minter can never be granted the role again.
    wallet = deploy_wallet(collection)
    path = wallet_offer(new_offer(art_dir)[0], wallet, WALLET_OWNER.key)
    contract = collection.contract
    artist = Sender(collection.chain.rpc, ARTIST, chain_id=collection.chain.chain_id)
    artist.transact(
        to=contract.address,
        abi=contract.abi,
        action="revokeRole",
        data=contract.abi.encode_call("revokeRole", MINTER_ROLE, wallet),
    )
    assert f"the voucher's signer {wallet} is not a minter" in refused(collection, path)


# -- resuming someone else's redemption (L6) -----------------------------------------------------


def test_an_interrupted_redemption_is_not_finished_by_another_account(
    collection: Session, art_dir: Path
) -> None:
    from ..workflows.conftest import run_cli

    path, _ = new_offer(art_dir)
    before = state(collection)
    crashed = run_cli(
        "redeem",
        str(path),
        "--private-key-env",
        "DONOR_KEY",
        "--json",
        env={**DONOR_ENV, "PROVENANCE_FAILPOINT": "redeem-after-sign"},
    )
    assert crashed.returncode == 137
    rpc = collection.chain.rpc
    stranger_nonce = rpc.transaction_count(STRANGER.address, "latest")
    result = invoke(
        "redeem", str(path), "--private-key-env", "K", env={"K": "0x" + bytes(STRANGER.key).hex()}
    )
    assert result.exit_code != 0
    line = one_line_error(result.stderr)
    assert f"an interrupted redemption of this offer by {DONOR.address} is pending" in line
    assert f"not {STRANGER.address}" in line
    assert state(collection) == before
    assert rpc.transaction_count(STRANGER.address, "latest") == stranger_nonce
    # The account that signed it finishes it.
    out = run("redeem", str(path), "--private-key-env", "DONOR_KEY", "--json", env=DONOR_ENV)
    assert out["resumed"] is True and out["owner"] == DONOR.address
