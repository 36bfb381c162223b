"""The donor's public key, from whichever source the donor gave (at most one): a consent signature,
a transaction they sent, the key itself, an encryption key, or the wallet sealing key's code from
the gallery's key page."""

from __future__ import annotations

from typing import TYPE_CHECKING

from provenance.chain.address import parse_address
from provenance.errors import InputError, ProvenanceError
from provenance.workflows.session import Session

if TYPE_CHECKING:
    from provenance.seal import DonorKey

__all__ = ["resolve_donor_key"]


def resolve_donor_key(
    collection: Session,
    *,
    donor: str,
    artwork_sha256: bytes | None,
    signature: str | None = None,
    tx_hash: str | None = None,
    public_key: str | None = None,
    encryption_key: str | None = None,
    wallet_key_code: str | None = None,
) -> DonorKey | None:
    """The donor's public key from whichever source the donor provided (at most one)."""
    given = [s for s in (signature, tx_hash, public_key, encryption_key, wallet_key_code) if s]
    if len(given) > 1:
        raise InputError(
            "give only one of --donor-signature, --donor-tx, --donor-pubkey,"
            " --donor-encryption-key, --donor-wallet-key"
        )
    if not given:
        return None
    from provenance import seal

    donor = parse_address(donor, what="donor")
    if signature:
        # A consent naming this artwork, or one for the whole collection: both name the chain
        # and the contract, so neither can be replayed elsewhere.
        errors: list[ProvenanceError] = []
        for digest in (artwork_sha256, None):
            text = seal.consent_message(
                donor=donor,
                chain_id=collection.chain.chain_id,
                contract=collection.contract.address,
                artwork_sha256=digest.hex() if digest else None,
            )
            # The one rule `seal recover` applies too: the printed text without its final newline.
            try:
                return seal.key_from_consent(donor=donor, text=text, signature=signature)
            except ProvenanceError as exc:
                errors.append(exc)
        raise next((e for e in errors if e.context.get("newline")), errors[-1])
    if tx_hash:
        tx = collection.chain.rpc.get_transaction(tx_hash)
        if tx is None:
            raise InputError(f"transaction {tx_hash} not found on {collection.chain.label}")
        return seal.key_from_transaction(tx.fields, donor=donor)
    if wallet_key_code:
        from provenance.seal.walletcode import decode_key_code

        # The code names no proof that the donor's wallet made it (the key page's signature is not
        # in it): the tag binds it to this donor and collection, and only that wallet's key
        # message re-derives the secret that opens the message.
        return seal.DonorKey(
            scheme=seal.X25519,
            public_key=decode_key_code(
                wallet_key_code,
                donor=donor,
                contract=collection.contract.address,
                chain_id=collection.chain.chain_id,
            ),
            address=donor,
            verified=False,
            source="wallet-signature",
        )
    if public_key:
        return seal.key_from_public_key(public_key, donor=donor)
    assert encryption_key is not None
    return seal.key_from_encryption_key(encryption_key, donor=donor)
