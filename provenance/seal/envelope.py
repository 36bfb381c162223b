"""Sealed-message envelopes: seal a donor's message to their public key, open it with their key.

Two schemes, byte-compatible with the tools donors already use:

``secp256k1-ecies``
    ``{"version": "secp256k1-ecies", "ciphertext": "<base64>"}``; the bytes are eciesjs' / eciespy's
    default format: 65-byte uncompressed ephemeral public key || 16-byte nonce || 16-byte GCM tag ||
    AES-256-GCM ciphertext, key = HKDF-SHA256(ephemeral pk || uncompressed shared point), no salt,
    no info. Opened with the donor's Ethereum private key.
``x25519-xsalsa20-poly1305``
    MetaMask's ``eth_decrypt`` envelope ``{"version", "nonce", "ephemPublicKey", "ciphertext"}``
    (base64), exactly what ``@metamask/eth-sig-util``'s ``encrypt`` returns (no padding). The
    donor's wallet opens it; so does the donor's Ethereum private key used as the x25519 secret,
    which is how MetaMask derives its encryption key.

Envelopes are parsed strictly (known version, exactly the known fields, canonical base64, exact
lengths) and every failure of authentication is a ``SealError``: a wrong key or a tampered byte
never yields a plaintext. The on-chain form is the RFC 8785 (JCS) serialization,
``envelope_bytes``.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from typing import Any, Final

import nacl.exceptions
import nacl.public
import nacl.utils
import rfc8785
from coincurve.utils import GROUP_ORDER_INT

from provenance.errors import InputError, SealError
from provenance.seal.keys import ECIES, X25519, DonorKey
from provenance.untrusted import load_json

__all__ = [
    "MAX_ENVELOPE_BYTES",
    "MAX_MESSAGE_BYTES",
    "encryption_public_key",
    "envelope_bytes",
    "open_envelope",
    "open_with_x25519_secret",
    "parse_envelope",
    "seal",
    "validate_envelope",
]

MAX_MESSAGE_BYTES: Final = 1024
# An envelope of the largest message is under 2 KB of JSON (1,121 bytes of ciphertext in base64);
# anything much larger, or nested at all, is refused before it is parsed.
MAX_ENVELOPE_BYTES: Final = 8 * 1024
_MAX_ENVELOPE_DEPTH: Final = 2


def _ecies() -> tuple[Any, Any]:
    """eciespy and its configuration, imported when an ECIES envelope is sealed or opened: it loads
    pycryptodome through cffi's C parser (about 0.1 s), which parsing and verifying never need.
    Every parameter of the format is spelled out, so a change of eciespy's defaults cannot silently
    change what we write (or what we accept)."""
    import ecies
    from ecies.config import Config

    return ecies, Config(
        elliptic_curve="secp256k1",
        is_ephemeral_key_compressed=False,
        is_hkdf_key_compressed=False,
        symmetric_algorithm="aes-256-gcm",
        symmetric_nonce_length=16,
    )


_ECIES_OVERHEAD: Final = 65 + 16 + 16
_BOX_NONCE: Final = nacl.public.Box.NONCE_SIZE  # 24
_BOX_KEY: Final = nacl.public.PublicKey.SIZE  # 32
_BOX_MAC: Final = 16
_X25519_P: Final = 2**255 - 19

_FIELDS: Final[dict[str, frozenset[str]]] = {
    ECIES: frozenset({"version", "ciphertext"}),
    X25519: frozenset({"version", "nonce", "ephemPublicKey", "ciphertext"}),
}


def _message_bytes(message: bytes | str) -> bytes:
    if isinstance(message, str):
        try:
            data = message.encode("utf-8", errors="strict")
        except UnicodeEncodeError as exc:
            raise InputError("the message is not valid Unicode text (lone surrogate)") from exc
    else:
        data = bytes(message)
        try:
            data.decode("utf-8", errors="strict")
        except UnicodeDecodeError as exc:
            raise InputError("the message is not valid UTF-8 text") from exc
    if not data:
        raise InputError("the message is empty")
    if len(data) > MAX_MESSAGE_BYTES:
        raise InputError(
            f"the message is {len(data)} bytes of UTF-8; at most {MAX_MESSAGE_BYTES} are allowed"
        )
    return data


def _b64encode(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _b64decode(value: Any, field: str) -> bytes:
    if not isinstance(value, str):
        raise SealError(f"envelope field {field!r} must be a base64 string")
    try:
        data = base64.b64decode(value.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError) as exc:
        raise SealError(f"envelope field {field!r} is not valid base64") from exc
    # Reject non-canonical encodings (stray bits in the padding): one envelope, one spelling.
    if _b64encode(data) != value:
        raise SealError(f"envelope field {field!r} is not canonical base64")
    return data


def seal(message: bytes | str, key: DonorKey) -> dict[str, str]:
    """Encrypt ``message`` (1..1024 bytes of UTF-8) to ``key``; return the envelope (a JSON object)."""
    data = _message_bytes(message)
    if key.scheme == ECIES:
        try:
            ecies, config = _ecies()
            blob = ecies.encrypt(key.public_key, data, config=config)
        except (ValueError, TypeError) as exc:
            raise SealError("the donor's secp256k1 public key is invalid") from exc
        return {"version": ECIES, "ciphertext": _b64encode(blob)}
    if key.scheme == X25519:
        try:
            recipient = nacl.public.PublicKey(key.public_key)
        except (nacl.exceptions.CryptoError, ValueError, TypeError) as exc:
            raise SealError("the donor's x25519 encryption key is invalid") from exc
        ephemeral = nacl.public.PrivateKey.generate()
        box = nacl.public.Box(ephemeral, recipient)
        nonce = nacl.utils.random(_BOX_NONCE)
        sealed = box.encrypt(data, nonce)
        return {
            "version": X25519,
            "nonce": _b64encode(nonce),
            "ephemPublicKey": _b64encode(bytes(ephemeral.public_key)),
            "ciphertext": _b64encode(sealed.ciphertext),
        }
    raise SealError(f"unknown envelope scheme {key.scheme!r}")


def validate_envelope(envelope: Mapping[str, Any]) -> dict[str, str]:
    """Check an envelope's version, fields, base64 and lengths; return a plain copy."""
    if not isinstance(envelope, Mapping):
        raise SealError("an envelope must be a JSON object")
    version = envelope.get("version")
    if not isinstance(version, str) or version not in _FIELDS:
        known = ", ".join(sorted(_FIELDS))
        raise SealError(f"unknown envelope version {version!r} (known: {known})")
    fields = set(envelope)
    if fields != _FIELDS[version]:
        missing = sorted(_FIELDS[version] - fields)
        extra = sorted(fields - _FIELDS[version])
        detail = "; ".join(
            part
            for part in (
                f"missing {', '.join(missing)}" if missing else "",
                f"unexpected {', '.join(map(str, extra))}" if extra else "",
            )
            if part
        )
        raise SealError(f"malformed {version} envelope: {detail}")
    _decoded(envelope)
    return {name: str(envelope[name]) for name in sorted(fields)}


def _decoded(envelope: Mapping[str, Any]) -> dict[str, bytes]:
    version = envelope["version"]
    ciphertext = _b64decode(envelope["ciphertext"], "ciphertext")
    if version == ECIES:
        size = len(ciphertext) - _ECIES_OVERHEAD
        if not 1 <= size <= MAX_MESSAGE_BYTES:
            raise SealError(
                f"malformed {ECIES} envelope: ciphertext is {len(ciphertext)} bytes, expected "
                f"{_ECIES_OVERHEAD + 1}..{_ECIES_OVERHEAD + MAX_MESSAGE_BYTES}"
            )
        if ciphertext[0] != 0x04:
            raise SealError(
                f"malformed {ECIES} envelope: the ephemeral key is not an uncompressed point"
            )
        return {"ciphertext": ciphertext}
    nonce = _b64decode(envelope["nonce"], "nonce")
    ephemeral = _b64decode(envelope["ephemPublicKey"], "ephemPublicKey")
    if len(nonce) != _BOX_NONCE:
        raise SealError(f"malformed {X25519} envelope: nonce is {len(nonce)} bytes, not 24")
    if len(ephemeral) != _BOX_KEY:
        raise SealError(
            f"malformed {X25519} envelope: ephemPublicKey is {len(ephemeral)} bytes, not 32"
        )
    # X25519 ignores the top bit of a public key and reduces values >= 2^255 - 19, so one key has
    # several spellings; a flipped top bit would still open. Accept only the canonical spelling
    # (what every X25519 implementation outputs): every changed byte then fails.
    if int.from_bytes(ephemeral, "little") >= _X25519_P:
        raise SealError(f"malformed {X25519} envelope: ephemPublicKey is not canonical")
    size = len(ciphertext) - _BOX_MAC
    if not 1 <= size <= MAX_MESSAGE_BYTES:
        raise SealError(
            f"malformed {X25519} envelope: ciphertext is {len(ciphertext)} bytes, expected "
            f"{_BOX_MAC + 1}..{_BOX_MAC + MAX_MESSAGE_BYTES}"
        )
    return {"nonce": nonce, "ephemPublicKey": ephemeral, "ciphertext": ciphertext}


def _check_private_key(private_key: bytes) -> None:
    # Never echo the key: only its length, or that it is out of range.
    if not isinstance(private_key, bytes | bytearray) or len(private_key) != 32:
        raise SealError("the private key must be 32 bytes")
    if not 0 < int.from_bytes(private_key, "big") < GROUP_ORDER_INT:
        raise SealError("the private key is not a valid secp256k1 key")


def open_envelope(envelope: Mapping[str, Any], private_key: bytes) -> bytes:
    """Decrypt an envelope with the donor's 32-byte Ethereum private key; return the message.

    Raises ``SealError`` for a malformed envelope, the wrong key, or any tampering.
    """
    clean = validate_envelope(envelope)
    _check_private_key(private_key)
    parts = _decoded(clean)
    secret = bytes(private_key)
    if clean["version"] == ECIES:
        try:
            ecies, config = _ecies()
            plaintext = ecies.decrypt(secret, parts["ciphertext"], config=config)
        except (ValueError, TypeError) as exc:
            # A bad ephemeral point and a failed GCM tag both land here; neither says more.
            raise SealError(
                f"cannot open the {ECIES} envelope: wrong key or tampered envelope"
            ) from exc
    else:
        plaintext = _open_box(parts, secret)
    return _utf8(plaintext)


def open_with_x25519_secret(envelope: Mapping[str, Any], secret: bytes) -> bytes:
    """Open an ``x25519-xsalsa20-poly1305`` envelope with a 32-byte x25519 secret (any 32 bytes,
    e.g. a wallet-derived key; not required to be a secp256k1 key)."""
    clean = validate_envelope(envelope)
    if clean["version"] != X25519:
        raise SealError(f"an x25519 secret opens only {X25519} envelopes")
    if not isinstance(secret, bytes | bytearray) or len(secret) != 32:
        raise SealError("an x25519 secret is 32 bytes")
    return _utf8(_open_box(_decoded(clean), bytes(secret)))


def _open_box(parts: dict[str, bytes], secret: bytes) -> bytes:
    try:
        box = nacl.public.Box(
            nacl.public.PrivateKey(secret), nacl.public.PublicKey(parts["ephemPublicKey"])
        )
        return bytes(box.decrypt(parts["ciphertext"], parts["nonce"]))
    except (nacl.exceptions.CryptoError, ValueError, TypeError) as exc:
        raise SealError(
            f"cannot open the {X25519} envelope: wrong key or tampered envelope"
        ) from exc


def _utf8(plaintext: bytes) -> bytes:
    try:
        plaintext.decode("utf-8", errors="strict")
    except UnicodeDecodeError as exc:
        raise SealError("the opened message is not UTF-8 text") from exc
    return plaintext


def envelope_bytes(envelope: Mapping[str, Any]) -> bytes:
    """The canonical (RFC 8785) bytes of a validated envelope: what goes on chain and is hashed."""
    return rfc8785.dumps(validate_envelope(envelope))


def parse_envelope(data: bytes) -> dict[str, str]:
    """Parse and validate envelope JSON (bytes, UTF-8); any formatting, strict content.

    Size and nesting are checked before parsing: the bytes may come from a token's event or a
    file anyone wrote, and deep nesting would crash the parser rather than fail."""
    value = load_json(
        data,
        max_bytes=MAX_ENVELOPE_BYTES,
        max_depth=_MAX_ENVELOPE_DEPTH,
        what="the envelope",
        error=SealError,
        unique_keys=True,
    )
    if not isinstance(value, dict):
        raise SealError("an envelope must be a JSON object")
    return validate_envelope(value)


def encryption_public_key(private_key: bytes) -> str:
    """MetaMask's ``eth_getEncryptionPublicKey`` for a private key: the x25519 public key of the
    32-byte Ethereum private key used as the x25519 secret, base64."""
    _check_private_key(private_key)
    return _b64encode(bytes(nacl.public.PrivateKey(bytes(private_key)).public_key))
