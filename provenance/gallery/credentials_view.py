"""A work's Content Credentials on its gallery page: the same check, and the same words, as
``provenance verify`` (content/credentials.py), made when the gallery reads the collection."""

from __future__ import annotations

import hashlib
from html import escape
from typing import TYPE_CHECKING, Any

from provenance.errors import ProvenanceError

if TYPE_CHECKING:
    from provenance.gallery.data import Work
    from provenance.ipfs.reader import ContentSource

__all__ = ["credentials_row", "work_credentials"]


def work_credentials(
    prov: dict[str, Any], image_sha256: bytes, source: ContentSource
) -> tuple[bool | None, str] | None:
    """(passed, evidence) for a work whose metadata binds a certificate, under the anchor this
    gallery publishes (the artist's own identity); None for an unsigned work."""
    if prov.get("credentials") is None:
        return None
    from provenance.content.credentials import anchor_from_pem, check_credentials
    from provenance.gallery.collection_files import published_anchors

    try:
        image = prov["image"]
        data = source.cat(str(image["cid"]), max_size=int(image["size"]))
    except (ProvenanceError, KeyError, TypeError, ValueError) as exc:
        return None, f"not checked: the image could not be read ({exc})"
    if hashlib.sha256(data).digest() != image_sha256:
        return False, "the image does not hash to the on-chain digest"
    anchors = published_anchors()
    anchor = None
    if anchors:
        try:
            anchor = anchor_from_pem(anchors[0].encode(), source="the artist's identity")
        except ProvenanceError:
            anchor = None
    try:
        return check_credentials(data, prov.get("credentials"), prov.get("generator"), anchor)
    except ProvenanceError as exc:
        return None, f"not checked: {exc.message}"


def credentials_row(work: Work) -> str:
    """A facts row for the work page: the verdict in words, then verify's evidence as text."""
    if work.credentials is None:
        return ""
    ok, evidence = work.credentials
    verdict = {True: "Trusted", False: "Does not hold", None: "Not verified"}[ok]
    state = {True: "authentic", False: "not-authentic", None: "unknown"}[ok]
    return (
        f'<div><dt>Content Credentials</dt><dd data-testid="credentials" data-state="{state}">'
        f"<strong>{verdict}</strong>: {escape(evidence)}</dd></div>"
    )
