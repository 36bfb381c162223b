"""The artist's signing identity for Content Credentials: an X.509 chain and an ES256 (P-256) key.

C2PA signs with X.509 certificates, not wallet keys, and refuses a self-signed end-entity
certificate. An artist without a certificate gets a local chain: a root (a CA that only signs the
artist's certificates) and an end-entity certificate (not a CA, keyUsage digitalSignature,
extendedKeyUsage emailProtection, subject and authority key identifiers). An artist with their own
certificate imports it instead. Verifiers trust the root as the artist's anchor.

Folder layout (the caller chooses it, e.g. ``PROVENANCE_HOME/identity``)::

    certificate-chain.pem  end-entity certificate first, then its issuers (public)
    trust-anchor.pem       the root certificate a verifier should trust (public)
    signing-key.pem        the end-entity key, PKCS#8 encrypted with the passphrase (0600)
    root-key.pem           the local root's key, encrypted likewise (0600; local chains only)

Private keys exist in clear only in memory, for the moment of signing; they are never written,
logged or put in an exception message.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from provenance.errors import IdentityError

__all__ = [
    "CHAIN_FILE",
    "KEY_FILE",
    "ROOT_KEY_FILE",
    "TRUST_ANCHOR_FILE",
    "ArtistIdentity",
    "certificate_sha256",
    "create_identity",
    "import_identity",
    "load_identity",
    "unlock_signing_key",
]

CHAIN_FILE = "certificate-chain.pem"
TRUST_ANCHOR_FILE = "trust-anchor.pem"
KEY_FILE = "signing-key.pem"
ROOT_KEY_FILE = "root-key.pem"


@dataclass(frozen=True)
class ArtistIdentity:
    folder: Path
    chain_pem: bytes  # end-entity first
    anchor_pem: bytes

    @property
    def certificate(self) -> x509.Certificate:
        return x509.load_pem_x509_certificates(self.chain_pem)[0]

    @property
    def certificate_sha256(self) -> str:
        """sha256 of the end-entity certificate (DER): what a token's metadata binds."""
        return certificate_sha256(self.chain_pem)

    @property
    def subject(self) -> str:
        return self.certificate.subject.rfc4514_string()


def certificate_sha256(pem: bytes) -> str:
    """sha256 (hex) of the DER encoding of the first certificate in ``pem``."""
    cert = x509.load_pem_x509_certificates(pem)[0]
    return hashlib.sha256(cert.public_bytes(serialization.Encoding.DER)).hexdigest()


def _pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def _encrypted(key: ec.EllipticCurvePrivateKey, passphrase: bytes) -> bytes:
    if not passphrase:
        raise IdentityError("a passphrase is needed to encrypt the signing key at rest")
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(passphrase),
    )


def _write(path: Path, data: bytes, *, secret: bool) -> None:
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL
    fd = os.open(path, flags, 0o600 if secret else 0o644)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())


def _store(folder: Path, files: dict[str, bytes]) -> None:
    """Write every file or none: into a fresh sibling folder, renamed into place at the end."""
    folder = Path(folder)
    if folder.exists() and any(folder.iterdir()):
        raise IdentityError(f"{folder} already holds an identity; it is never overwritten")
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = folder.with_name(f".{folder.name}.{os.getpid()}.tmp")
    staging.mkdir(mode=0o700)
    try:
        for name, data in files.items():
            _write(staging / name, data, secret=name in (KEY_FILE, ROOT_KEY_FILE))
        if folder.exists():
            folder.rmdir()
        os.replace(staging, folder)
    except BaseException:
        for child in staging.iterdir():
            child.unlink()
        staging.rmdir()
        raise


def _name(common_name: str, organisation: str | None) -> x509.Name:
    attrs = [x509.NameAttribute(NameOID.COMMON_NAME, common_name)]
    if organisation:
        attrs.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation))
    return x509.Name(attrs)


def create_identity(
    folder: Path,
    *,
    name: str,
    passphrase: bytes,
    organisation: str | None = None,
    email: str | None = None,
    years: int = 5,
    now: dt.datetime | None = None,
) -> ArtistIdentity:
    """Make a local root and an end-entity certificate for ``name``; keys encrypted at rest."""
    if not name.strip():
        raise IdentityError("the identity needs a name (the certificate's common name)")
    now = now or dt.datetime.now(dt.UTC)
    start, end = now - dt.timedelta(minutes=5), now + dt.timedelta(days=365 * years)
    root_key = ec.generate_private_key(ec.SECP256R1())
    key = ec.generate_private_key(ec.SECP256R1())
    root_name = _name(f"{name} (provenance root)", organisation or name)
    root = (
        x509.CertificateBuilder()
        .subject_name(root_name)
        .issuer_name(root_name)
        .public_key(root_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(root_key.public_key()), False)
        .sign(root_key, hashes.SHA256())
    )
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(name, organisation or name))
        .issuer_name(root_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(root_key.public_key()), False
        )
    )
    if email:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.RFC822Name(email)]), False
        )
    cert = builder.sign(root_key, hashes.SHA256())
    _store(
        folder,
        {
            CHAIN_FILE: _pem(cert) + _pem(root),
            TRUST_ANCHOR_FILE: _pem(root),
            KEY_FILE: _encrypted(key, passphrase),
            ROOT_KEY_FILE: _encrypted(root_key, passphrase),
        },
    )
    return load_identity(folder)


def _issued_by(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    try:
        cert.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def import_identity(
    folder: Path,
    *,
    chain_pem: bytes,
    key_pem: bytes,
    passphrase: bytes,
    key_passphrase: bytes | None = None,
    anchor_pem: bytes | None = None,
) -> ArtistIdentity:
    """Take the artist's own chain (end-entity first) and P-256 key; the key is re-encrypted
    under ``passphrase``. The anchor defaults to the chain's last certificate."""
    try:
        chain = x509.load_pem_x509_certificates(chain_pem)
    except ValueError as exc:
        raise IdentityError("the certificate chain is not PEM certificates") from exc
    try:
        key = serialization.load_pem_private_key(key_pem, key_passphrase)
    except (ValueError, TypeError) as exc:
        # No detail from the parser: it may quote key material.
        raise IdentityError("the private key cannot be read (wrong passphrase or format)") from exc
    if not isinstance(key, ec.EllipticCurvePrivateKey) or key.curve.name != "secp256r1":
        raise IdentityError("C2PA ES256 needs a P-256 (secp256r1) key")
    cert = chain[0]
    if cert.public_key() != key.public_key():
        raise IdentityError("the private key does not belong to the first certificate")
    if cert.issuer == cert.subject and _issued_by(cert, cert):
        raise IdentityError("a self-signed certificate cannot sign C2PA manifests: add its issuer")
    for child, parent in itertools.pairwise(chain):
        if not _issued_by(child, parent):
            raise IdentityError(f"{child.subject.rfc4514_string()} is not issued by the next one")
    anchor = anchor_pem or _pem(chain[-1])
    _store(
        folder,
        {
            CHAIN_FILE: b"".join(_pem(c) for c in chain),
            TRUST_ANCHOR_FILE: anchor,
            KEY_FILE: _encrypted(key, passphrase),
        },
    )
    return load_identity(folder)


def load_identity(folder: Path) -> ArtistIdentity:
    """The public half of an identity folder (no passphrase needed)."""
    folder = Path(folder)
    try:
        chain = (folder / CHAIN_FILE).read_bytes()
        anchor = (folder / TRUST_ANCHOR_FILE).read_bytes()
        x509.load_pem_x509_certificates(chain)
    except FileNotFoundError as exc:
        raise IdentityError(f"no identity in {folder} (missing {Path(exc.filename).name})") from exc
    except ValueError as exc:
        raise IdentityError(f"{folder / CHAIN_FILE} is not PEM certificates") from exc
    return ArtistIdentity(folder, chain, anchor)


def unlock_signing_key(identity: ArtistIdentity, passphrase: bytes) -> bytes:
    """The end-entity key as unencrypted PKCS#8 PEM, in memory, for the moment of signing."""
    try:
        data = (identity.folder / KEY_FILE).read_bytes()
        key = serialization.load_pem_private_key(data, passphrase or None)
    except FileNotFoundError as exc:
        raise IdentityError(f"no signing key in {identity.folder}") from exc
    except (ValueError, TypeError) as exc:
        raise IdentityError("wrong passphrase for the signing key") from exc
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
