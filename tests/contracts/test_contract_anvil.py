"""ProvenanceArt's shipped artifact on a real anvil, driven with web3.py and eth-account."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
import rfc8785
from eth_abi import decode
from eth_account import Account
from eth_account.signers.local import LocalAccount
from eth_utils import keccak
from web3 import Web3
from web3.exceptions import ContractCustomError
from web3.logs import DISCARD

from provenance.contracts import load_artifact
from provenance.ipfs.cid import raw_cid_for_sha256

# Anvil's dev accounts come from this public test mnemonic; the keys are derived, not written down.
TEST_MNEMONIC = "test test test test test test test test test test test junk"
Account.enable_unaudited_hdwallet_features()


def dev_account(index: int) -> LocalAccount:
    return Account.from_mnemonic(TEST_MNEMONIC, account_path=f"m/44'/60'/0'/0/{index}")


def send(w3: Web3, account: LocalAccount, call: Any, *, value: int = 0) -> Any:
    tx = call.build_transaction(
        {
            "from": account.address,
            "nonce": w3.eth.get_transaction_count(account.address),
            "value": value,
        }
    )
    signed = account.sign_transaction(tx)
    receipt = w3.eth.wait_for_transaction_receipt(
        w3.eth.send_raw_transaction(signed.raw_transaction)
    )
    assert receipt["status"] == 1, receipt
    return receipt


def revert_data(exc: ContractCustomError) -> bytes:
    data = exc.data if isinstance(exc.data, str) else exc.args[0]
    return bytes.fromhex(data.removeprefix("0x"))


@pytest.fixture
def deployed(anvil: str) -> tuple[Web3, Any, LocalAccount]:
    w3 = Web3(Web3.HTTPProvider(anvil))
    artist = dev_account(0)
    assert w3.eth.get_balance(artist.address) > 0, (
        "derived key is not one of anvil's funded accounts"
    )
    artifact = load_artifact()
    factory = w3.eth.contract(abi=artifact["abi"], bytecode=artifact["bytecode"])
    receipt = send(
        w3,
        artist,
        factory.constructor(
            "Provenance", "PROV", artist.address, artist.address, 500, "ipfs://c", [], []
        ),
    )
    art = w3.eth.contract(address=receipt["contractAddress"], abi=artifact["abi"])
    return w3, art, artist


def metadata_bytes(name: str, image: bytes) -> bytes:
    return rfc8785.dumps(
        {"name": name, "image": "ipfs://" + raw_cid_for_sha256(hashlib.sha256(image).digest())}
    )


def test_mint_then_read_back(deployed: tuple[Web3, Any, LocalAccount]) -> None:
    w3, art, artist = deployed
    donor = dev_account(1).address
    image = b"\x89PNG fake image bytes"
    metadata = metadata_bytes("Portrait #1", image)
    meta_digest = hashlib.sha256(metadata).digest()
    image_digest = hashlib.sha256(image).digest()
    envelope = b'{"version":"secp256k1-ecies","ciphertext":"AAEC"}'

    receipt = send(w3, artist, art.functions.mint(donor, meta_digest, image_digest, envelope))

    (event,) = art.events.ArtworkMinted().process_receipt(receipt, errors=DISCARD)
    token_id = event["args"]["tokenId"]
    assert token_id == int.from_bytes(image_digest, "big")  # the image is the token (v2)
    assert event["args"]["to"] == donor
    assert event["args"]["metadataDigest"] == meta_digest
    assert event["args"]["messageHash"] == keccak(envelope)
    assert event["args"]["sealedMessage"] == envelope
    assert art.functions.ownerOf(token_id).call() == donor
    assert art.functions.tokenURI(token_id).call() == "ipfs://" + raw_cid_for_sha256(meta_digest)
    assert art.functions.recordOf(token_id).call() == meta_digest
    # The filter API with web3.py 8's snake_case arguments finds the same log.
    logs = art.events.ArtworkMinted().get_logs(from_block=0, argument_filters={"to": donor})
    assert [log["transactionHash"].to_0x_hex() for log in logs] == [
        receipt["transactionHash"].to_0x_hex()
    ]


def test_duplicate_image_reverts_with_existing_token(
    deployed: tuple[Web3, Any, LocalAccount],
) -> None:
    w3, art, artist = deployed
    image_digest = hashlib.sha256(b"one image").digest()
    send(
        w3,
        artist,
        art.functions.mint(artist.address, hashlib.sha256(b"m1").digest(), image_digest, b""),
    )

    with pytest.raises(ContractCustomError) as info:
        art.functions.mint(artist.address, hashlib.sha256(b"m2").digest(), image_digest, b"").call(
            {"from": artist.address}
        )
    data = revert_data(info.value)
    assert data[:4] == keccak(text="ImageAlreadyMinted(bytes32)")[:4]
    assert decode(["bytes32"], data[4:]) == (image_digest,)


def test_voucher_signed_by_eth_account_redeems(deployed: tuple[Web3, Any, LocalAccount]) -> None:
    w3, art, artist = deployed
    donor = dev_account(2)
    voucher = {
        "signer": artist.address,
        "recipient": "0x0000000000000000000000000000000000000000",
        "metadataDigest": hashlib.sha256(b"metadata").digest(),
        "imageDigest": hashlib.sha256(b"image").digest(),
        "minDonation": Web3.to_wei(1, "ether"),
        "deadline": w3.eth.get_block("latest")["timestamp"] + 3600,
        "id": keccak(text="voucher-1"),
    }
    typed = {
        "types": {
            "EIP712Domain": [
                {"name": "name", "type": "string"},
                {"name": "version", "type": "string"},
                {"name": "chainId", "type": "uint256"},
                {"name": "verifyingContract", "type": "address"},
            ],
            "Voucher": [
                {"name": "signer", "type": "address"},
                {"name": "recipient", "type": "address"},
                {"name": "metadataDigest", "type": "bytes32"},
                {"name": "imageDigest", "type": "bytes32"},
                {"name": "minDonation", "type": "uint256"},
                {"name": "deadline", "type": "uint64"},
                {"name": "id", "type": "bytes32"},
            ],
        },
        "primaryType": "Voucher",
        "domain": {
            "name": "ProvenanceArt",
            "version": "2",
            "chainId": w3.eth.chain_id,
            "verifyingContract": art.address,
        },
        "message": voucher,
    }
    signed = artist.sign_typed_data(full_message=typed)
    as_tuple = tuple(voucher.values())
    assert art.functions.hashVoucher(as_tuple).call() == signed.message_hash

    donation = Web3.to_wei(1.5, "ether")
    receipt = send(
        w3, donor, art.functions.redeem(as_tuple, signed.signature, b"sealed"), value=donation
    )
    (redeemed,) = art.events.VoucherRedeemed().process_receipt(receipt, errors=DISCARD)
    assert redeemed["args"]["donation"] == donation
    assert art.functions.ownerOf(redeemed["args"]["tokenId"]).call() == donor.address
    assert w3.eth.get_balance(art.address) == donation
    assert art.functions.voucherState(artist.address, voucher["id"]).call() == 1  # redeemed
