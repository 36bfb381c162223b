"""``token.html``: one page for any token of the collection, minted before or after the build.

The token comes from the page's own URL (``token.html?id=0x<64 hex>``, optionally ``&block=N``, or
``#0x...``); the browser reads its record, owner and mint event from the chain, checks its content
like every other badge and opens the donor's message. A donation's "See your token" link and a
redeemed offer's page (its QR code) lead here, so a static site built before the token existed
still shows it. The page embeds nothing about any token: there is nothing to go stale.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from provenance.gallery.fragments import site_header

if TYPE_CHECKING:
    from provenance.gallery.data import GalleryData
    from provenance.gallery.layout import PageSettings
    from provenance.workflows.session import Session

__all__ = ["TOKEN_PAGE", "redeemed_offer_page", "render_token_page"]

TOKEN_PAGE = "token.html"


def render_token_page(data: GalleryData, gateway: str, settings: PageSettings) -> str:
    from provenance.gallery.layout import badge, footer, page

    body = f"""{site_header(data, "")}
<main id="main" class="detail">
<nav aria-label="Breadcrumb"><a href="index.html">All works</a></nav>
<article aria-labelledby="title" data-token-page>
<h1 id="title" data-token-title>A work of this collection</h1>
<p class="lede" data-token-lede>Your browser reads this token from Ethereum and checks its
content itself.</p>
{badge({}, what="against Ethereum")}
<figure class="artwork"><div class="artwork-slot" data-alt="The token's image">
<span>The image appears once your browser has checked it.</span></div>
<figcaption>The minted still. It is the record.</figcaption></figure>
<section class="message" aria-labelledby="message-title" data-message="{{}}">
<h2 id="message-title">The donor's message</h2>
<p>If the donor left a message, only they can read it: open it with the wallet you donated
from.</p>
<button type="button" data-testid="read-message">Read the message</button>
<div class="wallet-picker" hidden></div>
<p class="message-status" role="status" aria-live="polite"></p>
<blockquote data-testid="message-text" class="message-text" hidden></blockquote>
</section>
<h2>Provenance</h2>
<dl class="facts">
<div><dt>Token</dt><dd><code data-token-hex></code></dd></div>
</dl>
<p>Check it yourself: <code data-token-command>provenance verify TOKEN --gallery URL</code></p>
</article>
</main>
{footer(data)}"""
    return page(
        f"A work · {data.name}",
        body,
        root="",
        path=TOKEN_PAGE,
        gateway=gateway,
        description=f"A work of {data.name}, read from the chain by your browser",
        data=data,
        settings=settings,
    )


def redeemed_offer_page(collection: Session, rel: str) -> str | None:
    """For a served gallery: the token page an offer's URL (``offer/<id>.html``, its QR code)
    leads to once the offer was redeemed (the token id is the image digest the artist signed);
    None for any other path."""
    import re

    from provenance.chain.token_id import token_hex, token_id_of_image
    from provenance.errors import ProvenanceError
    from provenance.workflows.offer import saved_offers

    found = re.fullmatch(r"offer/(0x[0-9a-f]{64})\.html", rel)
    if found is None:
        return None
    for offer in saved_offers():
        if offer.id_hex != found.group(1) or offer.contract != collection.contract.address:
            continue
        token_id = token_id_of_image(offer.voucher.image_digest)
        try:
            minted = collection.contract.exists(token_id)
        except ProvenanceError:
            return None
        return f"/{TOKEN_PAGE}?id={token_hex(token_id)}" if minted else None
    return None
