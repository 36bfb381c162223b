"""The verify and decrypt workflows: check a token end to end, open its sealed message.

Every check is named, and a failed check carries its evidence. Content comes from a
``ContentSource`` (the embedded blockstore, Kubo, or gateways) that verifies every block against its
CID, so nothing read is trusted before its hash is checked.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eth_hash.auto import keccak

from provenance.chain.address import ZERO_ADDRESS, to_checksum
from provenance.chain.contract import ProvenanceArt, Record
from provenance.chain.token_id import short_token
from provenance.content.credentials import Anchor
from provenance.content.metadata import MAX_METADATA_BYTES, canonical_json, parse_metadata
from provenance.errors import (
    ContractRevert,
    InputError,
    ProvenanceError,
    SealError,
    VerificationError,
)
from provenance.ipfs.cid import raw_cid_for_sha256
from provenance.ipfs.reader import ContentSource
from provenance.redact import redact_urls
from provenance.seal.wallet import StoredEnvelope
from provenance.untrusted import UntrustedDataError, image_mismatches, inspect_image

__all__ = ["Check", "Report", "decrypt_token", "verify_token"]


@dataclass
class Check:
    name: str
    ok: bool | None  # None: not applicable or skipped
    detail: str


@dataclass
class Report:
    token_id: int
    contract: str
    chain_id: int
    checks: list[Check] = field(default_factory=list)
    owner: str | None = None
    metadata: dict[str, Any] | None = None
    training: dict[str, Any] | None = None  # the training set the generation record names

    @property
    def ok(self) -> bool:
        return (
            bool(self.checks)
            and all(c.ok is not False for c in self.checks)
            and not any(c.ok is None and c.detail.startswith("skipped") for c in self.checks)
        )

    def add(self, name: str, ok: bool | None, detail: str) -> bool:
        # Evidence may quote a Kubo, gateway or RPC error: no URL credentials in a report.
        self.checks.append(Check(name, ok, redact_urls(detail)))
        return ok is not False

    def skip_rest(self, names: list[str], reason: str) -> None:
        for name in names:
            self.checks.append(Check(name, None, f"skipped: {reason}"))


_ALL_CHECKS = [
    "token",
    "record",
    "token-uri",
    "metadata",
    "image",
    "animation",
    "donor",
    "sealed-message",
    "generation",
    "credentials",
]


def verify_token(
    contract: ProvenanceArt,
    token_id: int,
    source: ContentSource,
    *,
    chain_id: int,
    regenerate_model: Path | None = None,
    trust_anchor: Anchor | None = None,
) -> Report:
    report = Report(token_id=token_id, contract=contract.address, chain_id=chain_id)

    def rest(after: str) -> list[str]:
        return _ALL_CHECKS[_ALL_CHECKS.index(after) + 1 :]

    # 1. The token exists, and who owns it.
    try:
        report.owner = contract.owner_of(token_id)
    except ContractRevert as exc:
        report.add(
            "token",
            False,
            f"token {short_token(token_id)} does not exist ({exc.error_name or exc})",
        )
        report.skip_rest(rest("token"), "no such token")
        return report
    report.add("token", True, f"owned by {report.owner}")

    # 2. The on-chain record.
    record = contract.record_of(token_id)
    if record.metadata_digest == b"\0" * 32 or record.image_digest == b"\0" * 32:
        report.add("record", False, "the on-chain record has an empty digest")
        report.skip_rest(rest("record"), "no record")
        return report
    report.add(
        "record",
        True,
        f"metadata sha256 {record.metadata_digest.hex()}, image sha256 {record.image_digest.hex()}",
    )

    # 3. tokenURI is the CID of the recorded metadata digest.
    metadata_cid = raw_cid_for_sha256(record.metadata_digest)
    uri = contract.token_uri(token_id)
    report.add(
        "token-uri",
        uri == f"ipfs://{metadata_cid}",
        uri if uri == f"ipfs://{metadata_cid}" else f"{uri} != ipfs://{metadata_cid}",
    )

    # 4. The metadata bytes hash to the on-chain digest and are a well-formed record.
    try:
        # Bounded: the CID comes from the chain, but its DAG could still expand without end.
        metadata_bytes = source.cat(metadata_cid, max_size=MAX_METADATA_BYTES)
    except ProvenanceError as exc:
        report.add("metadata", False, f"cannot read {metadata_cid}: {exc}")
        report.skip_rest(rest("metadata"), "no metadata")
        return report
    if hashlib.sha256(metadata_bytes).digest() != record.metadata_digest:
        report.add("metadata", False, f"bytes of {metadata_cid} do not hash to the on-chain digest")
        report.skip_rest(rest("metadata"), "metadata mismatch")
        return report
    try:
        metadata = parse_metadata(metadata_bytes)
    except VerificationError as exc:
        report.add("metadata", False, str(exc))
        report.skip_rest(rest("metadata"), "malformed metadata")
        return report
    report.metadata = metadata
    report.add("metadata", True, f"{metadata_cid} ({len(metadata_bytes)} bytes, canonical)")
    prov = metadata["provenance"]

    # 5. The image bytes hash to their CID, the recorded sha256 and the on-chain digest.
    image_bytes = _check_image(report, metadata, record, source)
    _check_animation(report, metadata, source)

    # 6. The donor named in the metadata received the token at mint.
    minted = contract.minted_event(token_id)
    if minted is None:
        report.add("donor", False, "no ArtworkMinted event found for this token")
        report.add("sealed-message", False, "no ArtworkMinted event: no on-chain commitment")
    else:
        to = to_checksum(str(minted.args["to"]))  # eth-abi decodes addresses in lower case
        redeemed = contract.redeemed_event(token_id)
        named = str(prov.get("donor", ""))
        # An open offer (voucher recipient 0) names no donor: whoever redeemed it received it.
        if redeemed is not None and named.lower() == ZERO_ADDRESS:
            report.add("donor", True, f"minted to {to}, who redeemed an open offer")
        else:
            same = to.lower() == named.lower()
            report.add(
                "donor",
                same,
                f"minted to {to}"
                if same
                else f"metadata names {named} but the token was minted to {to}",
            )
        # 7. The sealed message matches the on-chain commitment and the bytes in the mint event.
        _check_message(
            report,
            prov,
            bytes(minted.args["messageHash"]),
            bytes(minted.args["sealedMessage"]),
            redeemed=redeemed is not None,
        )

    # 8. The generation record in the PNG matches the metadata's; optionally regenerate.
    _check_generation(report, prov, image_bytes, regenerate_model)

    # 9. The PNG's Content Credentials hold under the artist's anchor and bind the certificate
    # whose sha256 the metadata carries.
    if image_bytes is None:
        report.add("credentials", None, "skipped: image unavailable")
    else:
        from provenance.content.credentials import check_credentials

        ok, evidence = check_credentials(
            image_bytes, prov.get("credentials"), prov.get("generator"), trust_anchor
        )
        report.add("credentials", ok, evidence)
    return report


def _check_image(
    report: Report, metadata: dict[str, Any], record: Record, source: ContentSource
) -> bytes | None:
    image = metadata["provenance"]["image"]
    cid = str(image["cid"])
    if metadata.get("image") != f"ipfs://{cid}":
        report.add("image", False, f"metadata image {metadata.get('image')} != ipfs://{cid}")
        return None
    from provenance.content.artwork import MAX_ARTWORK_BYTES  # here: it loads PIL

    size = image["size"]
    if not isinstance(size, int) or isinstance(size, bool) or not 0 <= size <= MAX_ARTWORK_BYTES:
        report.add(
            "image",
            False,
            f"metadata image size {size!r} is not a byte count up to {MAX_ARTWORK_BYTES}",
        )
        return None
    try:
        # The metadata (committed to on chain) says how big the image is: read no more.
        data = source.cat(cid, max_size=size)
    except ProvenanceError as exc:
        report.add("image", False, f"cannot read {cid}: {exc}")
        return None
    digest = hashlib.sha256(data).digest()
    if digest != record.image_digest:
        report.add(
            "image", False, f"image sha256 {digest.hex()} != on-chain {record.image_digest.hex()}"
        )
        return None
    if image["sha256"] != digest.hex() or image["size"] != len(data):
        report.add("image", False, "image sha256/size in the metadata differ from the image bytes")
        return None
    # The bytes are the ones committed to, but still untrusted: read the header before any pixel
    # (a 656 KB PNG can decode to 716 MB), then hold the declared type and size to it.
    try:
        facts = inspect_image(data, what=f"image {cid}")
    except UntrustedDataError as exc:
        report.add("image", False, exc.message)
        return None
    wrong = image_mismatches(facts, image)
    if wrong:
        report.add("image", False, "the metadata describes another image: " + "; ".join(wrong))
        return None
    report.add(
        "image",
        True,
        f"{cid} ({len(data)} bytes, {facts.mime} {facts.width}x{facts.height},"
        " sha256 matches on chain)",
    )
    return data


def _check_animation(report: Report, metadata: dict[str, Any], source: ContentSource) -> None:
    """An animation committed in the provenance record (``mint --animation``): its bytes, by the
    record's CID, have its sha256, size and sniffed mime type. content/media.py holds the rules."""
    from provenance.content.media import animation_claim, check_animation_bytes

    try:
        claim = animation_claim(metadata)
    except VerificationError as exc:
        report.add("animation", False, str(exc))
        return
    if claim is None:
        url = metadata.get("animation_url")
        report.add("animation", None, f"{url} is not committed" if url else "no animation")
        return
    try:
        data = source.cat(str(claim["cid"]), max_size=int(claim["size"]))
    except ProvenanceError as exc:
        report.add("animation", False, f"cannot read {claim['cid']}: {exc}")
        return
    report.add("animation", *check_animation_bytes(claim, data))


def _check_message(
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
    stored = _event_stored(event_bytes)
    return stored.envelope if stored is not None else None


def _event_stored(event_bytes: bytes) -> StoredEnvelope | None:
    """The mint event's sealed message in canonical stored form: a bare envelope (opened with the
    donor's Ethereum key) or {"envelope", "key": "wallet-signature-v1"}; None for anything else."""
    from provenance.seal import parse_stored

    try:
        return parse_stored(event_bytes, canonical=True)
    except ProvenanceError:
        return None


def _check_generation(
    report: Report, prov: dict[str, Any], image_bytes: bytes | None, model: Path | None
) -> None:
    claimed = prov.get("generator")
    if image_bytes is None:
        report.add("generation", None, "skipped: image unavailable")
        return
    from PIL import Image

    from provenance.content.generation import read_generation_record

    try:
        with Image.open(io.BytesIO(image_bytes)) as image:
            embedded = read_generation_record(image)
    except (InputError, OSError) as exc:
        report.add("generation", False, f"cannot read the image's generation record: {exc}")
        return
    if claimed is None and embedded is None:
        report.add("generation", None, "no generation record")
        return
    if isinstance(claimed, dict) and "onnx" in claimed:
        # The artist names the model's ONNX export beside the PNG's record (mint --onnx).
        claimed = {k: v for k, v in claimed.items() if k != "onnx"}
    if claimed != embedded:
        report.add("generation", False, "the PNG's generation record differs from the metadata's")
        return
    assert embedded is not None
    detail = f"model sha256 {embedded['model']['sha256'][:16]}..., seed {embedded['seed']}"
    training = _training_evidence(embedded.get("training"))
    if training:
        report.training = embedded["training"]
        detail += f"; {training}"
    if model is None:
        report.add("generation", True, detail)
        return
    from provenance.content.generation import regenerate_check

    ok, evidence = regenerate_check(image_bytes, model)
    report.add("generation", ok, f"{detail}; regenerated: {evidence}")


def _training_evidence(training: Any) -> str:
    """The training set a record names (CID, images, preprocessing), as one line of evidence;
    empty for an older record without it. Untrusted text: the CLI prints it plain."""
    if not isinstance(training, dict):
        return ""
    facts = []
    if isinstance(training.get("images"), int):
        facts.append(f"{training['images']} images")
    preprocessing = training.get("preprocessing")
    if isinstance(preprocessing, dict):
        facts += [f"{key} {value}" for key, value in sorted(preprocessing.items())]
    shown = f"trained on {training.get('cid', 'an unnamed set')}"
    return shown + (f" ({', '.join(facts)})" if facts else "")


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
    from eth_account import Account

    from provenance.seal import open_stored, parse_stored

    return open_stored(
        parse_stored(canonical_json(envelope), canonical=True),
        Account.from_key(private_key),
        contract=contract.address,
        chain_id=contract.rpc.chain_id(),
    )
