"""The verify workflow: check a token end to end.

Every check is named and has a state (``CheckState``); a failed check carries its evidence. The
report's ``outcome`` is one of three: authentic, not authentic, or could not check (the chain or
the content did not answer: never a verdict). Content comes from a
``ContentSource`` (the embedded blockstore, Kubo, or gateways) that verifies every block against its
CID, so nothing read is trusted before its hash is checked.
"""

from __future__ import annotations

import hashlib
import io
from pathlib import Path
from typing import Any

from provenance.chain.address import ZERO_ADDRESS, to_checksum
from provenance.chain.contract import ProvenanceArt, Record
from provenance.chain.token_id import short_token
from provenance.content.credentials import Anchor
from provenance.content.metadata import MAX_METADATA_BYTES, parse_metadata
from provenance.errors import (
    ContractRevert,
    InputError,
    ProvenanceError,
    VerificationError,
)
from provenance.ipfs.cid import raw_cid_for_sha256
from provenance.ipfs.reader import ContentSource
from provenance.untrusted import UntrustedDataError, image_mismatches, inspect_image
from provenance.workflows.verify_message import check_message
from provenance.workflows.verify_report import Check, CheckState, Outcome, Report

__all__ = ["Check", "CheckState", "Outcome", "Report", "verify_token"]


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
        report.unreadable("metadata", metadata_cid, exc)
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
    if minted is None and contract.from_block > 0:
        # The start block is a hint (a gallery's descriptor names it), never a reason to fail.
        minted = ProvenanceArt(contract.rpc, contract.address).minted_event(token_id)
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
        check_message(
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
        report.put("credentials", CheckState.SKIPPED, "skipped: image unavailable")
    else:
        from provenance.content.credentials import check_credentials

        ok, evidence = check_credentials(
            image_bytes, prov.get("credentials"), _png_record(prov.get("generator")), trust_anchor
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
        report.unreadable("image", cid, exc)
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
    holds, fingerprint = _check_fingerprint(metadata["provenance"], data, cid)
    if not holds:
        report.add("image", False, fingerprint)
        return None
    report.add(
        "image",
        True,
        f"{cid} ({len(data)} bytes, {facts.mime} {facts.width}x{facts.height},"
        f" sha256 matches on chain{fingerprint})",
    )
    return data


def _check_fingerprint(prov: dict[str, Any], data: bytes, cid: str) -> tuple[bool, str]:
    """The fingerprint the metadata records (content/fingerprint.py) against the image's pixels:
    (holds, evidence); a token minted before fingerprints holds with no evidence."""
    from provenance.content.fingerprint import fingerprint_of_bytes, parse_fingerprint

    if "fingerprint" not in prov:
        return True, ""
    claimed = parse_fingerprint(prov["fingerprint"])
    if claimed is None:
        return False, "the metadata's fingerprint is malformed"
    try:
        actual = fingerprint_of_bytes(data, what=f"image {cid}")
    except InputError as exc:
        return False, exc.message
    if actual != claimed:
        return False, "the metadata's pixel fingerprint differs from the image's pixels"
    return True, f"; pixels and ISCC {actual.iscc} as recorded"


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
        report.unreadable("animation", str(claim["cid"]), exc)
        return
    report.add("animation", *check_animation_bytes(claim, data))


def _check_generation(
    report: Report, prov: dict[str, Any], image_bytes: bytes | None, model: Path | None
) -> None:
    claimed = prov.get("generator")
    if image_bytes is None:
        report.put("generation", CheckState.SKIPPED, "skipped: image unavailable")
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
    claimed = _png_record(claimed)
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
    if ok is None:
        report.put("generation", CheckState.UNCHECKED, f"{detail}; {evidence}")
        return
    report.add("generation", ok, f"{detail}; regenerated: {evidence}")


def _png_record(generator: Any) -> Any:
    """The metadata's generation record as the PNG (and its C2PA assertion) carry it: the ONNX
    export (``mint --onnx``) is named beside it in the metadata only."""
    if isinstance(generator, dict) and "onnx" in generator:
        return {k: v for k, v in generator.items() if k != "onnx"}
    return generator


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
    cid, source = training.get("cid"), training.get("source")
    if isinstance(cid, str):
        shown = f"trained on {cid}"
    elif isinstance(source, str) and source.startswith("builtin:"):
        shown = f"trained on the built-in set {source.removeprefix('builtin:')}"
    else:  # a local folder whose CID the artist did not record: nothing anyone else can fetch
        shown = "trained on a set with no CID recorded"
    return shown + (f" ({', '.join(facts)})" if facts else "")
