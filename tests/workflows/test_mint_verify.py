"""End to end on a real anvil: mint -> verify -> decrypt, restarts, duplicates, tampering."""

from __future__ import annotations

import hashlib
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


def short(token_id: object) -> str:
    return f"{int(str(token_id)):064x}"[:8]


def verify_json(token_id: object) -> tuple[int, dict[str, object]]:
    result = invoke("verify", str(token_id), "--json")
    return result.exit_code, json.loads(result.stdout)


def checks(report: dict[str, object]) -> dict[str, object]:
    return {c["name"]: c["ok"] for c in report["checks"]}  # type: ignore[index,union-attr]


def test_mint_verify_decrypt(minted: dict[str, object]) -> None:
    # The token id is the image's sha256 (contract v2); people see its first 8 hex digits.
    image = Path(str(minted["art"])).read_bytes()
    assert minted["token_id"] == int.from_bytes(hashlib.sha256(image).digest(), "big")
    assert minted["token_hex"] == "0x" + hashlib.sha256(image).hexdigest()
    assert minted["sealed_message"] is True and minted["donor_key_verified"] is True
    code, report = verify_json(minted["token_id"])
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
        "credentials": None,
    }
    env = {"DONOR_KEY": "0x" + bytes(DONOR.key).hex()}
    result = invoke("decrypt", short(minted["token_id"]), "--private-key-env", "DONOR_KEY", env=env)
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
    assert f"already minted as token {short(minted['token_id'])}" in line


def test_state_survives_down_up_and_a_killed_anvil(minted: dict[str, object], home: Path) -> None:
    devnet = Devnet(home / "devnet")
    assert invoke("chain", "down").exit_code == 0
    assert devnet.info() is None
    assert invoke("chain", "up").exit_code == 0
    assert verify_json(minted["token_id"])[0] == 0
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
    code, report = verify_json(minted["token_id"])  # starts the devnet again from its state file
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
        code, report = verify_json(minted["token_id"])
        assert code == 1
        assert checks(report)["metadata"] is False
        assert checks(report)["image"] is None  # skipped: nothing after it is trusted
        result = run_cli(
            "decrypt",
            short(minted["token_id"]),
            "--private-key-env",
            "K",
            env={"K": "0x" + bytes(DONOR.key).hex()},
        )
        assert result.returncode != 0
        assert "corrupted block" in one_line_error(result.stderr)
    finally:
        path.write_bytes(original)
    assert verify_json(minted["token_id"])[0] == 0


def test_wrong_key_cannot_decrypt(minted: dict[str, object]) -> None:
    other = dev_accounts(3)[2]
    result = run_cli(
        "decrypt",
        short(minted["token_id"]),
        "--private-key-env",
        "K",
        env={"K": "0x" + bytes(other.key).hex()},
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
    # The one rule (issue 12 item 14): the printed text without its final newline.
    third = make_artwork(tmp_path / "third.png", seed=44)
    printed = invoke("donor", "consent-message", "--donor", DONOR.address, "--artwork", str(third))
    with_newline = DONOR.sign_message(encode_defunct(text=printed.stdout)).signature
    refused = run_cli(
        "mint",
        str(third),
        "--donor",
        DONOR.address,
        "--message",
        "x",
        "--donor-signature",
        "0x" + bytes(with_newline).hex(),
    )
    assert refused.returncode != 0
    assert "over the text with its final newline" in one_line_error(refused.stderr)


def test_tokens_list_and_show(minted: dict[str, object]) -> None:
    listed = invoke("tokens", "list", "--json")
    assert listed.exit_code == 0, listed.output
    rows = {row["token_id"]: row for row in json.loads(listed.stdout)["tokens"]}
    row = rows[minted["token_id"]]
    assert row["to"] == DONOR.address and row["token_hex"] == minted["token_hex"]
    assert row["metadata_cid"] == minted["metadata_cid"]
    assert row["artwork"] == str(minted["art"]) and row["sealed_message"] is True
    human = invoke("tokens", "list").stdout
    assert short(minted["token_id"]) in human and str(minted["token_hex"])[2:] not in human
    shown = json.loads(invoke("tokens", "show", short(minted["token_id"]), "--json").stdout)
    assert (
        shown["owner"] == DONOR.address and shown["token_uri"] == f"ipfs://{minted['metadata_cid']}"
    )
    assert shown["token_id"] == minted["token_id"]
    missing = run_cli("tokens", "show", "0x" + "ab" * 32)
    assert missing.returncode == 2 and "does not exist" in one_line_error(missing.stderr)
    unknown = run_cli("tokens", "show", "abcdef0123")
    assert unknown.returncode == 2 and "starts with abcdef0123" in one_line_error(unknown.stderr)


def test_verify_by_file_full_id_and_prefix(minted: dict[str, object], tmp_path: Path) -> None:
    """The image file gives the token (its sha256 is the id); so do a unique hex prefix and the
    full id in decimal or 0x hex. An unknown or ambiguous prefix is one line, exit 2."""
    token_id = int(str(minted["token_id"]))
    for given in (
        str(minted["art"]),
        short(token_id),
        short(token_id).upper(),
        str(token_id),
        f"0x{token_id:064x}",
    ):
        code, report = verify_json(given)
        assert code == 0 and report["token_id"] == token_id, given
    human = run_cli("verify", str(minted["art"]))
    assert human.returncode == 0 and f"token {short(token_id)} on" in human.stdout
    # A file that was never minted: its id is unknown to the chain.
    stranger = make_artwork(tmp_path / "never.png", seed=9999)
    code, report = verify_json(str(stranger))
    assert code == 1 and checks(report)["token"] is False
    missing = run_cli("verify", str(tmp_path / "missing.png"))
    assert missing.returncode == 2 and "no such file" in one_line_error(missing.stderr)
    bad = run_cli("verify", "xyz")
    assert bad.returncode == 2 and "not a token id" in one_line_error(bad.stderr)
    # Two artworks whose ids share their first hex digit: that digit alone is ambiguous.
    digests: dict[str, list[Path]] = {}
    for seed in range(500, 540):
        art = make_artwork(tmp_path / f"a{seed}.png", seed=seed)
        digests.setdefault(hashlib.sha256(art.read_bytes()).hexdigest()[0], []).append(art)
    pair = next(arts[:2] for arts in digests.values() if len(arts) >= 2)
    for art in pair:
        assert invoke("mint", str(art), "--donor", DONOR.address, "--json").exit_code == 0
    digit = hashlib.sha256(pair[0].read_bytes()).hexdigest()[0]
    ambiguous = run_cli("verify", digit)
    line = one_line_error(ambiguous.stderr)
    assert ambiguous.returncode == 2 and "ambiguous" in line and "give more digits" in line


def test_a_mint_that_lost_a_race_names_the_token(
    minted: dict[str, object], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another minter mints the same image between the early check and the send: the contract's
    ImageAlreadyMinted(imageDigest) revert is decoded and named like the early refusal, and the
    journal says why."""
    from provenance.chain.contract import ProvenanceArt
    from provenance.state.journal import Journal
    from provenance.workflows.session import open_session

    art = make_artwork(tmp_path / "raced.png", seed=31337)
    digest = hashlib.sha256(art.read_bytes()).digest()
    collection = open_session(with_signer=True)
    assert collection.sender is not None
    contract = collection.contract
    collection.sender.transact(
        to=contract.address,
        data=contract.mint_calldata(
            to=DONOR.address,
            metadata_digest=hashlib.sha256(b"the other minter's metadata").digest(),
            image_digest=digest,
            sealed_message=b"",
        ),
    )
    # As if the early check had run just before the other mint landed.
    monkeypatch.setattr(ProvenanceArt, "token_of_image", lambda self, image: 0)
    result = invoke("mint", str(art), "--donor", DONOR.address)
    assert result.exit_code == 2
    line = one_line_error(result.stderr)
    assert f"already minted as token {short(int.from_bytes(digest, 'big'))}" in line
    entry = Journal().find(chain_id=31337, contract=contract.address, image_sha256=digest.hex())
    assert entry is not None and entry.state == "failed"
    assert entry.error is not None and "ImageAlreadyMinted" in entry.error
