"""Where a donor's public key comes from.

An address is a hash of a public key, so a key has to be given or recovered:

- ``key_from_signature``: an EIP-191 ``personal_sign`` signature (what MetaMask's "Sign" produces)
  over ``consent_message``; recovered, and must match the donor address.
- ``key_from_transaction``: any legacy, EIP-2930 or EIP-1559 transaction the donor sent, as
  web3.py's ``eth.get_transaction`` returns it; the signed transaction is rebuilt (RLP),
  its hash checked against the one the node reported, and the key recovered from its signature.
- ``key_from_public_key``: an explicit secp256k1 key, checked against the address.
- ``key_from_encryption_key``: a MetaMask ``eth_getEncryptionPublicKey`` result (x25519). It is
  derived from the wallet's private key by a one-way function that involves no address, so it
  *cannot* be checked against the donor: the result has ``verified=False``.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from typing import Any, Final

import coincurve

from provenance.chain.keccak import keccak
from provenance.chain.signing import SECP256K1_ORDER, personal_message_hash, rlp_encode
from provenance.errors import InputError, SealError
from provenance.seal.keys import (
    ECIES,
    X25519,
    DonorKey,
    address_of,
    checksum_address,
    parse_public_key,
)

__all__ = [
    "CONSENT_PURPOSE",
    "consent_message",
    "key_from_consent",
    "key_from_encryption_key",
    "key_from_public_key",
    "key_from_signature",
    "key_from_transaction",
    "recover_public_key",
    "signed_consent_text",
]

CONSENT_PURPOSE: Final = (
    "Purpose: reveal my public key so that a message can be sealed to it for the token below. "
    "This signature authorizes no transaction and no transfer."
)


def consent_message(
    *, donor: str, chain_id: int, contract: str, artwork_sha256: str | None = None
) -> str:
    """The text a donor signs with ``personal_sign`` so their public key can be recovered.

    It names the donor, the collection (chain id and contract) and, when known, the artwork's
    sha256, so a signature given for one work or collection cannot be replayed for another.
    """
    lines = [
        "provenance: donor key consent",
        "",
        CONSENT_PURPOSE,
        "",
        f"Donor: {checksum_address(donor, what='donor address')}",
        f"Chain ID: {_chain_id(chain_id)}",
        f"Contract: {checksum_address(contract, what='contract address')}",
    ]
    if artwork_sha256 is not None:
        lines.append(f"Artwork SHA-256: {_sha256_hex(artwork_sha256)}")
    return "\n".join(lines)


def _chain_id(value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise InputError(f"chain id {value!r} must be a positive integer")
    return value


def _sha256_hex(value: str) -> str:
    text = value.lower().removeprefix("0x")
    if len(text) != 64 or any(c not in "0123456789abcdef" for c in text):
        raise InputError(f"artwork sha256 {value!r} is not 64 hex digits")
    return text


def _signature_bytes(signature: str) -> bytes:
    text = signature.strip()
    if not text.startswith(("0x", "0X")):
        raise InputError("the signature must be 0x-prefixed hex")
    try:
        data = bytes.fromhex(text[2:])
    except ValueError as exc:
        raise InputError("the signature is not hex") from exc
    if len(data) != 65:
        raise InputError(f"the signature is {len(data)} bytes, expected 65 (r || s || v)")
    return data


def recover_public_key(msg_hash: bytes, *, v: int, r: int, s: int) -> bytes:
    """The 65-byte uncompressed key that signed ``msg_hash``; ``v`` is the recovery id (0 or 1)."""
    if v not in (0, 1) or not (0 < r < SECP256K1_ORDER and 0 < s < SECP256K1_ORDER):
        raise SealError("the signature is invalid: no public key can be recovered")
    compact = r.to_bytes(32, "big") + s.to_bytes(32, "big") + bytes([v])
    try:
        public = coincurve.PublicKey.from_signature_and_message(compact, msg_hash, hasher=None)
    except (ValueError, TypeError) as exc:
        raise SealError("the signature is invalid: no public key can be recovered") from exc
    return bytes(public.format(compressed=False))


def _check_donor(public_key: bytes, donor: str, *, what: str) -> str:
    signer = address_of(public_key)
    if signer != donor:
        raise SealError(f"{what} was made by {signer}, not by the donor {donor}")
    return signer


def key_from_signature(*, donor: str, message: str, signature: str) -> DonorKey:
    """Recover the donor's key from a ``personal_sign`` (EIP-191 version 0x45) signature."""
    address = checksum_address(donor, what="donor address")
    data = _signature_bytes(signature)
    v = data[64]
    # Wallets write v as 27/28; some libraries as 0/1.
    recovery_id = v - 27 if v in (27, 28) else v
    if recovery_id not in (0, 1):
        raise SealError(f"the signature's v byte is {v}, expected 27 or 28")
    msg_hash = personal_message_hash(message.encode("utf-8"))
    public_key = recover_public_key(
        bytes(msg_hash),
        v=recovery_id,
        r=int.from_bytes(data[:32], "big"),
        s=int.from_bytes(data[32:64], "big"),
    )
    _check_donor(public_key, address, what="the signature")
    return DonorKey(ECIES, public_key, address, True, "signature")


def signed_consent_text(printed: str) -> str:
    """The one consent rule, shared by ``seal recover`` and ``mint --donor-signature`` (and the
    wallet key message): the signed bytes are the text as printed without its final newline."""
    return printed.removesuffix("\n")


def key_from_consent(*, donor: str, text: str, signature: str) -> DonorKey:
    """``key_from_signature`` over ``signed_consent_text(text)``. When the signature is over the
    text *with* a final newline instead, the error says so (``context["newline"]`` is true)
    rather than naming some other signer."""
    signed = signed_consent_text(text)
    try:
        return key_from_signature(donor=donor, message=signed, signature=signature)
    except SealError as exc:
        try:
            key_from_signature(donor=donor, message=signed + "\n", signature=signature)
        except SealError:
            raise exc from None
        raise SealError(
            "the signature is over the text with its final newline; sign the text as printed"
            " without its final newline",
            newline=True,
        ) from None


# web3.py's get_transaction field names -> the fields each transaction type signs over.
_LEGACY_FIELDS: Final = ("nonce", "gasPrice", "gas", "to", "value")
_TYPED_FIELDS: Final[dict[int, tuple[str, ...]]] = {
    1: ("chainId", "nonce", "gasPrice", "gas", "to", "value", "accessList"),
    2: (
        "chainId",
        "nonce",
        "maxPriorityFeePerGas",
        "maxFeePerGas",
        "gas",
        "to",
        "value",
        "accessList",
    ),
}


def _field(tx: Mapping[str, Any], name: str) -> Any:
    if name not in tx:
        raise InputError(f"the transaction has no {name!r} field")
    return tx[name]


def _as_int(value: Any, name: str) -> int:
    if isinstance(value, bool):
        raise InputError(f"transaction field {name!r} is not an integer")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.startswith("0x"):
        return int(value, 16)
    if isinstance(value, bytes | bytearray):
        return int.from_bytes(value, "big")
    raise InputError(f"transaction field {name!r} is not an integer")


def _as_bytes(value: Any) -> bytes:
    if value is None:
        return b""
    if isinstance(value, bytes | bytearray):
        return bytes(value)
    if isinstance(value, str):
        return bytes.fromhex(value.removeprefix("0x"))
    raise InputError("transaction field is not bytes or hex")


def _access_list(value: Any) -> list[dict[str, Any]]:
    return [
        {
            "address": str(entry["address"]),
            "storageKeys": [
                "0x" + _as_bytes(key).hex() if not isinstance(key, str) else key
                for key in entry["storageKeys"]
            ],
        }
        for entry in (value or [])
    ]


def _unsigned_and_vrs(tx: Mapping[str, Any]) -> tuple[dict[str, Any], int, int, int, int]:
    """The unsigned transaction as a dict of its fields, its eth v, r, s, and recovery id."""
    tx_type = _as_int(tx.get("type", 0), "type")
    r = _as_int(_field(tx, "r"), "r")
    s = _as_int(_field(tx, "s"), "s")
    data = _as_bytes(tx.get("input", tx.get("data", b"")))
    if tx_type == 0:
        v = _as_int(_field(tx, "v"), "v")
        unsigned: dict[str, Any] = {name: tx.get(name) for name in _LEGACY_FIELDS}
        if v in (27, 28):  # pre-EIP-155: no chain id in the signature
            recovery_id = v - 27
            unsigned["chainId"] = None
        elif v >= 35:
            chain_id = (v - 35) // 2
            recovery_id = (v - 35) % 2
            unsigned["chainId"] = chain_id
        else:
            raise SealError(f"legacy transaction has an invalid v ({v})")
    elif tx_type in _TYPED_FIELDS:
        v = _as_int(tx.get("yParity", tx.get("v")), "yParity")
        if v not in (0, 1):
            raise SealError(f"typed transaction has an invalid y parity ({v})")
        recovery_id = v
        unsigned = {name: tx.get(name) for name in _TYPED_FIELDS[tx_type]}
        unsigned["type"] = tx_type
        unsigned["accessList"] = _access_list(unsigned["accessList"])
    else:
        raise InputError(
            f"transaction type {tx_type} is not supported (legacy, EIP-2930 and EIP-1559 are)"
        )
    missing = [
        name for name, value in unsigned.items() if value is None and name not in ("to", "chainId")
    ]
    if missing:
        raise InputError(f"the transaction lacks {', '.join(missing)}")
    if unsigned.get("to") is None:
        unsigned["to"] = b""  # contract creation
    for name in ("nonce", "gas", "value", "gasPrice", "maxFeePerGas", "maxPriorityFeePerGas"):
        if name in unsigned:
            unsigned[name] = _as_int(unsigned[name], name)
    unsigned["data"] = data
    return unsigned, v, r, s, recovery_id


def _signing_hash_and_raw(
    unsigned: Mapping[str, Any], v: int, r: int, s: int
) -> tuple[bytes, bytes]:
    """The hash the sender signed and the signed transaction's bytes, RLP-encoded as the specs
    say: legacy (EIP-155 when it names a chain), EIP-2930 (type 1) and EIP-1559 (type 2)."""
    tx_type = int(unsigned.get("type", 0))
    to = _as_bytes(unsigned["to"]) if unsigned["to"] else b""
    common = [unsigned["gas"], to, unsigned["value"], unsigned["data"]]
    if tx_type == 0:
        fields: list[Any] = [unsigned["nonce"], unsigned["gasPrice"], *common]
        chain_id = unsigned.get("chainId")
        preimage = rlp_encode(fields + ([chain_id, 0, 0] if chain_id is not None else []))
        return keccak(preimage), rlp_encode([*fields, v, r, s])
    access = [
        [_as_bytes(entry["address"]), [_as_bytes(key) for key in entry["storageKeys"]]]
        for entry in unsigned["accessList"]
    ]
    fees = (
        [unsigned["gasPrice"]]
        if tx_type == 1
        else [unsigned["maxPriorityFeePerGas"], unsigned["maxFeePerGas"]]
    )
    fields = [_as_int(unsigned["chainId"], "chainId"), unsigned["nonce"], *fees, *common, access]
    prefix = bytes([tx_type])
    return keccak(prefix + rlp_encode(fields)), prefix + rlp_encode([*fields, v, r, s])


def key_from_transaction(tx: Mapping[str, Any], *, donor: str) -> DonorKey:
    """Recover the donor's key from a transaction they sent (a ``eth.get_transaction`` result).

    The signed transaction is rebuilt from the fields and its keccak must equal the reported
    ``hash``: fields that were altered (or mis-rebuilt) cannot yield a key.
    """
    address = checksum_address(donor, what="donor address")
    unsigned, v, r, s, recovery_id = _unsigned_and_vrs(tx)
    try:
        signing_hash, raw = _signing_hash_and_raw(unsigned, v, r, s)
    except (TypeError, ValueError, KeyError) as exc:
        raise InputError(f"cannot rebuild the transaction from its fields: {exc}") from exc
    reported = tx.get("hash")
    if reported is None:
        raise InputError("the transaction has no 'hash' field to check it against")
    if keccak(raw) != _as_bytes(reported):
        raise SealError(
            "the transaction fields do not hash to the transaction's hash "
            f"{'0x' + _as_bytes(reported).hex()}: refusing to recover a key from them"
        )
    public_key = recover_public_key(bytes(signing_hash), v=recovery_id, r=r, s=s)
    signer = _check_donor(public_key, address, what="the transaction")
    reported_from = tx.get("from")
    if reported_from is not None and str(reported_from).lower() != signer.lower():
        raise SealError(
            f"the transaction's signature recovers to {signer}, but the node reports "
            f"{reported_from} as its sender"
        )
    return DonorKey(ECIES, public_key, address, True, "transaction")


def key_from_public_key(hex: str, *, donor: str | None = None) -> DonorKey:
    """An explicit secp256k1 public key (hex), checked against the donor address when given."""
    public_key = parse_public_key(hex)
    if donor is None:
        return DonorKey(ECIES, public_key, address_of(public_key), False, "pubkey")
    address = checksum_address(donor, what="donor address")
    derived = address_of(public_key)
    if derived != address:
        raise SealError(f"the public key belongs to {derived}, not to the donor {address}")
    return DonorKey(ECIES, public_key, address, True, "pubkey")


def key_from_encryption_key(b64: str, *, donor: str | None = None) -> DonorKey:
    """A MetaMask encryption public key (base64 x25519). Never verified: nothing ties it to an
    address."""
    text = b64.strip()
    try:
        key = base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError) as exc:
        raise InputError("the encryption public key is not base64") from exc
    if len(key) != 32:
        raise InputError(f"the encryption public key is {len(key)} bytes, expected 32 (x25519)")
    address = checksum_address(donor, what="donor address") if donor is not None else None
    return DonorKey(X25519, key, address, False, "encryption-key")
