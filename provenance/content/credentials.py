"""Content Credentials (C2PA) as the toolkit reads them: the certificate a minted work binds and
the check ``verify`` runs.

``gan generate --c2pa-identity`` signs a PNG with the artist's X.509 certificate
(``provenance.identity.c2pa``); C2PA cannot sign with a wallet's secp256k1 key, so the token's
metadata carries the sha256 of that certificate (``certificate_sha256``) and the wallet's mint
commits to it on chain. c2pa-python and cryptography come with the GAN extra
(``pip install '.[gan]'``); ``provenance.identity`` imports neither jax nor flax.
"""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from provenance.errors import ConfigError, InputError

if TYPE_CHECKING:
    from provenance.identity.certificates import ArtistIdentity

__all__ = [
    "Anchor",
    "anchor_from_pem",
    "check_credentials",
    "create_identity",
    "describe_identity",
    "has_manifest",
    "import_identity",
    "load_anchor",
    "load_identity_folder",
    "manifest_gallery",
    "mint_binding",
]

# C2PA embeds its manifest store in a PNG chunk of this type (C2PA 2.x, "caBX").
MANIFEST_CHUNK = b"caBX"
_SHA256_HEX = re.compile(r"[0-9a-f]{64}")


def has_manifest(png: bytes) -> bool:
    """Whether a PNG's chunk list holds a C2PA manifest store (no decoding, bounded by the file)."""
    if not png.startswith(b"\x89PNG\r\n\x1a\n"):
        return False
    pos = 8
    while pos + 8 <= len(png):
        (length,) = struct.unpack(">I", png[pos : pos + 4])
        kind = png[pos + 4 : pos + 8]
        if kind == MANIFEST_CHUNK:
            return True
        if kind == b"IEND":
            return False
        pos += 12 + length
    return False


def _gan_extra() -> None:
    try:
        import c2pa  # noqa: F401
        import cryptography  # noqa: F401
    except ImportError as exc:
        raise InputError(
            f"Content Credentials need the GAN extra (pip install '.[gan]'): {exc}"
        ) from exc


@dataclass(frozen=True)
class Anchor:
    """What a verifier trusts: the root (``anchor_pem``) and, when known, the artist's end-entity
    certificate (``certificate_pem``), whose sha256 a token binds."""

    anchor_pem: bytes
    certificate_pem: bytes | None
    source: str


def load_identity_folder(folder: Path) -> ArtistIdentity:
    """The identity in ``folder`` (public half), errors as the toolkit's."""
    _gan_extra()
    from provenance.errors import IdentityError
    from provenance.identity.certificates import load_identity

    try:
        return load_identity(folder)
    except IdentityError as exc:  # missing or damaged: the state folder, not the command
        raise ConfigError(f"{exc} (`provenance identity init` or `identity import`)") from exc


def load_anchor(path: Path | None, identity_folder: Path) -> Anchor | None:
    """``--trust-anchor PEM`` (one certificate: the root; several: a chain, end-entity first and
    root last, as ``identity`` writes certificate-chain.pem), else the artist's own identity
    under PROVENANCE_HOME, else None."""
    if path is None:
        if not (identity_folder / "certificate-chain.pem").is_file():
            return None
        identity = load_identity_folder(identity_folder)
        return Anchor(identity.anchor_pem, identity.chain_pem, str(identity_folder))
    try:
        pem = path.read_bytes()[: 1 << 20]
    except FileNotFoundError:
        raise InputError(f"trust anchor not found: {path}") from None
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror}") from None
    return anchor_from_pem(pem, source=str(path))


def anchor_from_pem(pem: bytes, *, source: str) -> Anchor:
    """An anchor from PEM certificates (one: the root; several: a chain, end-entity first and
    root last); ``source`` says where the verifier got them (a file, a gallery's descriptor)."""
    _gan_extra()
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import Encoding

    try:
        certificates = x509.load_pem_x509_certificates(pem)
    except ValueError:
        raise InputError(f"{source} is not PEM certificates") from None
    root = certificates[-1].public_bytes(Encoding.PEM)
    leaf = certificates[0].public_bytes(Encoding.PEM) if len(certificates) > 1 else None
    return Anchor(root, leaf, source)


def mint_binding(png: bytes, identity_folder: Path) -> dict[str, str] | None:
    """``{"certificate_sha256": ...}`` for a PNG carrying Content Credentials, after checking that
    the artist's identity (``identity_folder``) signed it and the pixels are intact; None for a
    PNG without a manifest."""
    if not has_manifest(png):
        return None
    if not (identity_folder / "certificate-chain.pem").is_file():
        raise ConfigError(
            f"the PNG carries Content Credentials but {identity_folder} holds no identity to bind"
            " (`provenance identity init` or `provenance identity import`)"
        )
    identity = load_identity_folder(identity_folder)
    from provenance.identity.c2pa import read_credentials, signed_by

    credentials = read_credentials(png, trust_anchor_pem=identity.anchor_pem)
    if credentials.state == "absent":
        raise InputError("the PNG has a C2PA chunk (caBX) that holds no readable manifest")
    if credentials.failures:
        codes = ", ".join(f["code"] for f in credentials.failures)
        raise InputError(f"the PNG's Content Credentials do not hold: {codes}")
    if credentials.state != "Trusted" or not signed_by(credentials, identity.chain_pem):
        raise InputError(
            f"the PNG's Content Credentials are signed by {_signer(credentials.signer)},"
            f" not by the identity in {identity_folder} ({identity.subject})"
        )
    return {"certificate_sha256": identity.certificate_sha256}


def _signer(signer: dict[str, str]) -> str:
    return f"CN={signer.get('common_name', '?')} (serial {signer.get('serial', '?')})"


def _claimed_problem(claimed: Any) -> str | None:
    """What is wrong with the metadata's ``credentials`` object, or None."""
    if not isinstance(claimed, dict) or not isinstance(claimed.get("certificate_sha256"), str):
        return "the metadata's credentials lack certificate_sha256"
    if not _SHA256_HEX.fullmatch(claimed["certificate_sha256"]):
        return "the metadata's certificate_sha256 is not 64 lower-case hex digits"
    return None


def check_credentials(
    png: bytes, claimed: Any, generator: Any, anchor: Anchor | None
) -> tuple[bool | None, str]:
    """``verify``'s credentials check: (ok, evidence). ``claimed`` is the metadata's
    ``provenance.credentials`` (or None), ``generator`` its generation record."""
    claimed_sha: str | None = None
    if claimed is not None:
        problem = _claimed_problem(claimed)
        if problem is not None:
            return False, problem
        claimed_sha = str(claimed["certificate_sha256"])
    if not has_manifest(png):
        if claimed_sha is not None:
            return (
                False,
                f"the metadata binds certificate {claimed_sha[:16]}... but the PNG has no manifest",
            )
        return None, "no Content Credentials"
    try:
        _gan_extra()
    except InputError as exc:
        return None, f"not checked: {exc.message}"
    from provenance.identity.c2pa import read_credentials, signed_by
    from provenance.identity.certificates import certificate_sha256

    credentials = read_credentials(png, trust_anchor_pem=anchor.anchor_pem if anchor else None)
    if credentials.state == "absent":
        return False, "the PNG has a C2PA chunk (caBX) that holds no readable manifest"
    signer = _signer(credentials.signer)
    if credentials.failures:
        failed = "; ".join(f"{f['code']} ({f['explanation']})" for f in credentials.failures)
        return False, f"the manifest signed by {signer} does not hold: {failed}"
    if isinstance(generator, dict) and "onnx" in generator:
        # ``mint --onnx`` names the export beside the record in the metadata only; the PNG's
        # record, and the manifest's assertion of it, never carry it.
        generator = {k: v for k, v in generator.items() if k != "onnx"}
    if generator is not None and credentials.generation != generator:
        return False, "the manifest's generation assertion differs from the PNG's record"
    if anchor is None:
        return None, (
            f"manifest intact, signed by {signer}; not trusted: no anchor (give --trust-anchor"
            " or keep the artist's identity in PROVENANCE_HOME)"
        )
    if credentials.state != "Trusted":
        return False, f"signed by {signer}, state {credentials.state} under {anchor.source}"
    if anchor.certificate_pem is None:
        note = "certificate sha256 not compared (give the chain file to --trust-anchor)"
        return True, f"Trusted: signed by {signer} under {anchor.source}; {note}"
    if not signed_by(credentials, anchor.certificate_pem):
        return False, f"signed by {signer}, not by the certificate of {anchor.source}"
    sha = certificate_sha256(anchor.certificate_pem)
    if claimed_sha is None:
        return True, f"Trusted: signed by {signer}; the metadata binds no certificate"
    if claimed_sha != sha:
        return (
            False,
            f"the metadata binds certificate {claimed_sha[:16]}..., signed by {sha[:16]}...",
        )
    return True, f"Trusted: signed by {signer}, certificate sha256 {sha[:16]}... as bound on chain"


def manifest_gallery(png: bytes) -> str | None:
    """The gallery URL a PNG's Content Credentials name (``gan generate --gallery-url``), or None
    (no manifest, none named, or no GAN extra to read it). Untrusted: a hint of where to look."""
    if not has_manifest(png):
        return None
    try:
        _gan_extra()
    except InputError:
        return None
    from provenance.identity.c2pa import read_credentials

    return read_credentials(png).gallery_url


def create_identity(folder: Path, *, name: str, passphrase: bytes) -> ArtistIdentity:
    """A local root and end-entity certificate for ``name`` (``provenance.identity.certificates``); never overwrites."""
    _gan_extra()
    from provenance.errors import IdentityError
    from provenance.identity import certificates as identity

    try:
        return identity.create_identity(folder, name=name, passphrase=passphrase)
    except IdentityError as exc:
        raise InputError(str(exc)) from exc


def import_identity(
    folder: Path, *, chain: Path, key: Path, passphrase: bytes, key_passphrase: bytes | None
) -> ArtistIdentity:
    """The artist's own chain (end-entity first) and P-256 key, re-encrypted under
    ``passphrase``; never overwrites."""
    _gan_extra()
    from provenance.errors import IdentityError
    from provenance.identity import certificates as identity

    try:
        chain_pem, key_pem = chain.read_bytes(), key.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read {exc.filename}: {exc.strerror}") from None
    try:
        return identity.import_identity(
            folder,
            chain_pem=chain_pem,
            key_pem=key_pem,
            passphrase=passphrase,
            key_passphrase=key_passphrase,
        )
    except IdentityError as exc:
        raise InputError(str(exc)) from exc


def rekey_identity(identity: ArtistIdentity, *, passphrase: bytes, new_passphrase: bytes) -> None:
    """Re-encrypt the identity's keys under ``new_passphrase`` with the current protection."""
    from provenance.errors import IdentityError
    from provenance.identity import certificates

    try:
        certificates.rekey_identity(identity, passphrase, new_passphrase)
    except IdentityError as exc:
        raise InputError(str(exc)) from exc


def describe_identity(identity: ArtistIdentity) -> dict[str, Any]:
    """What ``identity show`` prints: public facts only."""
    from provenance.identity.certificates import (
        CHAIN_FILE,
        KEY_FILE,
        TRUST_ANCHOR_FILE,
        key_protection,
    )

    certificate = identity.certificate
    return {
        "subject": identity.subject,
        "issuer": certificate.issuer.rfc4514_string(),
        "serial": str(certificate.serial_number),
        "not_after": certificate.not_valid_after_utc.isoformat(),
        "certificate_sha256": identity.certificate_sha256,
        "folder": str(identity.folder),
        "certificate_chain": str(identity.folder / CHAIN_FILE),
        "trust_anchor": str(identity.folder / TRUST_ANCHOR_FILE),
        "signing_key": str(identity.folder / KEY_FILE),
        "key_protection": key_protection(identity.folder / KEY_FILE),
    }
