"""A mint's steps before its transaction exists: journal the intent, store and publish the content.

The intent (with the exact metadata bytes, sealed envelope included) is journaled before anything
is stored or sent, and the content is stored and pinned before the transaction is signed. A
re-run whose options differ from an already signed mint is refused by name.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from provenance.chain.address import parse_address
from provenance.content.artwork import Artwork
from provenance.content.attachments import Attachments
from provenance.content.metadata import CONTENT_PROFILE, canonical_json, encode_metadata
from provenance.content.token import require_donor_key
from provenance.errors import ChainError, InputError
from provenance.ipfs.cid import raw_cid_for_sha256
from provenance.state.failpoints import failpoint
from provenance.state.fingerprint import differing_parts, fingerprint
from provenance.state.journal import MintEntry, MintState
from provenance.workflows.reorgs import reopen_dropped
from provenance.workflows.session import AlreadyMinted, Session

if TYPE_CHECKING:
    from provenance.ipfs import Blockstore
    from provenance.seal import DonorKey
    from provenance.workflows.mint import MintRequest, Progress

__all__ = ["DONOR_KEY_OPTIONS", "stage"]

# The options that give the donor's key (the CLI's names, quoted in errors).
DONOR_KEY_OPTIONS = (
    "--donor-wallet-key, --donor-signature, --donor-tx, --donor-pubkey or --donor-encryption-key"
)


def _intent_fields(metadata: bytes) -> dict[str, Any]:
    """What a user chose for a mint, as recorded in its metadata: compared on a re-run."""
    doc = json.loads(metadata)
    return {
        "donor": doc["provenance"]["donor"],
        "name": doc["name"],
        "description": doc["description"],
        "attributes": doc["attributes"],
        "animation_url": doc.get("animation_url"),
        "external_url": doc.get("external_url"),
        "message": "sealed_message" in doc["provenance"],
    }


def stage(
    request: MintRequest,
    collection: Session,
    *,
    note: Progress,
    check_minter: bool,
    existing: int | None = None,
) -> tuple[MintEntry, bool]:
    """Journal the intent and store the content: everything before a transaction exists.
    ``existing``: the image's token as the caller just read it from the chain (a batch asks for a
    window of works at once), 0 for none; None: asked here."""
    artwork = request.token.artwork
    donor = parse_address(request.donor, what="donor")
    contract = collection.contract
    journal = collection.journal
    sender = collection.require_sender("minting")
    key: dict[str, Any] = {
        "chain_id": collection.chain.chain_id,
        "contract": contract.address,
        "image_sha256": artwork.sha256.hex(),
    }
    entry = journal.find(**key)
    if existing is None:
        existing = contract.token_of_image(artwork.sha256)
    if entry is not None and entry.state is MintState.MINTED:
        # The chain is the authority: a journal row alone does not make a token.
        if existing:
            raise AlreadyMinted(existing, artwork.sha256)
        entry = reopen_dropped(journal, entry, note=note)  # a reorganisation dropped it
    if entry is None or entry.state.unsigned:
        if existing:
            if entry is not None:
                journal.update(
                    entry, state=MintState.FAILED, error=f"image minted as token {existing:#066x}"
                )
            raise AlreadyMinted(existing, artwork.sha256)
        if check_minter and not contract.is_minter(sender.address):
            raise ChainError(
                f"account {sender.address} is not a minter of {contract.address}",
                account=sender.address,
            )
        note("sealing the message and building the metadata")
        intent = _prepare(request, artwork, donor)
        if entry is None:
            entry = journal.create(**key, **intent)
            resumed = False
        else:
            # Nothing was signed yet: this run's options win (a corrected message, a new title).
            entry = journal.replace_intent(entry, **intent)
            resumed = True
        note("storing the image and metadata on IPFS")
        _store(collection.store, artwork, entry, request.token.attachments)
        _publish(collection, entry, request.token.attachments)
        entry = journal.update(entry, state=MintState.STORED, error=None)
        failpoint("after-store")
        return entry, resumed
    # A transaction exists (signed or sent): finish exactly that mint, or refuse a different one.
    wanted = {
        "donor": donor,
        "name": request.token.title,
        "description": request.token.description,
        "attributes": request.token.attributes,
        "animation_url": request.token.shown_animation_url,
        "external_url": request.token.external_url,
        "message": request.message is not None,
    }
    recorded = _intent_fields(entry.metadata)
    differs = sorted(k for k in wanted if wanted[k] != recorded[k])
    if not differs and request.message is not None and entry.message_intent is not None:
        # The envelope is randomized: compare the text and the key it was sealed with.
        differs = _message_differs(entry.message_intent, request.message, request.donor_key)
    if differs:
        raise InputError(
            f"a mint of this artwork is already signed (tx {entry.tx_hash}) with other"
            f" {', '.join(differs)}; re-run it with the same options to finish it"
        )
    return entry, True


def _prepare(request: MintRequest, artwork: Artwork, donor: str) -> dict[str, Any]:
    envelope: dict[str, Any] | None = None
    if request.message is not None:
        require_donor_key(request.message, request.donor_key is not None, how=DONOR_KEY_OPTIONS)
        assert request.donor_key is not None
        from provenance.seal import WALLET_KEY, seal

        envelope = seal(request.message, request.donor_key)
        if request.donor_key.source == "wallet-signature":
            # The stored form names the key beside the envelope, so the token page and
            # `decrypt` know to re-derive it from the donor's wallet (docs/sealed-messages.md).
            envelope = {"envelope": envelope, "key": WALLET_KEY}
    image_cid = _image_cid(artwork)
    from provenance.content.credentials import mint_binding  # here: c2pa only for signed PNGs
    from provenance.state.home import home

    metadata = request.token.metadata(
        image_cid=image_cid,
        donor=donor,
        sealed_message=envelope,
        credentials=mint_binding(artwork.data, home().identity),
    )
    encoded = encode_metadata(metadata)
    digest = hashlib.sha256(encoded).digest()
    return {
        "artwork": str(artwork.path),
        "donor": donor,
        "image_cid": image_cid,
        "metadata_cid": raw_cid_for_sha256(digest),
        "metadata_sha256": digest.hex(),
        "metadata": encoded,
        "envelope": canonical_json(envelope) if envelope is not None else None,
        "message_intent": (
            _message_intent(request.message, request.donor_key)
            if request.message is not None and request.donor_key is not None
            else None
        ),
    }


def _message_intent(message: bytes, key: DonorKey) -> str:
    """What the journal keeps of a sealed message's text and key (see ``MintEntry``)."""
    return fingerprint([message, f"{key.scheme}:{key.public_key.hex()}".encode()])


def _message_differs(recorded: str, message: bytes, key: DonorKey | None) -> list[str]:
    """The parts of the recorded message intent this run's message and key change."""
    key_id = f"{key.scheme}:{key.public_key.hex()}".encode() if key is not None else None
    changed = differing_parts(recorded, [message, key_id], where="mint row's 'message_intent'")
    return [("message", "donor key")[index] for index in changed]


def _image_cid(artwork: Artwork) -> str:
    from provenance.ipfs import add_bytes

    return str(add_bytes(artwork.data, store=None, params=CONTENT_PROFILE).cid)


def _store(store: Blockstore, artwork: Artwork, entry: MintEntry, attachments: Attachments) -> None:

    # The journal's CIDs are what will be minted: the stored content must have exactly them.
    store.add_pinned(artwork.data, params=CONTENT_PROFILE, expect=entry.image_cid)
    store.add_pinned(entry.metadata, params=CONTENT_PROFILE, expect=entry.metadata_cid)
    attachments.store(store)


def _publish(collection: Session, entry: MintEntry, attachments: Attachments) -> None:
    """Copy the content to Kubo (as a CAR of the exact blocks, roots pinned) and ask a pinning
    service to pin it, when configured (``ipfs.remote.push``, as ``publish`` does)."""
    from provenance.ipfs.remote.push import push_to_kubo, push_to_pinning

    name = Path(entry.artwork).name
    roots = [(entry.image_cid, name), (entry.metadata_cid, f"{name}.metadata.json")]
    roots += [(cid, f"{name}.{what}{file.path.suffix}") for cid, file, what in attachments.files()]
    for cid, label in roots:
        if collection.kubo is not None:
            push_to_kubo(collection.kubo, collection.store, cid)
        if collection.pinning is not None:
            push_to_pinning(collection.pinning, cid, name=label)
