"""The mint workflow: validate, seal, store on IPFS, then mint, journaled for crash safety.

Order matters. The intent (with the exact metadata bytes, sealed envelope included) is journaled
before anything is stored or sent; content is stored and pinned before the transaction is signed;
the signed transaction and its hash are journaled before it is broadcast. So a mint interrupted at
any point is finished by re-running the same command: never two tokens for one artwork (the
contract refuses a second mint of the same image anyway), never a token whose content is missing.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from provenance.chain.address import parse_address
from provenance.chain.outbox import Journaled, Outbox, SendError, TxCall
from provenance.chain.rpc import Receipt
from provenance.chain.tx import Sender
from provenance.content.artwork import Artwork, load_artwork
from provenance.content.attachments import Attachments
from provenance.content.metadata import CONTENT_PROFILE, canonical_json
from provenance.errors import (
    ChainError,
    ConfigError,
    ContractRevert,
    InputError,
    ProvenanceError,
)
from provenance.ipfs.cid import raw_cid_for_sha256
from provenance.state.failpoints import failpoint
from provenance.state.journal import Journal, MintEntry, parse_attempts
from provenance.workflows.context import AlreadyMinted, Collection

if TYPE_CHECKING:
    from provenance.ipfs import Blockstore
    from provenance.seal import DonorKey

# stage, send and confirm are the steps ``workflows.batch`` pipelines.
__all__ = [
    "MintRequest",
    "MintResult",
    "SendError",
    "confirm",
    "mint",
    "send",
    "stage",
]


@dataclass
class MintRequest:
    artwork: Path | Artwork  # an Artwork the caller already loaded is not read again
    donor: str
    message: bytes | None = None
    donor_key: DonorKey | None = None
    name: str | None = None
    description: str = ""
    attributes: list[dict[str, Any]] = field(default_factory=list)
    animation_url: str | None = None
    external_url: str | None = None
    attachments: Attachments = field(default_factory=Attachments)  # stored with the image


@dataclass
class MintResult:
    token_id: int
    tx_hash: str
    gas_used: int
    block_number: int
    image_cid: str
    metadata_cid: str
    donor: str
    sealed: bool
    resumed: bool
    chain_id: int
    contract: str


Progress = Callable[[str], None]


def mint(
    request: MintRequest, collection: Collection, *, progress: Progress | None = None
) -> MintResult:
    """Mint one artwork, or finish its interrupted mint."""
    note = progress or (lambda _step: None)
    sender = collection.require_sender("minting")
    with collection.send_lock():
        entry, resumed = stage(request, collection, note=note, check_minter=True)
        entry, receipt = send(entry, collection, sender, note=note)
    return confirm(entry, collection, receipt=receipt, resumed=resumed, note=note)


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
    request: MintRequest, collection: Collection, *, note: Progress, check_minter: bool
) -> tuple[MintEntry, bool]:
    """Journal the intent and store the content: everything before a transaction exists."""
    artwork = (
        request.artwork if isinstance(request.artwork, Artwork) else load_artwork(request.artwork)
    )
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
    existing = contract.token_of_image(artwork.sha256)
    if entry is not None and entry.state == "minted":
        # The chain is the authority: a journal row alone does not make a token.
        if existing:
            raise AlreadyMinted(existing, artwork.sha256)
        entry = journal.update(entry, state="failed", error="the chain has no token for this image")
    if entry is None or entry.state in ("prepared", "stored", "failed"):
        if existing:
            if entry is not None:
                journal.update(
                    entry, state="failed", error=f"image minted as token {existing:#066x}"
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
        _store(collection.store, artwork, entry, request.attachments)
        _publish(collection, entry, request.attachments)
        entry = journal.update(entry, state="stored", error=None)
        failpoint("after-store")
        return entry, resumed
    # A transaction exists (signed or sent): finish exactly that mint, or refuse a different one.
    wanted = {
        "donor": donor,
        "name": request.name or artwork.path.stem,
        "description": request.description,
        "attributes": request.attributes,
        "animation_url": request.attachments.animation_url or request.animation_url,
        "external_url": request.external_url,
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
        if request.donor_key is None:
            raise InputError(
                "a message needs the donor's key: give --donor-wallet-key, --donor-signature,"
                " --donor-tx, --donor-pubkey or --donor-encryption-key"
            )
        from provenance.seal import WALLET_KEY, seal

        envelope = seal(request.message, request.donor_key)
        if request.donor_key.source == "wallet-signature":
            # The stored form names the key beside the envelope, so the token page and
            # `decrypt` know to re-derive it from the donor's wallet (docs/sealed-messages.md).
            envelope = {"envelope": envelope, "key": WALLET_KEY}
    image_cid = _image_cid(artwork)
    from provenance.content.credentials import mint_binding  # here: c2pa only for signed PNGs
    from provenance.state.home import home

    metadata = artwork.metadata(
        image_cid=image_cid,
        donor=donor,
        name=request.name,
        description=request.description,
        attributes=request.attributes,
        sealed_message=envelope,
        animation_url=request.animation_url,
        external_url=request.external_url,
        credentials=mint_binding(artwork.data, home().identity),
        **request.attachments.metadata_fields(),
    )
    encoded = canonical_json(metadata)
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


def _salted(salt: bytes, data: bytes) -> str:
    return hashlib.sha256(salt + data).hexdigest()


def _message_intent(message: bytes, key: DonorKey, salt: bytes | None = None) -> str:
    """What the journal keeps of a sealed message's text and key (see ``MintEntry``)."""
    import secrets

    salt = salt if salt is not None else secrets.token_bytes(16)
    key_id = f"{key.scheme}:{key.public_key.hex()}".encode()
    return f"{salt.hex()}:{_salted(salt, message)}:{_salted(salt, key_id)}"


def _message_differs(recorded: str, message: bytes, key: DonorKey | None) -> list[str]:
    """The parts of the recorded message intent this run's message and key change."""
    try:
        salt_hex, message_digest, key_digest = recorded.split(":")
        salt = bytes.fromhex(salt_hex)
    except ValueError:
        raise ConfigError("the journal's mint row has a damaged 'message_intent' value") from None
    if key is None:
        return ["message"] if _salted(salt, message) != message_digest else []
    now = _message_intent(message, key, salt).split(":")
    return [
        name
        for name, before, after in (
            ("message", message_digest, now[1]),
            ("donor key", key_digest, now[2]),
        )
        if before != after
    ]


def _image_cid(artwork: Artwork) -> str:
    from provenance.ipfs import add_bytes

    return str(add_bytes(artwork.data, store=None, params=CONTENT_PROFILE).cid)


def _store(store: Blockstore, artwork: Artwork, entry: MintEntry, attachments: Attachments) -> None:
    from provenance.ipfs import add_bytes

    with store.locked():  # no `ipfs gc` between adding the blocks and pinning them
        image = add_bytes(artwork.data, store=store, params=CONTENT_PROFILE)
        metadata = add_bytes(entry.metadata, store=store, params=CONTENT_PROFILE)
        if str(image.cid) != entry.image_cid or str(metadata.cid) != entry.metadata_cid:
            raise ProvenanceError(
                f"stored content does not match the journal (image {image.cid} vs"
                f" {entry.image_cid}, metadata {metadata.cid} vs {entry.metadata_cid})"
            )
        store.pin(entry.image_cid)
        store.pin(entry.metadata_cid)
        attachments.store(store)


def _publish(collection: Collection, entry: MintEntry, attachments: Attachments) -> None:
    """Copy the content to Kubo (as a CAR of the exact blocks, roots pinned) and ask a pinning
    service to pin it, when configured. Kubo must report the same roots."""
    if collection.kubo is not None:
        import io

        from provenance.ipfs import export_car

        extra = [cid for cid, _, _ in attachments.files()]
        for cid in (entry.image_cid, entry.metadata_cid, *extra):
            car = io.BytesIO()
            export_car(collection.store, cid, car)
            roots = collection.kubo.dag_import(car.getvalue(), pin_roots=True)
            if roots != [cid]:
                raise ProvenanceError(f"Kubo imported {roots} instead of {cid}")
    if collection.pinning is not None:
        name = Path(entry.artwork).name
        collection.pinning.add(entry.image_cid, name=name)
        collection.pinning.add(entry.metadata_cid, name=f"{name}.metadata.json")
        for cid, file, what in attachments.files():
            collection.pinning.add(cid, name=f"{name}.{what}{file.path.suffix}")


class MintSlot:
    """The outbox slot of one mint: its transaction lives in its own ``mints`` row, beside the
    content it mints, so one row tells the whole story of an artwork."""

    def __init__(self, journal: Journal, entry: MintEntry, *, sender: str) -> None:
        self.journal, self.entry, self.sender = journal, entry, sender

    def load(self) -> Journaled | None:
        entry = self.entry
        if entry.state not in ("signed", "sent"):
            return None
        assert entry.tx_hash is not None and entry.raw_tx is not None and entry.nonce is not None
        return Journaled(
            tx_hash=entry.tx_hash,
            raw_tx=entry.raw_tx,
            nonce=entry.nonce,
            sender=self.sender,
            attempts=parse_attempts(entry.attempts, where=f"mint of {entry.artwork}"),
        )

    def save_signed(self, journaled: Journaled) -> None:
        self.entry = self.journal.update(
            self.entry,
            state="signed",
            tx_hash=journaled.tx_hash,
            raw_tx=journaled.raw_tx,
            nonce=journaled.nonce,
            attempts=json.dumps(journaled.attempts),
        )

    def mark_sent(self) -> None:
        self.entry = self.journal.update(self.entry, state="sent")

    def found_mined(self, tx_hash: str) -> None:
        self.entry = self.journal.update(self.entry, tx_hash=tx_hash)

    def clear(self) -> None:
        self.entry = self.journal.reset(self.entry)


def _mint_call(collection: Collection, entry: MintEntry) -> TxCall:
    contract = collection.contract
    data = contract.mint_calldata(
        to=entry.donor,
        metadata_digest=bytes.fromhex(entry.metadata_sha256),
        image_digest=bytes.fromhex(entry.image_sha256),
        sealed_message=entry.envelope or b"",
    )
    return TxCall(to=contract.address, data=data, action="mint", abi=contract.abi)


def send(
    entry: MintEntry, collection: Collection, sender: Sender, *, note: Progress
) -> tuple[MintEntry, Receipt | None]:
    """Bring the entry to ``sent`` (or find its receipt) through the outbox. Never a second
    transaction while an earlier one of this mint may still be mined: a replacement reuses its
    nonce."""
    slot = MintSlot(collection.journal, entry, sender=sender.address)
    outbox = Outbox(sender, slot, failpoint=failpoint)
    call = _mint_call(collection, entry)
    if entry.state in ("signed", "sent"):
        note(f"resuming transaction {entry.tx_hash}")
        found = outbox.resume(call)
        if found.outcome == "replaced":
            note(f"replaced the stale transaction with {found.tx_hash}")
        if found.outcome == "nonce-taken":
            # The token id is the image digest: its record says whether it was minted elsewhere.
            existing = collection.contract.token_of_image(bytes.fromhex(entry.image_sha256))
            if existing:
                collection.journal.update(
                    slot.entry, state="failed", error=f"minted as token {existing} elsewhere"
                )
                raise AlreadyMinted(existing, bytes.fromhex(entry.image_sha256))
        if not found.dropped:
            return slot.entry, found.receipt
    if slot.entry.state == "stored":
        note("signing and sending the mint transaction")
        try:
            outbox.send(call)
        except SendError:
            raise
        except ChainError as exc:  # refused before anything was signed (a revert, no funds)
            collection.journal.update(slot.entry, state="failed", error=str(exc))
            if isinstance(exc, ContractRevert) and exc.error_name == "ImageAlreadyMinted":
                # Minted meanwhile (another home, another minter): named like the early check.
                image = bytes.fromhex(entry.image_sha256)
                raise AlreadyMinted(int.from_bytes(image, "big"), image) from exc
            raise
    return slot.entry, None


def confirm(
    entry: MintEntry,
    collection: Collection,
    *,
    receipt: Receipt | None,
    resumed: bool,
    note: Progress,
) -> MintResult:
    contract = collection.contract
    journal = collection.journal
    assert entry.tx_hash is not None
    if receipt is None:
        note(f"waiting for {entry.tx_hash}")
        assert collection.sender is not None
        receipt = collection.sender.wait(entry.tx_hash)
    if not receipt.succeeded:
        error = _failure_reason(collection, entry)
        journal.update(entry, state="failed", error=error)
        raise ChainError(f"mint transaction {entry.tx_hash} failed: {error}", tx_hash=entry.tx_hash)
    event = contract.minted_from_receipt(receipt)
    token_id = int(event.args["tokenId"])
    gas_used = receipt.gas_used
    block = receipt.block_number
    journal.update(entry, state="minted", token_id=token_id, gas_used=gas_used, block_number=block)
    return MintResult(
        token_id=token_id,
        tx_hash=entry.tx_hash,
        gas_used=gas_used,
        block_number=block,
        image_cid=entry.image_cid,
        metadata_cid=entry.metadata_cid,
        donor=entry.donor,
        sealed=entry.envelope is not None,
        resumed=resumed,
        chain_id=collection.chain.chain_id,
        contract=contract.address,
    )


def _failure_reason(collection: Collection, entry: MintEntry) -> str:
    """Replay a failed mint as a call to decode why it reverted."""
    contract = collection.contract
    try:
        contract.rpc.call(
            contract.address,
            contract.mint_calldata(
                to=entry.donor,
                metadata_digest=bytes.fromhex(entry.metadata_sha256),
                image_digest=bytes.fromhex(entry.image_sha256),
                sealed_message=entry.envelope or b"",
            ),
            sender=collection.sender.address if collection.sender else None,
        )
    except ContractRevert as exc:
        return str(contract.abi.explain_revert(exc, action="mint"))
    except ChainError as exc:
        return str(exc)
    return "reverted (reason unknown)"
