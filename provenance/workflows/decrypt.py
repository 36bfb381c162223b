"""The decrypt workflow: open a token's sealed message, after checking it against the chain."""

from __future__ import annotations

from provenance.chain.contract import ProvenanceArt
from provenance.chain.keccak import keccak
from provenance.chain.token_id import short_token
from provenance.content.metadata import MAX_METADATA_BYTES, canonical_json, parse_metadata
from provenance.errors import InputError, ProvenanceError, VerificationError
from provenance.ipfs.cid import raw_cid_for_sha256
from provenance.ipfs.reader import ContentSource
from provenance.seal.wallet import StoredEnvelope

__all__ = ["decrypt_token"]


def _event_stored(event_bytes: bytes) -> StoredEnvelope | None:
    """The mint event's sealed message in canonical stored form: a bare envelope (opened with the
    donor's Ethereum key) or {"envelope", "key": "wallet-signature-v1"}; None for anything else."""
    from provenance.seal import parse_stored

    try:
        return parse_stored(event_bytes, canonical=True)
    except ProvenanceError:
        return None


def decrypt_token(
    contract: ProvenanceArt, token_id: int, source: ContentSource, private_key: bytes
) -> bytes:
    """The donor's message of a token, after checking the envelope against the chain."""
    if not contract.exists(token_id):
        raise InputError(f"token {short_token(token_id)} does not exist on {contract.address}")
    record = contract.record_of(token_id)
    metadata_cid = raw_cid_for_sha256(record.metadata_digest)
    metadata = parse_metadata(source.cat(metadata_cid, max_size=MAX_METADATA_BYTES))
    envelope = metadata["provenance"].get("sealed_message")
    minted = contract.minted_event(token_id)
    if envelope is None and minted is not None and contract.redeemed_event(token_id) is not None:
        event_bytes = bytes(minted.args["sealedMessage"])
        stored = _event_stored(event_bytes) if event_bytes else None
        if stored is not None:
            if keccak(event_bytes) != bytes(minted.args["messageHash"]):
                raise VerificationError(
                    "the sealed message does not match the on-chain commitment",
                    check="sealed-message",
                )
            from provenance.chain.signing import LocalSigner
            from provenance.seal import open_stored

            donor = LocalSigner(private_key)
            return open_stored(
                stored, donor, contract=contract.address, chain_id=contract.rpc.chain_id()
            )
    if envelope is None:
        raise InputError(f"token {token_id} has no sealed message")
    if minted is None or keccak(canonical_json(envelope)) != bytes(minted.args["messageHash"]):
        raise VerificationError(
            "the sealed message does not match the on-chain commitment", check="sealed-message"
        )
    from provenance.chain.signing import LocalSigner
    from provenance.seal import open_stored, parse_stored

    return open_stored(
        parse_stored(canonical_json(envelope), canonical=True),
        LocalSigner(private_key),
        contract=contract.address,
        chain_id=contract.rpc.chain_id(),
    )
