"""Content Credentials (C2PA) on generated PNGs, with ``c2pa-python`` (offline).

``sign_png`` adds a manifest to a PNG written by ``gan.pngrecord``: a ``c2pa.created`` action whose
digitalSourceType is IPTC's ``trainedAlgorithmicMedia``, and a ``GENERATION_LABEL`` assertion with
the generation record (model sha256 and CID, seed, truncation, training-set CID) and, when the
artist names it, a ``COLLECTION_LABEL`` assertion with the collection's gallery URL (so a file
alone leads a verifier to the gallery that publishes its collection). It is signed
ES256 with the artist's certificate (``provenance.identity.certificates``), without a thumbnail (the default one
makes a 12 KB PNG 290 KB) and without a timestamp authority (nothing online).

Regeneration still holds: the manifest lives in its own ``caBX`` chunk; the pixels and the
``provenance`` iTXt record are untouched, and regeneration compares the decoded pixels and the
record, never the file's bytes. Conversely the manifest's hard binding (``c2pa.hash.data``)
covers every byte outside its chunk, record included, so ``read_credentials`` reports a changed
pixel or record as ``assertion.dataHash.mismatch``.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any

from provenance.errors import CredentialsError
from provenance.identity.certificates import ArtistIdentity, unlock_signing_key

__all__ = [
    "COLLECTION_LABEL",
    "DIGITAL_SOURCE_TYPE",
    "GENERATION_LABEL",
    "Credentials",
    "read_credentials",
    "sign_png",
    "signed_by",
]

DIGITAL_SOURCE_TYPE = "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"
GENERATION_LABEL = "org.provenance.gan.generation"
COLLECTION_LABEL = "org.provenance.collection"
_SETTINGS: dict[str, Any] = {"builder": {"thumbnail": {"enabled": False}}}


def sign_png(
    png: bytes,
    *,
    record: dict[str, Any],
    identity: ArtistIdentity,
    passphrase: bytes,
    title: str = "artwork.png",
    gallery_url: str | None = None,
) -> bytes:
    """The PNG with a signed C2PA manifest embedded (the input is not modified); ``gallery_url``
    names the gallery that publishes the work's collection."""
    import c2pa

    from gan import __version__  # the claim generator: the GAN that made the pixels

    manifest: dict[str, Any] = {
        "claim_generator_info": [{"name": "provenance-gan", "version": __version__}],
        "title": title,
        "format": "image/png",
        "assertions": [
            {
                "label": "c2pa.actions",
                "data": {
                    "actions": [
                        {
                            "action": "c2pa.created",
                            "digitalSourceType": DIGITAL_SOURCE_TYPE,
                            "softwareAgent": {"name": "provenance-gan", "version": __version__},
                        }
                    ]
                },
            },
            {"label": GENERATION_LABEL, "data": record},
        ],
    }
    if gallery_url is not None:
        manifest["assertions"].append({"label": COLLECTION_LABEL, "data": {"gallery": gallery_url}})
    key = unlock_signing_key(identity, passphrase)
    try:
        info = c2pa.C2paSignerInfo(c2pa.C2paSigningAlg.ES256, identity.chain_pem, key, None)
        signer = c2pa.Signer.from_info(info)
        builder = c2pa.Builder(manifest, context=c2pa.Context.from_dict(_SETTINGS))
        out = io.BytesIO()
        builder.sign(signer, "image/png", io.BytesIO(png), out)
    except c2pa.C2paError as exc:
        raise CredentialsError(f"C2PA signing failed: {exc}") from None
    finally:
        del key
    return out.getvalue()


@dataclass(frozen=True)
class Credentials:
    """What a PNG's C2PA manifest says, and whether it holds.

    ``state``: ``"absent"`` (no manifest), ``"Invalid"`` (a failed check: see ``failures``),
    ``"Valid"`` (intact and well signed, signer not among the trust anchors given) or
    ``"Trusted"`` (valid and the signing chain ends at a given anchor)."""

    state: str
    failures: list[dict[str, str]] = field(default_factory=list)
    generation: dict[str, Any] | None = None
    digital_source_type: str | None = None
    signer: dict[str, str] = field(default_factory=dict)  # issuer, common_name, serial
    gallery_url: str | None = None  # the collection's gallery, as the artist named it

    @property
    def pixels_intact(self) -> bool:
        return self.state != "absent" and not any(
            f["code"].startswith("assertion.dataHash") for f in self.failures
        )


def read_credentials(png: bytes, *, trust_anchor_pem: bytes | None = None) -> Credentials:
    """Read and validate the manifest of ``png`` (trusted when it chains to the anchor)."""
    import c2pa

    settings: dict[str, Any] = {}
    if trust_anchor_pem is not None:
        settings["trust"] = {"trust_anchors": trust_anchor_pem.decode("ascii")}
    try:
        context = c2pa.Context.from_dict(settings)
        reader = c2pa.Reader.try_create("image/png", io.BytesIO(png), context=context)
        if reader is None:
            return Credentials("absent")
        with reader:
            state = reader.get_validation_state() or "Invalid"
            results = reader.get_validation_results() or {}
            active = reader.get_active_manifest() or {}
    except c2pa.C2paError as exc:
        return Credentials("Invalid", [{"code": "manifest.unreadable", "explanation": str(exc)}])
    failures = [
        {"code": str(f.get("code", "")), "explanation": str(f.get("explanation", ""))}
        for f in (results.get("activeManifest") or {}).get("failure", [])
        # Without an anchor, an untrusted signer is the expected "Valid", not a failure.
        if trust_anchor_pem is not None or f.get("code") != "signingCredential.untrusted"
    ]
    generation, source_type, gallery = None, None, None
    for assertion in active.get("assertions", []):
        label = assertion.get("label", "")
        if label == GENERATION_LABEL and isinstance(assertion.get("data"), dict):
            generation = assertion["data"]
        elif label == COLLECTION_LABEL and isinstance(assertion.get("data"), dict):
            named = assertion["data"].get("gallery")
            gallery = named if isinstance(named, str) and len(named) <= 2048 else None
        elif label.startswith("c2pa.actions"):
            for action in assertion.get("data", {}).get("actions", []):
                if action.get("action") == "c2pa.created":
                    source_type = action.get("digitalSourceType")
    info = active.get("signature_info") or {}
    signer = {
        k: str(info[src])
        for k, src in (("issuer", "issuer"), ("common_name", "common_name"))
        if src in info
    }
    if "cert_serial_number" in info:
        signer["serial"] = str(info["cert_serial_number"])
    return Credentials(state, failures, generation, source_type, signer, gallery)


def signed_by(credentials: Credentials, certificate_pem: bytes) -> bool:
    """Whether the manifest's signer is this certificate (serial number and common name; the
    chain itself is checked by ``read_credentials`` against the trust anchor)."""
    from cryptography import x509
    from cryptography.x509.oid import NameOID

    cert = x509.load_pem_x509_certificates(certificate_pem)[0]
    names = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    return (
        credentials.signer.get("serial") == str(cert.serial_number)
        and bool(names)
        and (credentials.signer.get("common_name") == names[0].value)
    )
