"""verify's sealed-message check: the envelope in the metadata (or, for a redeemed offer, in the
mint event) against the on-chain commitment, and that it is an envelope someone can open."""

from __future__ import annotations

from typing import Any

from provenance.chain.keccak import keccak
from provenance.content.metadata import canonical_json
from provenance.errors import ProvenanceError, SealError
from provenance.workflows.verify_report import Report

__all__ = ["check_message"]


def check_message(
    report: Report,
    prov: dict[str, Any],
    message_hash: bytes,
    event_bytes: bytes,
    *,
    redeemed: bool = False,
) -> None:
    envelope = prov.get("sealed_message")
    if envelope is None and redeemed and event_bytes:
        # A redeemed voucher: the artist signed the metadata before the donor existed, so the
        # donor's envelope lives only in the mint event, committed to by messageHash.
        _check_event_envelope(report, message_hash, event_bytes)
        return
    expected = canonical_json(envelope) if envelope is not None else b""
    commitment = keccak(expected)
    if commitment != message_hash:
        report.add(
            "sealed-message",
            False,
            f"keccak256 of the metadata's envelope {commitment.hex()} != on-chain "
            f"{message_hash.hex()}",
        )
        return
    if event_bytes != expected:
        report.add(
            "sealed-message", False, "the envelope in the mint event differs from the metadata's"
        )
        return
    if envelope is None:
        report.add("sealed-message", None, "no sealed message (commitment to empty matches)")
        return
    # A matching commitment says only that these are the bytes the minter chose: they must also
    # be an envelope someone can open (any JSON value may stand here).
    # A bare envelope, or {"envelope", "key": "wallet-signature-v1"} (sealed to the donor's
    # wallet-derived key): the stored forms the mint event carries too.
    from provenance.seal import parse_stored

    try:
        stored = parse_stored(expected, canonical=True)
    except SealError as exc:
        report.add("sealed-message", False, f"the metadata's envelope is not valid: {exc.message}")
        return
    to = " to the donor's wallet key" if stored.key else ""
    report.add(
        "sealed-message",
        True,
        f"{stored.envelope['version']} envelope{to} matches the commitment",
    )


def _check_event_envelope(report: Report, message_hash: bytes, event_bytes: bytes) -> None:
    if keccak(event_bytes) != message_hash:
        report.add(
            "sealed-message",
            False,
            "the envelope in the mint event does not hash to the on-chain messageHash",
        )
        return
    envelope = _event_envelope(event_bytes)
    if envelope is None:
        report.add("sealed-message", False, "the mint event's message is not a canonical envelope")
        return
    report.add(
        "sealed-message",
        True,
        f"{envelope.get('version')} envelope sealed by the donor at"
        " redemption, in the mint event (matches the commitment)",
    )


def _event_envelope(event_bytes: bytes) -> dict[str, Any] | None:
    """The mint event's sealed message in canonical stored form (a bare envelope or
    {"envelope", "key": "wallet-signature-v1"}); None for anything else."""
    from provenance.seal import parse_stored

    try:
        return parse_stored(event_bytes, canonical=True).envelope
    except ProvenanceError:
        return None
