"""End to end on a real anvil: mint -> verify -> decrypt, restarts, duplicates, tampering."""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path

import pytest
from eth_keys.datatypes import PrivateKey

from provenance.chain.accounts import dev_accounts
from provenance.chain.devnet import Devnet
from provenance.ipfs import Blockstore
from provenance.ipfs.cid import CID

from .conftest import invoke, make_artwork, one_line_error, run_cli

DONOR = dev_accounts(2)[1]
MESSAGE = "Thank you for the portraits. Für immer ✨"


def donor_pubkey() -> str:
    return str(PrivateKey(bytes(DONOR.key)).public_key.to_hex())


@pytest.fixture(scope="module")
def minted(home: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    art = make_artwork(tmp_path_factory.mktemp("art") / "portrait.png", seed=1)
    result = invoke(
        "mint",
        str(art),
        "--donor",
        DONOR.address,
        "--message",
        MESSAGE,
        "--donor-pubkey",
        donor_pubkey(),
        "--attribute",
        "series=portraits",
        "--json",
    )
    assert result.exit_code == 0, result.output
    return {"art": art, **json.loads(result.stdout)}


def verify_json(token_id: int) -> tuple[int, dict[str, object]]:
    result = invoke("verify", str(token_id), "--json")
    return result.exit_code, json.loads(result.stdout)


def checks(report: dict[str, object]) -> dict[str, object]:
    return {c["name"]: c["ok"] for c in report["checks"]}  # type: ignore[index,union-attr]


def test_mint_verify_decrypt(minted: dict[str, object]) -> None:
    assert minted["token_id"] == 1
    assert minted["sealed_message"] is True and minted["donor_key_verified"] is True
    code, report = verify_json(1)
    assert code == 0, report
    assert report["ok"] is True and report["owner"] == DONOR.address
    assert checks(report) == {
        "token": True,
        "record": True,
        "token-uri": True,
        "metadata": True,
        "image": True,
        "animation": None,
        "donor": True,
        "sealed-message": True,
        "generation": None,
    }
    env = {"DONOR_KEY": "0x" + bytes(DONOR.key).hex()}
    result = invoke("decrypt", "1", "--private-key-env", "DONOR_KEY", env=env)
    assert result.exit_code == 0
    assert result.stdout.strip() == MESSAGE


def test_metadata_is_what_the_chain_commits_to(minted: dict[str, object], home: Path) -> None:
    store = Blockstore.open(home / "ipfs" / "blocks")
    data = store.cat(str(minted["metadata_cid"]))
    metadata = json.loads(data)
    assert metadata["image"] == f"ipfs://{minted['image_cid']}"
    assert metadata["provenance"]["donor"] == DONOR.address
    assert metadata["attributes"] == [{"trait_type": "series", "value": "portraits"}]
    assert metadata["provenance"]["sealed_message"]["version"] == "secp256k1-ecies"
    assert CID.parse(str(minted["metadata_cid"])).version == 1


def test_same_artwork_twice_is_refused_naming_the_token(minted: dict[str, object]) -> None:
    result = run_cli("mint", str(minted["art"]), "--donor", DONOR.address)
    assert result.returncode != 0
    line = one_line_error(result.stderr)
    assert "already minted as token 1" in line


def test_state_survives_down_up_and_a_killed_anvil(minted: dict[str, object], home: Path) -> None:
    devnet = Devnet(home / "devnet")
    assert invoke("chain", "down").exit_code == 0
    assert devnet.info() is None
    assert invoke("chain", "up").exit_code == 0
    assert verify_json(1)[0] == 0
    # SIGKILL: no chance to dump state on exit; --state-interval 1 must have saved it.
    import time

    # Wait for a periodic dump taken after the last mint (under load it can come late).
    written_after = time.time()
    deadline = time.monotonic() + 20
    while devnet.state_file.stat().st_mtime <= written_after:
        assert time.monotonic() < deadline, "anvil did not dump its state"
        time.sleep(0.1)
    info = devnet.info()
    assert info is not None
    os.kill(info.pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while (
        Path(f"/proc/{info.pid}/cmdline").exists()
        and Path(f"/proc/{info.pid}/cmdline").read_bytes()
    ):
        assert time.monotonic() < deadline, "anvil survived SIGKILL"
        time.sleep(0.05)
    status = invoke("chain", "status", "--json")
    assert json.loads(status.stdout)["running"] is False  # the stale pid is detected
    code, report = verify_json(1)  # starts the devnet again from its state file
    assert code == 0, report


def test_tampered_image_fails_the_image_check(
    minted: dict[str, object], home: Path, tmp_path: Path
) -> None:
    art = make_artwork(tmp_path / "b.png", seed=7)
    result = invoke("mint", str(art), "--donor", DONOR.address, "--json")
    token = json.loads(result.stdout)
    store = Blockstore.open(home / "ipfs" / "blocks")
    path = store._path(CID.parse(token["image_cid"]))
    original = path.read_bytes()
    path.chmod(0o644)
    path.write_bytes(original[:100] + bytes([original[100] ^ 1]) + original[101:])
    try:
        code, report = verify_json(token["token_id"])
        assert code == 1
        assert checks(report)["image"] is False
        assert checks(report)["metadata"] is True
        human = run_cli("verify", str(token["token_id"]))
        assert human.returncode == 1 and "NOT verified: image" in human.stdout
    finally:
        path.write_bytes(original)


def test_tampered_metadata_fails_the_metadata_check(minted: dict[str, object], home: Path) -> None:
    store = Blockstore.open(home / "ipfs" / "blocks")
    path = store._path(CID.parse(str(minted["metadata_cid"])))
    original = path.read_bytes()
    path.chmod(0o644)
    path.write_bytes(original.replace(b"portraits", b"Portraits"))
    try:
        code, report = verify_json(1)
        assert code == 1
        assert checks(report)["metadata"] is False
        assert checks(report)["image"] is None  # skipped: nothing after it is trusted
        result = run_cli(
            "decrypt", "1", "--private-key-env", "K", env={"K": "0x" + bytes(DONOR.key).hex()}
        )
        assert result.returncode != 0
        assert "corrupted block" in one_line_error(result.stderr)
    finally:
        path.write_bytes(original)
    assert verify_json(1)[0] == 0


def test_wrong_key_cannot_decrypt(minted: dict[str, object]) -> None:
    other = dev_accounts(3)[2]
    result = run_cli(
        "decrypt", "1", "--private-key-env", "K", env={"K": "0x" + bytes(other.key).hex()}
    )
    assert result.returncode != 0
    assert "wrong key or tampered envelope" in one_line_error(result.stderr)
    assert MESSAGE not in result.stdout
    assert bytes(other.key).hex() not in result.stderr + result.stdout


def test_token_pointing_at_other_content_fails(
    minted: dict[str, object], home: Path, tmp_path: Path
) -> None:
    """A minter records an image digest that the metadata's image does not have."""
    import hashlib

    from provenance.chain.network import connect, resolve_contract, signer
    from provenance.chain.tx import Sender
    from provenance.ipfs import add_bytes

    chain = connect()
    contract = resolve_contract(chain)
    store = Blockstore.open(home / "ipfs" / "blocks")
    # Metadata that claims the first token's image, minted with a different image digest.
    original = json.loads(store.cat(str(minted["metadata_cid"])))
    from provenance.content.metadata import canonical_json

    original["name"] = "impostor"
    data = canonical_json(original)
    add_bytes(data, store=store)
    fake_image_digest = hashlib.sha256(b"some other image").digest()
    sender = Sender(chain.rpc, signer(chain), chain_id=chain.chain_id)
    receipt = sender.transact(
        to=contract.address,
        data=contract.mint_calldata(
            to=DONOR.address,
            metadata_digest=hashlib.sha256(data).digest(),
            image_digest=fake_image_digest,
            sealed_message=b"",
        ),
    )
    token_id = int(contract.minted_from_receipt(receipt).args["tokenId"])
    code, report = verify_json(token_id)
    assert code == 1
    assert checks(report)["image"] is False
    assert checks(report)["sealed-message"] is False  # metadata's envelope, empty commitment


def test_mint_with_a_consent_signature(minted: dict[str, object], tmp_path: Path) -> None:
    """The donor signs `donor consent-message` (personal_sign); the key is recovered from it."""
    from eth_account.messages import encode_defunct

    art = make_artwork(tmp_path / "consent.png", seed=42)
    text = invoke("donor", "consent-message", "--donor", DONOR.address, "--artwork", str(art))
    assert text.exit_code == 0, text.output
    assert "Chain ID: 31337" in text.stdout
    signature = DONOR.sign_message(encode_defunct(text=text.stdout.rstrip("\n"))).signature
    result = invoke(
        "mint",
        str(art),
        "--donor",
        DONOR.address,
        "--message",
        "signed consent",
        "--donor-signature",
        "0x" + bytes(signature).hex(),
        "--json",
    )
    assert result.exit_code == 0, result.output
    token = json.loads(result.stdout)
    assert token["donor_key_verified"] is True
    env = {"DONOR_KEY": "0x" + bytes(DONOR.key).hex()}
    opened = invoke("decrypt", str(token["token_id"]), "--private-key-env", "DONOR_KEY", env=env)
    assert opened.stdout.strip() == "signed consent"
    # A signature for another artwork does not unlock this one.
    other = make_artwork(tmp_path / "other.png", seed=43)
    wrong = run_cli(
        "mint",
        str(other),
        "--donor",
        DONOR.address,
        "--message",
        "x",
        "--donor-signature",
        "0x" + bytes(signature).hex(),
    )
    assert wrong.returncode != 0
    one_line_error(wrong.stderr)


def test_tokens_list_and_show(minted: dict[str, object]) -> None:
    listed = invoke("tokens", "list", "--json")
    assert listed.exit_code == 0, listed.output
    rows = {row["token_id"]: row for row in json.loads(listed.stdout)["tokens"]}
    assert rows[1]["to"] == DONOR.address
    assert rows[1]["metadata_cid"] == minted["metadata_cid"]
    assert rows[1]["artwork"] == str(minted["art"]) and rows[1]["sealed_message"] is True
    shown = json.loads(invoke("tokens", "show", "1", "--json").stdout)
    assert (
        shown["owner"] == DONOR.address and shown["token_uri"] == f"ipfs://{minted['metadata_cid']}"
    )
    missing = run_cli("tokens", "show", "999")
    assert missing.returncode == 2 and "does not exist" in one_line_error(missing.stderr)
