#!/usr/bin/env python3
"""Seal benchmark: encrypt + decrypt of a 1 KiB message (both schemes) and donor key recovery from
a personal_sign signature, in process, beside eciespy's own encrypt/decrypt as the reference.

    .venv/bin/python scripts/bench_seal.py [--rounds N]

Each figure is the median of N rounds (ms per operation); the target is < 10 ms each.
"""

from __future__ import annotations

import argparse
import base64
import statistics
import time
from collections.abc import Callable

import coincurve
import ecies
from eth_account import Account
from eth_account.messages import encode_defunct

from provenance.seal import (
    ECIES,
    DonorKey,
    consent_message,
    encryption_public_key,
    key_from_encryption_key,
    key_from_signature,
    open_envelope,
    seal,
)

TARGET_MS = 10.0


def _median_ms(func: Callable[[], object], rounds: int) -> float:
    func()  # warm-up (imports, first-call caches)
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        func()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--smoke", action="store_true", help="a few rounds: check the script works")
    parsed = parser.parse_args()
    rounds = 5 if parsed.smoke else parsed.rounds

    secret = coincurve.PrivateKey().secret
    point = coincurve.PublicKey.from_secret(secret).format(compressed=False)
    message = ("x" * 1024).encode()
    ecies_key = DonorKey(ECIES, point, None, False, "pubkey")
    x25519_key = key_from_encryption_key(encryption_public_key(secret))

    account = Account.from_key(secret)
    text = consent_message(
        donor=account.address, chain_id=31337, contract=account.address, artwork_sha256="ab" * 32
    )
    signature = account.sign_message(encode_defunct(text=text)).signature.to_0x_hex()

    def ours_ecies() -> None:
        assert open_envelope(seal(message, ecies_key), secret) == message

    def ours_x25519() -> None:
        assert open_envelope(seal(message, x25519_key), secret) == message

    def reference_eciespy() -> None:
        assert ecies.decrypt(secret, ecies.encrypt(point, message)) == message

    def recover() -> None:
        assert key_from_signature(donor=account.address, message=text, signature=signature)

    # Sanity: our ECIES bytes are eciespy's format.
    blob = base64.b64decode(seal(message, ecies_key)["ciphertext"])
    assert ecies.decrypt(secret, blob) == message

    rows = [
        ("secp256k1-ecies encrypt+decrypt 1 KiB (provenance)", _median_ms(ours_ecies, rounds)),
        (
            "secp256k1-ecies encrypt+decrypt 1 KiB (eciespy, reference)",
            _median_ms(reference_eciespy, rounds),
        ),
        (
            "x25519-xsalsa20-poly1305 encrypt+decrypt 1 KiB (provenance)",
            _median_ms(ours_x25519, rounds),
        ),
        ("key recovery from personal_sign signature (provenance)", _median_ms(recover, rounds)),
    ]
    width = max(len(name) for name, _ in rows)
    print(f"{'operation':<{width}}  median ms  (< {TARGET_MS:g} ms?)   rounds={rounds}")
    for name, ms in rows:
        verdict = "ok" if ms < TARGET_MS else "OVER"
        print(f"{name:<{width}}  {ms:9.3f}  {verdict}")


if __name__ == "__main__":
    main()
