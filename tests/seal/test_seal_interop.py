"""Interop, both directions, with the real independent implementations running in node:
eciesjs (secp256k1-ecies) and @metamask/eth-sig-util (x25519-xsalsa20-poly1305, personal_sign)."""

from __future__ import annotations

import base64
import random
from collections.abc import Callable
from typing import Any

import coincurve
from eth_account import Account

from provenance.seal import (
    ECIES,
    X25519,
    DonorKey,
    consent_message,
    encryption_public_key,
    key_from_encryption_key,
    key_from_signature,
    open_envelope,
    seal,
)

Peer = Callable[[list[dict[str, Any]]], list[Any]]

# Fixed-seed variety: ASCII, Latin-1, CJK, emoji, both size limits.
_rng = random.Random(4)
_ALPHABET = 'aZ9 \n\t"\\/{}éßΩЖ中文字🎨💌\u200d'
MESSAGES = [
    "a",
    "Hello, donor!",
    "Grüße — 寄付者へ 🎨💌",
    "é" * 512,  # 1024 bytes
    *("".join(_rng.choice(_ALPHABET) for _ in range(_rng.randint(1, 200))) for _ in range(8)),
]


def _keys(n: int) -> list[bytes]:
    return [coincurve.PrivateKey().secret for _ in range(n)]


def test_ecies_ours_to_eciesjs(peer: Peer) -> None:
    secrets = _keys(len(MESSAGES))
    ops = []
    for secret, text in zip(secrets, MESSAGES, strict=True):
        point = coincurve.PublicKey.from_secret(secret).format(compressed=False)
        envelope = seal(text, DonorKey(ECIES, point, None, False, "pubkey"))
        ops.append(
            {
                "op": "ecies-decrypt",
                "privateKey": secret.hex(),
                "ciphertext": envelope["ciphertext"],
            }
        )
    opened = peer(ops)
    assert [base64.b64decode(o).decode("utf-8") for o in opened] == MESSAGES


def test_ecies_eciesjs_to_ours(peer: Peer) -> None:
    secrets = _keys(len(MESSAGES))
    ops = [
        {
            "op": "ecies-encrypt",
            # eciesjs accepts the compressed form too; give it that to exercise its conversion.
            "publicKey": coincurve.PublicKey.from_secret(secret).format(compressed=True).hex(),
            "message": base64.b64encode(text.encode()).decode(),
        }
        for secret, text in zip(secrets, MESSAGES, strict=True)
    ]
    blobs = peer(ops)
    for secret, text, blob in zip(secrets, MESSAGES, blobs, strict=True):
        envelope = {"version": ECIES, "ciphertext": blob}
        assert open_envelope(envelope, secret) == text.encode()


def test_metamask_encryption_key_matches(peer: Peer) -> None:
    secrets = _keys(5)
    theirs = peer([{"op": "metamask-encryption-key", "privateKey": s.hex()} for s in secrets])
    assert theirs == [encryption_public_key(s) for s in secrets]


def test_x25519_ours_to_metamask(peer: Peer) -> None:
    secrets = _keys(len(MESSAGES))
    keys = peer([{"op": "metamask-encryption-key", "privateKey": s.hex()} for s in secrets])
    ops = [
        {
            "op": "metamask-decrypt",
            "privateKey": secret.hex(),
            "envelope": seal(text, key_from_encryption_key(key)),
        }
        for secret, key, text in zip(secrets, keys, MESSAGES, strict=True)
    ]
    assert peer(ops) == MESSAGES


def test_x25519_metamask_to_ours(peer: Peer) -> None:
    secrets = _keys(len(MESSAGES))
    keys = peer([{"op": "metamask-encryption-key", "privateKey": s.hex()} for s in secrets])
    envelopes = peer(
        [
            {"op": "metamask-encrypt", "publicKey": key, "message": text}
            for key, text in zip(keys, MESSAGES, strict=True)
        ]
    )
    for secret, text, envelope in zip(secrets, MESSAGES, envelopes, strict=True):
        assert set(envelope) == {"version", "nonce", "ephemPublicKey", "ciphertext"}
        assert envelope["version"] == X25519
        assert open_envelope(envelope, secret) == text.encode()


def test_personal_sign_recovers_the_key(peer: Peer) -> None:
    accounts = [Account.create() for _ in range(4)]
    contract = Account.create().address
    messages = [
        consent_message(donor=a.address, chain_id=31337, contract=contract, artwork_sha256=None)
        if i % 2
        else consent_message(
            donor=a.address, chain_id=1, contract=contract, artwork_sha256="ab" * 32
        )
        for i, a in enumerate(accounts)
    ]
    signatures = peer(
        [
            {"op": "personal-sign", "privateKey": a.key.to_0x_hex(), "message": m}
            for a, m in zip(accounts, messages, strict=True)
        ]
    )
    for account, message, signature in zip(accounts, messages, signatures, strict=True):
        key = key_from_signature(donor=account.address, message=message, signature=signature)
        expected = coincurve.PublicKey.from_secret(bytes(account.key)).format(compressed=False)
        assert key.public_key == expected
        assert key.verified and key.source == "signature" and key.address == account.address
