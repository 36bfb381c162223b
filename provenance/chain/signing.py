"""Local signing with libsecp256k1 (coincurve): transactions, EIP-191 messages, EIP-712 digests.

Why not eth-account: importing it costs about 0.7 s (it loads py_ecc's BLS tables through
eth-keyfile), more than a whole ``provenance mint`` should take. The signatures are the same
bytes: RFC 6979 deterministic nonces and low-s, as eth-keys' own coincurve backend makes them
(``tests/seal/test_signing_interop.py`` compares both on random transactions and messages).
EIP-712 typed data is hashed by :mod:`provenance.chain.eip712`, recovery is
:mod:`provenance.chain.recovery`.
Transactions are RLP-encoded here (:func:`rlp_encode`, a dozen lines checked against the ``rlp``
package in the tests): importing ``rlp`` loads eth-utils and pydantic, 0.13 s per command.

The key lives in a ``coincurve.PrivateKey`` and is never part of a repr, an error or a log.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final, Protocol

import coincurve

from provenance.chain.address import to_checksum
from provenance.chain.keccak import keccak
from provenance.errors import InputError

__all__ = [
    "SECP256K1_ORDER",
    "LocalSigner",
    "PersonalMessage",
    "RlpItem",
    "SignableMessage",
    "SignedMessage",
    "SignedTransaction",
    "derive_hd_key",
    "personal_message_hash",
    "rlp_encode",
]

SECP256K1_ORDER: Final = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141


class SignableMessage(Protocol):
    """EIP-191's three parts, as eth-account's ``encode_defunct``/``encode_typed_data`` return."""

    @property
    def version(self) -> bytes: ...

    @property
    def header(self) -> bytes: ...

    @property
    def body(self) -> bytes: ...


@dataclass(frozen=True)
class SignedTransaction:
    raw_transaction: bytes
    hash: bytes
    v: int
    r: int
    s: int


@dataclass(frozen=True)
class SignedMessage:
    message_hash: bytes
    signature: bytes  # r || s || v, v in {27, 28}: what personal_sign and eth_signTypedData return
    v: int
    r: int
    s: int


@dataclass(frozen=True)
class PersonalMessage:
    """EIP-191 version 0x45 in the three-part form both this module and eth-account sign."""

    body: bytes
    version: bytes = b"E"

    @property
    def header(self) -> bytes:
        return b"thereum Signed Message:\n" + str(len(self.body)).encode()


def personal_message_hash(message: bytes) -> bytes:
    """EIP-191 version 0x45 (``personal_sign``): keccak of the prefixed message."""
    return bytes(keccak(b"\x19Ethereum Signed Message:\n" + str(len(message)).encode() + message))


RlpItem = bytes | int | list["RlpItem"]


def _rlp_length(length: int, offset: int) -> bytes:
    if length < 56:
        return bytes([offset + length])
    size = length.to_bytes((length.bit_length() + 7) // 8, "big")
    return bytes([offset + 55 + len(size)]) + size


def rlp_encode(item: RlpItem) -> bytes:
    """RLP: byte strings, non-negative integers (big-endian, no leading zeros) and lists."""
    if isinstance(item, list):
        body = b"".join(rlp_encode(i) for i in item)
        return _rlp_length(len(body), 0xC0) + body
    if isinstance(item, int):
        if item < 0:
            raise ValueError("RLP encodes non-negative integers only")
        item = item.to_bytes((item.bit_length() + 7) // 8, "big")
    if len(item) == 1 and item[0] < 0x80:
        return item
    return _rlp_length(len(item), 0x80) + item


def _to_bytes(value: Any, *, field: str) -> bytes:
    if value is None:
        return b""
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value)
    if isinstance(value, str):
        text = value[2:] if value.startswith(("0x", "0X")) else value
        try:
            return bytes.fromhex(text)
        except ValueError:
            raise InputError(f"transaction field {field} is not hex") from None
    raise InputError(f"transaction field {field} must be bytes or hex, not {type(value).__name__}")


class LocalSigner:
    """An account whose private key is held in this process."""

    __slots__ = ("_key", "address")

    def __init__(self, private_key: bytes) -> None:
        if len(private_key) != 32 or not 0 < int.from_bytes(private_key, "big") < SECP256K1_ORDER:
            raise ValueError("not a valid secp256k1 private key")
        self._key = coincurve.PrivateKey(bytes(private_key))
        public = self._key.public_key.format(compressed=False)
        self.address: str = to_checksum("0x" + bytes(keccak(public[1:])[-20:]).hex())

    def __repr__(self) -> str:
        return f"LocalSigner({self.address})"

    @property
    def key(self) -> bytes:
        """The 32-byte private key, for the few callers that derive from it (decryption)."""
        return bytes(self._key.secret)

    def sign_hash(self, digest: bytes) -> tuple[int, int, int]:
        """(recovery id, r, s) of a 32-byte digest, RFC 6979 nonce, low s."""
        if len(digest) != 32:
            raise ValueError("a signed digest is 32 bytes")
        signature = self._key.sign_recoverable(digest, hasher=None)
        r = int.from_bytes(signature[:32], "big")
        s = int.from_bytes(signature[32:64], "big")
        return signature[64], r, s

    def _signed_message(self, digest: bytes) -> SignedMessage:
        recovery, r, s = self.sign_hash(digest)
        v = recovery + 27
        raw = r.to_bytes(32, "big") + s.to_bytes(32, "big") + bytes([v])
        return SignedMessage(message_hash=digest, signature=raw, v=v, r=r, s=s)

    def sign_personal(self, message: bytes) -> SignedMessage:
        """EIP-191 ``personal_sign`` of ``message``."""
        return self._signed_message(personal_message_hash(message))

    def sign_message(self, signable: SignableMessage) -> SignedMessage:
        """Any EIP-191 message in eth-account's three-part form."""
        digest = bytes(keccak(b"\x19" + signable.version + signable.header + signable.body))
        return self._signed_message(digest)

    def sign_typed_data(self, *, full_message: Mapping[str, Any]) -> SignedMessage:
        """EIP-712 typed data of atomic fields (``chain.eip712``; the voucher is one)."""
        from provenance.chain.eip712 import typed_data_digest

        return self._signed_message(typed_data_digest(full_message))

    def sign_transaction(self, tx: Mapping[str, Any]) -> SignedTransaction:
        """A type-2 (EIP-1559) transaction, or a legacy one with EIP-155 replay protection when
        ``gasPrice`` is given. Fields as eth-account takes them (``to`` as an address, ``data``
        as bytes or hex)."""
        to = _to_bytes(tx.get("to"), field="to")
        data = _to_bytes(tx.get("data", b""), field="data")
        chain_id = int(tx["chainId"])
        nonce = int(tx["nonce"])
        kind = int(tx.get("type", 0 if "gasPrice" in tx else 2))
        if kind not in (0, 2) or tx.get("accessList"):
            raise InputError(
                "only legacy and EIP-1559 transactions without access lists are signed"
            )
        if kind == 0:
            fields: list[RlpItem] = [
                nonce,
                int(tx["gasPrice"]),
                int(tx["gas"]),
                to,
                int(tx.get("value", 0)),
                data,
            ]
            recovery, r, s = self.sign_hash(bytes(keccak(rlp_encode([*fields, chain_id, 0, 0]))))
            v = recovery + 35 + 2 * chain_id
            raw = rlp_encode([*fields, v, r, s])
        else:
            fields = [
                chain_id,
                nonce,
                int(tx["maxPriorityFeePerGas"]),
                int(tx["maxFeePerGas"]),
                int(tx["gas"]),
                to,
                int(tx.get("value", 0)),
                data,
                [],  # access lists: never used by the toolkit
            ]
            recovery, r, s = self.sign_hash(bytes(keccak(b"\x02" + rlp_encode(fields))))
            v = recovery
            raw = b"\x02" + rlp_encode([*fields, v, r, s])
        return SignedTransaction(raw_transaction=raw, hash=bytes(keccak(raw)), v=v, r=r, s=s)


def derive_hd_key(mnemonic: str, path: str, *, passphrase: str = "") -> bytes:
    """BIP-39 seed and BIP-32 derivation of ``path`` (``m/44'/60'/0'/0/0``): the private key.

    Used for the devnet's public test mnemonic only (eth-account's HD wallet code is behind the
    same 0.7 s import); checked against eth-account in the tests."""
    seed = hashlib.pbkdf2_hmac(
        "sha512",
        " ".join(mnemonic.split()).encode(),
        ("mnemonic" + passphrase).encode(),
        2048,
    )
    digest = hmac.new(b"Bitcoin seed", seed, hashlib.sha512).digest()
    key, chain_code = digest[:32], digest[32:]
    parts = path.split("/")
    if parts[0] != "m":
        raise InputError(f"derivation path {path!r} must start with m/")
    for part in parts[1:]:
        hardened = part.endswith("'")
        index = int(part.rstrip("'")) + (0x80000000 if hardened else 0)
        if hardened:
            data = b"\x00" + key + index.to_bytes(4, "big")
        else:
            data = coincurve.PrivateKey(key).public_key.format() + index.to_bytes(4, "big")
        digest = hmac.new(chain_code, data, hashlib.sha512).digest()
        tweak = int.from_bytes(digest[:32], "big")
        child = (tweak + int.from_bytes(key, "big")) % SECP256K1_ORDER
        if tweak >= SECP256K1_ORDER or child == 0:  # BIP-32: skip to the next index (~2^-127)
            raise InputError(f"derivation path {path!r} hits an invalid key")
        key, chain_code = child.to_bytes(32, "big"), digest[32:]
    return key
