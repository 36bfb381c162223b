"""What a token is made of, built once: the artwork, its title and attributes, its attachments.

``mint``, ``mint-batch`` and ``offer`` take the same token options; each builds one
:class:`TokenSpec` with :func:`token_spec` (the artwork read and checked once, before the chain is
touched) and its workflow consumes it: the mint request wraps it with the donor and the message,
the offer signs a voucher for its metadata.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from provenance.content.artwork import Artwork, load_artwork
from provenance.content.attachments import Attachments, load_attachments
from provenance.content.metadata import parse_attributes
from provenance.errors import InputError

__all__ = ["TokenSpec", "require_donor_key", "token_spec"]


@dataclass(frozen=True)
class TokenSpec:
    """One token's content and descriptive metadata (not who receives it)."""

    artwork: Artwork
    name: str | None = None  # None: the artwork's file name
    description: str = ""
    attributes: list[dict[str, Any]] = field(default_factory=list)
    animation_url: str | None = None
    external_url: str | None = None
    attachments: Attachments = field(default_factory=Attachments)  # stored with the image

    @property
    def title(self) -> str:
        return self.name or self.artwork.path.stem

    @property
    def shown_animation_url(self) -> str | None:
        """The metadata's ``animation_url``: an attached animation's, else the one given."""
        return self.attachments.animation_url or self.animation_url

    def metadata(
        self,
        *,
        image_cid: str,
        donor: str,
        sealed_message: Mapping[str, Any] | None = None,
        credentials: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """The token metadata (ERC-721 + ``provenance``) for a donor (the zero address: anyone)."""
        return self.artwork.metadata(
            image_cid=image_cid,
            donor=donor,
            name=self.name,
            description=self.description,
            attributes=self.attributes,
            sealed_message=sealed_message,
            animation_url=self.animation_url,
            external_url=self.external_url,
            credentials=credentials,
            **self.attachments.metadata_fields(),
        )


def token_spec(
    artwork: Path | Artwork,
    *,
    name: str | None = None,
    description: str = "",
    attributes: Sequence[str] = (),
    animation_url: str | None = None,
    external_url: str | None = None,
    animation: Path | None = None,
    model: Path | None = None,
    onnx: Path | None = None,
    fingerprint: bool = True,
) -> TokenSpec:
    """Read and check everything a token is made of (``key=value`` attributes, attachments);
    ``InputError`` on the first problem, before anything is stored or sent. (``--animation`` and
    ``--animation-url`` are exclusive options: an attached animation's URL wins.)
    ``fingerprint=False``: a check only, the pixels' fingerprint left for the metadata to compute."""
    parsed = parse_attributes(attributes)
    art = (
        artwork if isinstance(artwork, Artwork) else load_artwork(artwork, fingerprint=fingerprint)
    )
    return TokenSpec(
        artwork=art,
        name=name,
        description=description,
        attributes=parsed,
        animation_url=animation_url,
        external_url=external_url,
        attachments=load_attachments(art, animation=animation, model=model, onnx=onnx),
    )


def require_donor_key(message: bytes | None, has_key: bool, *, how: str) -> None:
    """The one rule: a message is sealed to the donor's key, so it needs one (``how`` says how
    to give it, in the caller's words: options or CSV columns)."""
    if message is not None and not has_key:
        raise InputError(f"a message needs the donor's key: give {how}")
