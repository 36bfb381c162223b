"""Who signed it: the address behind an ECDSA signature over a digest, or behind a signed
transaction (legacy, EIP-155 or EIP-1559), with libsecp256k1 (coincurve) and a strict RLP decoder.

Why not eth-account's ``recover_message`` / ``recover_transaction``: its import costs about
0.7 s (and ``rlp`` loads eth-utils and pydantic) for one public-key recovery. The answers are
eth-account's: ``tests/test_recovery.py`` compares both on random keys, messages, transactions
and damaged signatures (what eth-account refuses is refused here).
"""

from __future__ import annotations

import coincurve

from provenance.chain.address import to_checksum
from provenance.chain.keccak import keccak
from provenance.chain.signing import SECP256K1_ORDER, RlpItem, rlp_encode

__all__ = ["openzeppelin_form_problem", "recover_address", "rlp_decode", "transaction_signer"]


def _item(data: bytes, at: int) -> tuple[RlpItem, int]:
    """The item starting at ``at`` and where the next one starts."""
    if at >= len(data):
        raise ValueError("RLP ends inside an item")
    head = data[at]
    if head < 0x80:
        return data[at : at + 1], at + 1
    is_list = head >= 0xC0
    short = (head - (0xC0 if is_list else 0x80)) if head < (0xF8 if is_list else 0xB8) else None
    if short is not None:
        length, start = short, at + 1
    else:
        size = head - (0xF7 if is_list else 0xB7)
        raw = data[at + 1 : at + 1 + size]
        if len(raw) != size or raw[0] == 0:
            raise ValueError("RLP length is truncated or has leading zeros")
        length, start = int.from_bytes(raw, "big"), at + 1 + size
        if length < 56:
            raise ValueError("RLP long form used for a short item")
    end = start + length
    if end > len(data):
        raise ValueError("RLP item runs past the end")
    if not is_list:
        value = data[start:end]
        if short == 1 and value[0] < 0x80:
            raise ValueError("RLP single byte below 0x80 must encode itself")
        return value, end
    items: list[RlpItem] = []
    while start < end:
        item, start = _item(data, start)
        items.append(item)
    if start != end:
        raise ValueError("RLP list content overruns its length")
    return items, end


def rlp_decode(data: bytes) -> RlpItem:
    """One RLP item (byte strings and lists of them), canonical and with nothing after it;
    ``ValueError`` otherwise (translated by the caller: a damaged journal is a ``ConfigError``)."""
    item, end = _item(bytes(data), 0)
    if end != len(data):
        raise ValueError("bytes after the RLP item")
    return item


def _standard_v(v: int) -> int:
    """0 or 1 from any v eth-account accepts: 0/1, 27/28, or EIP-155's 35 + 2 * chain id + v."""
    if v in (0, 1):
        return v
    if v in (27, 28):
        return v - 27
    return (v - 35) % 2 if v >= 35 else -1


def recover_address(digest: bytes, signature: bytes) -> str | None:
    """The checksummed address whose key signed ``digest`` (65 bytes ``r || s || v``, v as
    eth-account's ``recover_message`` accepts it), or None when the signature is malformed or
    recovers no key. Note the contract (OpenZeppelin's ECDSA) is stricter: v 27/28 and low s."""
    if len(digest) != 32 or len(signature) != 65:
        return None
    v = _standard_v(signature[64])
    return _recover(digest, int.from_bytes(signature[:32], "big"),
                    int.from_bytes(signature[32:64], "big"), v)  # fmt: skip


def openzeppelin_form_problem(signature: bytes) -> str | None:
    """Why OpenZeppelin's ``ECDSA.recover`` (what the contract runs for an EOA signer) refuses a
    65-byte signature that ``recover_address`` accepts, or None: v must be 27 or 28 (``ecrecover``
    takes no other) and s in the lower half of the curve order (the upper-half twin of a valid
    signature is a malleated copy, EIP-2)."""
    if len(signature) != 65:
        return f"it is {len(signature)} bytes, not 65"
    if signature[64] not in (27, 28):
        return f"its v is {signature[64]}, not 27 or 28"
    if int.from_bytes(signature[32:64], "big") > SECP256K1_ORDER // 2:
        return "its s is in the upper half of the curve order, a malleated copy"
    return None


def _recover(digest: bytes, r: int, s: int, v: int) -> str | None:
    if v not in (0, 1) or not (0 < r < SECP256K1_ORDER and 0 < s < SECP256K1_ORDER):
        return None
    compact = r.to_bytes(32, "big") + s.to_bytes(32, "big") + bytes([v])
    try:
        public = coincurve.PublicKey.from_signature_and_message(compact, digest, hasher=None)
    except ValueError:
        return None
    return to_checksum("0x" + bytes(keccak(public.format(compressed=False)[1:])[-20:]).hex())


def _uint(item: RlpItem) -> int:
    if not isinstance(item, bytes) or item[:1] == b"\x00":
        raise ValueError("a transaction integer is not a canonical RLP integer")
    return int.from_bytes(item, "big")


def transaction_signer(raw: bytes) -> str:
    """The sender of a signed legacy / EIP-155 or EIP-1559 (type 2) transaction; ``ValueError``
    when it is not one, or its signature recovers no key."""
    if raw[:1] == b"\x02":
        fields = rlp_decode(raw[1:])
        if not isinstance(fields, list) or len(fields) != 12:
            raise ValueError("an EIP-1559 transaction has 12 fields")
        v, r, s = (_uint(f) for f in fields[9:])
        digest = bytes(keccak(b"\x02" + rlp_encode(fields[:9])))
    elif raw[:1] and raw[0] >= 0xC0:
        fields = rlp_decode(raw)
        if not isinstance(fields, list) or len(fields) != 9:
            raise ValueError("a legacy transaction has 9 fields")
        v, r, s = (_uint(f) for f in fields[6:])
        if v in (27, 28):
            v, unsigned = v - 27, fields[:6]
        elif v >= 35:
            chain_id, v = (v - 35) // 2, (v - 35) % 2
            unsigned = [*fields[:6], chain_id, 0, 0]
        else:
            raise ValueError(f"a legacy transaction's v is {v}")
        digest = bytes(keccak(rlp_encode(unsigned)))
    else:
        raise ValueError("not a legacy or EIP-1559 signed transaction")
    signer = _recover(digest, r, s, v)
    if signer is None:
        raise ValueError("the transaction's signature recovers no key")
    return signer
