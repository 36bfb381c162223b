"""EIP-712 hashing, signer recovery and RLP decoding of the toolkit's own (``chain/eip712.py``,
``chain/recovery.py``) against the libraries they replace at run time: eth-account and rlp must
give the same digests and the same signers, and refuse what they refuse."""

from __future__ import annotations

import rlp
from eth_account import Account
from eth_account.messages import encode_defunct, encode_typed_data
from eth_hash.auto import keccak
from eth_utils.address import to_checksum_address
from hypothesis import given, settings
from hypothesis import strategies as st

from provenance.chain.eip712 import typed_data_digest
from provenance.chain.recovery import recover_address, rlp_decode, transaction_signer
from provenance.chain.signing import SECP256K1_ORDER, LocalSigner, personal_message_hash
from provenance.content.offer import Offer, Voucher, recover_signer, voucher_digest

keys = st.integers(min_value=1, max_value=SECP256K1_ORDER - 1)
addresses = st.binary(min_size=20, max_size=20).map(to_checksum_address)


def _atomic(kind: str) -> st.SearchStrategy[object]:
    if kind == "address":
        return addresses
    if kind == "bool":
        return st.booleans()
    if kind == "string":
        return st.text(max_size=40)
    if kind == "bytes":
        return st.binary(max_size=70)
    if kind.startswith("uint"):
        return st.integers(min_value=0, max_value=2 ** int(kind[4:]) - 1)
    if kind.startswith("int"):
        bits = int(kind[3:])
        return st.integers(min_value=-(2 ** (bits - 1)), max_value=2 ** (bits - 1) - 1)
    return st.binary(min_size=int(kind[5:]), max_size=int(kind[5:]))


KINDS = ["address", "bool", "string", "bytes", "uint8", "uint64", "uint256", "int16", "int256",
         "bytes1", "bytes20", "bytes32"]  # fmt: skip


@st.composite
def typed_data(draw: st.DrawFn) -> dict[str, object]:
    kinds = draw(st.lists(st.sampled_from(KINDS), min_size=1, max_size=7))
    fields = [{"name": f"f{i}", "type": kind} for i, kind in enumerate(kinds)]
    return {
        "types": {
            "EIP712Domain": [
                {"name": "name", "type": "string"},
                {"name": "version", "type": "string"},
                {"name": "chainId", "type": "uint256"},
                {"name": "verifyingContract", "type": "address"},
            ],
            "Thing": fields,
        },
        "primaryType": "Thing",
        "domain": {
            "name": draw(st.text(max_size=20)),
            "version": draw(st.text(max_size=5)),
            "chainId": draw(st.integers(min_value=0, max_value=2**256 - 1)),
            "verifyingContract": draw(addresses),
        },
        "message": {f["name"]: draw(_atomic(f["type"])) for f in fields},
    }


def _eth_account_digest(full_message: dict[str, object]) -> bytes:
    signable = encode_typed_data(full_message=full_message)
    return bytes(keccak(b"\x19" + signable.version + signable.header + signable.body))


@settings(max_examples=150, deadline=None)
@given(typed_data())
def test_typed_data_digests_match_eth_account(full_message: dict[str, object]) -> None:
    assert typed_data_digest(full_message) == _eth_account_digest(full_message)


@settings(max_examples=40, deadline=None)
@given(
    key=keys,
    recipient=addresses,
    digests=st.binary(min_size=96, max_size=96),
    amount=st.integers(min_value=0, max_value=2**256 - 1),
    deadline=st.integers(min_value=0, max_value=2**64 - 1),
    chain_id=st.integers(min_value=1, max_value=2**64),
    contract=addresses,
)
def test_vouchers_hash_and_recover_as_eth_account(
    key: int,
    recipient: str,
    digests: bytes,
    amount: int,
    deadline: int,
    chain_id: int,
    contract: str,
) -> None:
    secret = key.to_bytes(32, "big")
    signer = LocalSigner(secret)
    voucher = Voucher(signer.address, recipient, digests[:32], digests[32:64], amount, deadline,
                      digests[64:])  # fmt: skip
    from provenance.content.offer import voucher_typed_data

    typed = voucher_typed_data(voucher, chain_id=chain_id, contract=contract)
    assert voucher_digest(voucher, chain_id=chain_id, contract=contract) == _eth_account_digest(
        typed
    )
    signature = bytes(Account.from_key(secret).sign_typed_data(full_message=typed).signature)
    offer = Offer("w", chain_id, contract, voucher, signature, "bafy", "bafy")
    assert recover_signer(offer) == signer.address


def _eth_account_recovers(digest_text: str, signature: bytes) -> str | None:
    try:
        return str(Account.recover_message(encode_defunct(text=digest_text), signature=signature))
    except Exception:  # noqa: BLE001 (eth-account raises BadSignature, ValidationError, ...)
        return None


@settings(max_examples=150, deadline=None)
@given(
    key=keys,
    text=st.text(max_size=50),
    damage=st.sampled_from(
        ["none", "v0", "v2", "v29", "v37", "r0", "rN", "sN", "s_high", "random"]
    ),
    noise=st.binary(min_size=65, max_size=65),
)
def test_signers_recover_as_eth_account_recovers_them(
    key: int, text: str, damage: str, noise: bytes
) -> None:
    signature = bytearray(
        LocalSigner(key.to_bytes(32, "big")).sign_personal(text.encode()).signature
    )
    n = SECP256K1_ORDER.to_bytes(32, "big")
    if damage == "v0":
        signature[64] -= 27  # 0/1 is accepted as well as 27/28
    elif damage == "v2":
        signature[64] = 2
    elif damage == "v29":
        signature[64] = 29
    elif damage == "v37":  # an EIP-155 v (chain id 1): eth-account takes its parity
        signature[64] += 10
    elif damage == "r0":
        signature[:32] = bytes(32)
    elif damage == "rN":
        signature[:32] = n
    elif damage == "sN":
        signature[32:64] = n
    elif damage == "s_high":  # the other s of the same signature: still recovers, flipped v
        s = SECP256K1_ORDER - int.from_bytes(signature[32:64], "big")
        signature[32:64] = s.to_bytes(32, "big")
        signature[64] ^= 1
    elif damage == "random":
        signature = bytearray(noise)
    ours = recover_address(personal_message_hash(text.encode()), bytes(signature))
    assert ours == _eth_account_recovers(text, bytes(signature))
    assert recover_address(personal_message_hash(text.encode()), bytes(signature[:64])) is None


@settings(max_examples=60, deadline=None)
@given(
    key=keys,
    nonce=st.integers(min_value=0, max_value=2**64 - 1),
    value=st.integers(min_value=0, max_value=2**256 - 1),
    data=st.binary(max_size=200),
    to=addresses,
    chain_id=st.one_of(st.none(), st.integers(min_value=1, max_value=2**32)),
    legacy=st.booleans(),
    flip=st.integers(min_value=-1, max_value=400),
)
def test_transaction_signers_recover_as_eth_account_recovers_them(
    key: int,
    nonce: int,
    value: int,
    data: bytes,
    to: str,
    chain_id: int | None,
    legacy: bool,
    flip: int,
) -> None:
    tx: dict[str, object] = {"nonce": nonce, "gas": 21000, "value": value, "data": data, "to": to}
    if legacy or chain_id is None:
        tx["gasPrice"] = 10**9
    else:
        tx.update(type=2, maxPriorityFeePerGas=1, maxFeePerGas=10**9)
    if chain_id is not None:
        tx["chainId"] = chain_id
    raw = bytearray(Account.sign_transaction(tx, key.to_bytes(32, "big")).raw_transaction)
    if 0 <= flip < len(raw):
        raw[flip] ^= 0x01  # damaged: a different signer, or nothing, for both
    try:
        theirs: str | None = str(Account.recover_transaction(bytes(raw)))
    except Exception:  # noqa: BLE001 (rlp's, eth-keys' and eth-account's many error types)
        theirs = None
    try:
        ours: str | None = transaction_signer(bytes(raw))
    except ValueError:
        ours = None
    assert ours == theirs
    if flip < 0:
        assert ours == LocalSigner(key.to_bytes(32, "big")).address


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(
        st.recursive(
            st.binary(max_size=70), lambda children: st.lists(children, max_size=6), max_leaves=30
        ).map(rlp.encode),
        st.binary(max_size=80),
    )
)
def test_rlp_decoding_is_as_strict_as_the_rlp_package(data: bytes) -> None:
    try:
        expected: object = rlp.decode(data)
    except rlp.exceptions.DecodingError:
        expected = None
    try:
        ours: object = rlp_decode(data)
    except ValueError:
        ours = None
    assert ours == expected
