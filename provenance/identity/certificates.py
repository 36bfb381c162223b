"""The artist's signing identity for Content Credentials: an X.509 chain and an ES256 (P-256) key.

C2PA signs with X.509 certificates, not wallet keys, and refuses a self-signed end-entity
certificate. An artist without a certificate gets a local chain: a root (a CA that only signs the
artist's certificates) and an end-entity certificate (not a CA, keyUsage digitalSignature,
extendedKeyUsage emailProtection, subject and authority key identifiers). An artist with their own
certificate imports it instead. Verifiers trust the root as the artist's anchor.

Folder layout (the caller chooses it, e.g. ``PROVENANCE_HOME/identity``)::

    certificate-chain.pem  end-entity certificate first, then its issuers (public)
    trust-anchor.pem       the root certificate a verifier should trust (public)
    signing-key.pem        the end-entity key, encrypted with the passphrase (0600)
    root-key.pem           the local root's key, encrypted likewise (0600; local chains only)

Private keys exist in clear only in memory, for the moment of signing; they are never written,
logged or put in an exception message.

At rest a key is its PKCS#8 DER sealed with AES-256-GCM under a key that scrypt (RFC 7914,
memory-hard: N=2^17, r=8, p=1, 128 MiB and about half a second a guess) derives from the
passphrase, which must be at least ``MIN_PASSPHRASE_CHARS`` long. (The ``cryptography`` library
writes encrypted PKCS#8 only with PBKDF2 at 2,048 iterations, cheap to guess.) Files written that
way before are still read (``key_protection`` names them) and ``rekey_identity`` re-encrypts them.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import itertools
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from provenance.errors import IdentityError

__all__ = [
    "CHAIN_FILE",
    "KEY_FILE",
    "MIN_PASSPHRASE_CHARS",
    "ROOT_KEY_FILE",
    "TRUST_ANCHOR_FILE",
    "ArtistIdentity",
    "certificate_sha256",
    "create_identity",
    "import_identity",
    "key_protection",
    "load_identity",
    "read_key_file",
    "rekey_identity",
    "unlock_signing_key",
]

CHAIN_FILE = "certificate-chain.pem"
TRUST_ANCHOR_FILE = "trust-anchor.pem"
KEY_FILE = "signing-key.pem"
ROOT_KEY_FILE = "root-key.pem"

MIN_PASSPHRASE_CHARS = 12
_SCRYPT = {"n": 2**17, "r": 8, "p": 1}
# Read back from a file someone may have edited: bounds keep a forged header from asking for
# gigabytes of memory.
_SCRYPT_LIMITS = {"n": 2**20, "r": 16, "p": 4}
_LABEL = b"PROVENANCE SCRYPT ENCRYPTED PRIVATE KEY"
_BEGIN, _END = b"-----BEGIN " + _LABEL + b"-----", b"-----END " + _LABEL + b"-----"
LEGACY_PROTECTION = (
    "PKCS#8, PBKDF2 at 2,048 iterations (re-encrypt it: `provenance identity rekey`)"
)


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


def check_passphrase(passphrase: bytes) -> None:
    """The rule for a passphrase that encrypts a key: at least ``MIN_PASSPHRASE_CHARS``."""
    try:
        length = len(passphrase.decode("utf-8"))
    except UnicodeDecodeError:
        length = len(passphrase)
    if length < MIN_PASSPHRASE_CHARS:
        raise IdentityError(
            f"the passphrase has {length} characters; a key at rest needs at least"
            f" {MIN_PASSPHRASE_CHARS}"
        )


def _scrypt_key(passphrase: bytes, salt: bytes, params: dict[str, int]) -> bytes:
    return Scrypt(salt=salt, length=32, **params).derive(passphrase)


def _header_bytes(header: dict[str, Any]) -> bytes:
    return json.dumps(header, sort_keys=True, separators=(",", ":")).encode()


def _encrypted(key: ec.EllipticCurvePrivateKey, passphrase: bytes) -> bytes:
    check_passphrase(passphrase)
    der = key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    salt, nonce = os.urandom(16), os.urandom(12)
    header = {
        "kdf": "scrypt",
        **_SCRYPT,
        "salt": base64.b64encode(salt).decode(),
        "cipher": "aes-256-gcm",
        "nonce": base64.b64encode(nonce).decode(),
    }
    # The header is authenticated too: lowering N in the file makes decryption fail.
    sealed = AESGCM(_scrypt_key(passphrase, salt, _SCRYPT)).encrypt(
        nonce, der, _header_bytes(header)
    )
    doc = {**header, "ciphertext": base64.b64encode(sealed).decode()}
    body = base64.encodebytes(_header_bytes(doc))
    return _BEGIN + b"\n" + body + _END + b"\n"


def read_key_file(path: Path, passphrase: bytes) -> ec.EllipticCurvePrivateKey:
    """The key in an identity's key file (either format), for the moment it is needed."""
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError as exc:
        raise IdentityError(f"no key file {Path(path).name} in {Path(path).parent}") from exc
    return _decrypted(data, passphrase)


def _decrypted(data: bytes, passphrase: bytes) -> ec.EllipticCurvePrivateKey:
    """A key file's key, in either format; ``IdentityError`` for a wrong passphrase."""
    if not data.lstrip().startswith(_BEGIN):  # written before scrypt: PKCS#8, PBKDF2
        try:
            key = serialization.load_pem_private_key(data, passphrase or None)
        except (ValueError, TypeError) as exc:
            raise IdentityError("wrong passphrase for the signing key") from exc
    else:
        try:
            body = data.lstrip()[len(_BEGIN) :].split(_END)[0]
            doc = json.loads(base64.decodebytes(body))
            header = {k: doc[k] for k in ("kdf", "n", "r", "p", "salt", "cipher", "nonce")}
            params = {k: int(header[k]) for k in ("n", "r", "p")}
            if header["kdf"] != "scrypt" or header["cipher"] != "aes-256-gcm":
                raise ValueError("unknown algorithm")
            if any(not 0 < params[k] <= _SCRYPT_LIMITS[k] for k in params):
                raise ValueError("scrypt parameters out of bounds")
            salt = base64.b64decode(header["salt"], validate=True)
            nonce = base64.b64decode(header["nonce"], validate=True)
            sealed = base64.b64decode(doc["ciphertext"], validate=True)
        except (ValueError, KeyError, TypeError) as exc:
            raise IdentityError("the key file is damaged (not a readable encrypted key)") from exc
        try:
            der = AESGCM(_scrypt_key(passphrase, salt, params)).decrypt(
                nonce, sealed, _header_bytes(header)
            )
        except (InvalidTag, ValueError) as exc:
            raise IdentityError("wrong passphrase for the signing key") from exc
        key = serialization.load_der_private_key(der, None)
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise IdentityError("the key file does not hold a P-256 key")
    return key


def key_protection(path: Path) -> str:
    """How the key file at ``path`` is encrypted, in words (public facts only)."""
    data = Path(path).read_bytes()
    if data.lstrip().startswith(_BEGIN):
        return "scrypt (N=2^17, r=8, p=1) and AES-256-GCM"
    return LEGACY_PROTECTION


def rekey_identity(identity: ArtistIdentity, passphrase: bytes, new_passphrase: bytes) -> None:
    """Re-encrypt every key of ``identity`` under ``new_passphrase`` (which may equal the old one:
    a file written with PBKDF2 is rewritten with scrypt). Each file is replaced atomically, and
    only after every key was decrypted."""
    check_passphrase(new_passphrase)
    paths = [identity.folder / name for name in (KEY_FILE, ROOT_KEY_FILE)]
    keys = {path: _decrypted(path.read_bytes(), passphrase) for path in paths if path.exists()}
    for path, key in keys.items():
        staging = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        staging.unlink(missing_ok=True)
        _write(staging, _encrypted(key, new_passphrase), secret=True)
        os.replace(staging, path)


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
    except FileNotFoundError as exc:
        raise IdentityError(f"no signing key in {identity.folder}") from exc
    key = _decrypted(data, passphrase)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
