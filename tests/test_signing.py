"""The toolkit's own signer (coincurve), RLP and EIP-55 against the libraries they replace on the
hot path: eth-account, rlp and eth-utils must give the very same bytes."""

from __future__ import annotations

import random

import pytest
import rlp
from eth_account import Account
from eth_account.messages import encode_defunct
from eth_utils.address import to_checksum_address
from hypothesis import given, settings
from hypothesis import strategies as st

from provenance.chain.accounts import DEV_MNEMONIC, dev_accounts
from provenance.chain.address import parse_address, to_checksum
from provenance.chain.signing import LocalSigner, PersonalMessage, derive_hd_key, rlp_encode

keys = st.integers(min_value=1, max_value=(1 << 256) - 1).filter(
    lambda k: k < 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
)
uint = st.integers(min_value=0, max_value=(1 << 64) - 1)
addresses = st.binary(min_size=20, max_size=20).map(lambda b: to_checksum_address(b))


@settings(max_examples=60, deadline=None)
@given(
    key=keys,
    nonce=uint,
    gas=uint,
    tip=uint,
    extra=uint,
    value=st.integers(min_value=0, max_value=(1 << 256) - 1),
    data=st.binary(max_size=300),
    to=st.one_of(st.none(), addresses),
    chain_id=st.integers(min_value=1, max_value=(1 << 32)),
    legacy=st.booleans(),
)
def test_transactions_are_signed_byte_for_byte_as_eth_account_signs_them(
    key: int,
    nonce: int,
    gas: int,
    tip: int,
    extra: int,
    value: int,
    data: bytes,
    to: str | None,
    chain_id: int,
    legacy: bool,
) -> None:
    secret = key.to_bytes(32, "big")
    tx: dict[str, object] = {"chainId": chain_id, "nonce": nonce, "gas": gas, "value": value}
    tx["data"] = data
    if legacy:
        tx["gasPrice"] = tip + extra
    else:
        tx.update(type=2, maxPriorityFeePerGas=tip, maxFeePerGas=tip + extra)
    if to is not None:
        tx["to"] = to
    ours = LocalSigner(secret).sign_transaction(tx)
    theirs = Account.from_key(secret).sign_transaction(tx)
    assert ours.raw_transaction == bytes(theirs.raw_transaction)
    assert ours.hash == bytes(theirs.hash)
    assert LocalSigner(secret).address == Account.from_key(secret).address


@settings(max_examples=60, deadline=None)
@given(key=keys, text=st.text(max_size=200))
def test_personal_sign_matches_eth_account(key: int, text: str) -> None:
    secret = key.to_bytes(32, "big")
    theirs = Account.from_key(secret).sign_message(encode_defunct(text=text))
    signer = LocalSigner(secret)
    assert signer.sign_personal(text.encode()).signature == bytes(theirs.signature)
    assert signer.sign_message(PersonalMessage(text.encode())).signature == bytes(theirs.signature)
    # eth-account's own message type is accepted too (callers may hold either)
    assert signer.sign_message(encode_defunct(text=text)).signature == bytes(theirs.signature)


def test_typed_data_signatures_match_eth_account() -> None:
    rng = random.Random(7)
    for _ in range(10):
        secret = rng.randbytes(32)
        typed = {
            "types": {
                "EIP712Domain": [
                    {"name": "name", "type": "string"},
                    {"name": "chainId", "type": "uint256"},
                    {"name": "verifyingContract", "type": "address"},
                ],
                "Voucher": [
                    {"name": "recipient", "type": "address"},
                    {"name": "digest", "type": "bytes32"},
                    {"name": "amount", "type": "uint256"},
                ],
            },
            "primaryType": "Voucher",
            "domain": {
                "name": "Provenance",
                "chainId": rng.randrange(1, 1 << 40),
                "verifyingContract": to_checksum_address(rng.randbytes(20)),
            },
            "message": {
                "recipient": to_checksum_address(rng.randbytes(20)),
                "digest": rng.randbytes(32),
                "amount": rng.randrange(1 << 200),
            },
        }
        theirs = Account.from_key(secret).sign_typed_data(full_message=typed)
        assert LocalSigner(secret).sign_typed_data(full_message=typed).signature == bytes(
            theirs.signature
        )


def test_dev_accounts_are_the_mnemonics_keys_as_eth_account_derives_them() -> None:
    Account.enable_unaudited_hdwallet_features()
    for index, ours in enumerate(dev_accounts(4)):
        theirs = Account.from_mnemonic(DEV_MNEMONIC, account_path=f"m/44'/60'/0'/0/{index}")
        assert ours.key == bytes(theirs.key)
        assert ours.address == theirs.address
    other = derive_hd_key(DEV_MNEMONIC, "m/44'/60'/1'/0/7", passphrase="x")
    expected = Account.from_mnemonic(DEV_MNEMONIC, passphrase="x", account_path="m/44'/60'/1'/0/7")
    assert other == bytes(expected.key)


def test_no_key_material_in_the_signers_repr() -> None:
    signer = dev_accounts(1)[0]
    assert signer.key.hex() not in repr(signer) and signer.address in repr(signer)


@settings(max_examples=200, deadline=None)
@given(
    st.recursive(
        st.one_of(st.binary(max_size=70), st.integers(min_value=0, max_value=(1 << 300))),
        lambda children: st.lists(children, max_size=6),
        max_leaves=30,
    )
)
def test_rlp_encoding_matches_the_rlp_package(item: object) -> None:
    assert rlp_encode(item) == rlp.encode(item)  # type: ignore[arg-type]


@settings(max_examples=200, deadline=None)
@given(st.binary(min_size=20, max_size=20), st.sampled_from(["lower", "upper", "checksum"]))
def test_eip55_matches_eth_utils(raw: bytes, case: str) -> None:
    expected = to_checksum_address(raw)
    text = {"lower": expected.lower(), "upper": "0x" + expected[2:].upper()}.get(case, expected)
    assert parse_address(text) == expected
    assert to_checksum(raw) == expected == to_checksum(expected.lower())


def test_a_mistyped_checksum_is_refused() -> None:
    good = dev_accounts(1)[0].address
    flipped = good[:-1] + (good[-1].lower() if good[-1].isupper() else good[-1].upper())
    if flipped == good:  # last character a digit: flip another letter
        i = next(i for i in range(2, 42) if good[i].isalpha())
        flipped = good[:i] + good[i].swapcase() + good[i + 1 :]
    with pytest.raises(Exception, match="invalid EIP-55 checksum"):
        parse_address(flipped)
