"""The HTML fragments gallery pages are made of: the collection's header (name, artist, statement,
cover), owner and donation in plain words, shortened addresses and ids with a copy control, traits
as chips, the chain by name, the wallet-app links' slot, the animation's slot.

Every value from a token, its metadata or the collection's ERC-7572 document is escaped.
"""

from __future__ import annotations

from html import escape

from provenance.chain.units import format_wei
from provenance.gallery.data import GalleryData, Work

__all__ = [
    "animation_figure",
    "copyable",
    "has_animation",
    "on_chain",
    "provenance_line",
    "short_address",
    "site_header",
    "summary",
    "trait_chips",
    "wallet_apps",
]


def on_chain(chain_id: int) -> str:
    """The chain as a sentence names it: "Ethereum", "the devnet", "chain 5"."""
    from provenance.chain.network import chain_name

    name = chain_name(chain_id)
    return escape(f"chain {name}" if name.isdigit() else name)


def copyable(value: str, shown: str, *, label: str) -> str:
    """A value shown shortened, the whole of it in a copy control."""
    full = escape(value)
    return (
        f'<span class="address"><code title="{full}">{escape(shown)}</code>'
        f'<button type="button" class="copy" data-copy="{full}" aria-label="Copy the full'
        f' {escape(label)} {full}" hidden>Copy</button></span>'
    )


def trait_chips(attributes: list[dict[str, object]]) -> str:
    """A work's traits as chips (name and value, both text)."""
    if not attributes:
        return ""
    chips = "".join(
        f'<li class="chip"><span class="chip-name">{escape(str(a.get("trait_type")))}</span>'
        f' <span class="chip-value">{escape(str(a.get("value")))}</span></li>'
        for a in attributes
    )
    return f'<ul class="chips" aria-label="Traits" role="list">{chips}</ul>'


def wallet_apps() -> str:
    """Where the script offers, to a visitor without a browser wallet (a phone), to open this very
    page in a wallet app's own browser, or to copy its link (js/wallet-apps.js fills it)."""
    return (
        '<div class="wallet-apps" hidden><p class="wallet-apps-lede">No wallet in this browser.'
        ' Open this page in your wallet app\'s browser:</p><ul class="wallet-app-links"'
        ' role="list"></ul><p><button type="button" class="copy-link">Copy this page\'s'
        ' link</button> <span class="copy-link-status" role="status"></span></p></div>'
    )


def short_address(address: str | None, *, label: str = "address") -> str:
    """An address shortened for reading (0x1234…abcd), the full one in a copy control."""
    if not address:
        return "nobody (burned)"
    shown = f"{address[:6]}…{address[-4:]}" if len(address) > 14 else address
    return copyable(address, shown, label=label)


def site_header(data: GalleryData, root: str, *, full: bool = False) -> str:
    """The exhibition's name; on the index also its cover and the artist's statement."""
    info = data.info
    intro = ""
    if full and info is not None:
        cover = (
            f'<img class="cover" src="{root}{escape(data.cover[0])}" alt="Cover of'
            f' {escape(data.name)}">'
            if data.cover
            else ""
        )
        statement = "".join(
            f"<p>{escape(part.strip())}</p>" for part in info.description.split("\n\n") if part
        )
        link = (
            f'<p><a href="{escape(info.external_link)}" rel="noopener">The artist\'s site</a></p>'
            if info.external_link
            else ""
        )
        intro = f'<div class="intro">{cover}<div class="statement">{statement}{link}</div></div>'
    elif full and data.info_problem:
        intro = f'<p class="problem">{escape(data.info_problem)}</p>'
    artist = info.artist if info is not None else None
    by = f'<p class="artist">by <span data-artist>{escape(artist)}</span></p>' if artist else ""
    return f"""<header class="site">
<p class="site-name"><a href="{root}index.html">{escape(data.name)}</a></p>
{by}
{intro}
</header>"""


def provenance_line(work: Work) -> str:
    """Owner and donation in plain words."""
    if work.owner is None:
        return "This work was burned."
    owner = short_address(work.owner, label="owner address")
    if work.donation_wei is not None:
        return f"Owned by {owner}, who donated {escape(format_wei(work.donation_wei))} for it."
    return f"Owned by {owner}, given by the artist."


def summary(text: str, limit: int = 160) -> str:
    """The start of a description, for a card."""
    text = " ".join(text.split())
    if not text:
        return ""
    if len(text) > limit:
        text = text[: limit - 1].rsplit(" ", 1)[0] + "…"
    return f'<p class="summary">{escape(text)}</p>'


def has_animation(work: Work) -> bool:
    return bool(work.animation) or bool(
        work.animation_url and work.animation_url.startswith("ipfs://bafkrei")
    )


def animation_figure(work: Work) -> str:
    url = work.animation_url
    if not url:
        return ""
    if has_animation(work):
        return (
            f'<figure class="animation"><div class="animation-slot"'
            f' aria-label="{escape(work.title)}: animation">The animation plays once your browser'
            " has checked its bytes.</div><figcaption>The minted animation: a walk through the"
            " generator's faces, looping.</figcaption></figure>"
        )
    return f"<p>Animation (not checked by this page): <code>{escape(url)}</code></p>"
