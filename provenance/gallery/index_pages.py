"""The gallery's index, in pages of ``PAGE_SIZE`` works (newest first): ``index.html``, then
``page/2.html``, ``page/3.html``, ...; the open offers on the first page.

Pages, not one long list: a collection of 10,000 works is a page of 48 cards to load and check,
and every page is reached by plain links (newer, older, numbers), so the index works without
JavaScript, on a phone, and from a static folder. On each card the badge checks the work's image
against the chain only once the card is on screen or near it (js/cards.js), and reads the chain
for all the cards it checks at once. Every value from a token is escaped.
"""

from __future__ import annotations

from html import escape

from provenance.gallery.data import GalleryData, OfferEntry, Work
from provenance.gallery.fragments import (
    has_animation,
    provenance_line,
    short_address,
    site_header,
    summary,
)
from provenance.gallery.layout import PageSettings, badge, footer, image_slot, page

__all__ = ["PAGE_SIZE", "index_page_path", "page_count", "render_index"]

#: Works per index page: a few screenfuls on a desktop, one page of HTML of ~100 KB.
PAGE_SIZE = 48
#: Page numbers linked on either side of the current one (first and last always are).
_AROUND = 2


def index_page_path(number: int) -> str:
    """The path of index page ``number`` (1-based) from the site root."""
    return "index.html" if number == 1 else f"page/{number}.html"


def _wei(wei: int) -> str:
    from provenance.chain.units import format_wei

    return format_wei(wei)


def _card(work: Work, root: str) -> str:
    living = (
        f'<div class="animation-slot card-animation" aria-label="{escape(work.title)}: animation">'
        "</div>"
        if has_animation(work)
        else ""
    )
    # What the card's badge checks (js/cards.js): the token's record, owner, token URI and mint
    # event on the chain, and the image bytes against the token id (the image digest). The image
    # CID and type are only where to fetch and how to show: other bytes fail the hash.
    check = {**work.page_data(), "imageCid": work.image_cid, "mime": work.mime}
    return f"""<li class="card" data-token="{work.token_id}">
<article aria-labelledby="work-{work.hex_id}-title">
<a class="card-image" href="{root}work/{work.hex_id}.html" tabindex="-1" aria-hidden="true">
{living}{image_slot(work.image_cid, "", size=(work.width, work.height))}</a>
<h2 id="work-{work.hex_id}-title"><a href="{root}work/{work.hex_id}.html">{escape(work.title)}</a></h2>
{summary(work.description)}
<p class="owner">{provenance_line(work)}</p>
{badge(check, what="against the chain", lazy=True)}
</article></li>"""


def _offer_card(offer: OfferEntry) -> str:
    reserved = (
        f'<p class="reserved">Reserved for {short_address(offer.recipient, label="recipient address")}</p>'
        if offer.recipient
        else ""
    )
    return f"""<li class="card offer" data-offer="{escape(offer.id)}">
<article aria-labelledby="offer-{escape(offer.id)}-title">
<a class="card-image" href="offer/{escape(offer.id)}.html" tabindex="-1" aria-hidden="true">
{image_slot(offer.image_cid, "")}</a>
<h2 id="offer-{escape(offer.id)}-title"><a href="offer/{escape(offer.id)}.html">{escape(offer.name)}</a></h2>
<p>Available for a donation of at least <strong>{_wei(offer.min_donation_wei)}</strong>.</p>
{reserved}
{badge(offer.page_data(), what="against the artist's signature")}
</article></li>"""


def _works(count: int) -> str:
    return f"{count:,} work" + ("" if count == 1 else "s")


def _pager(number: int, pages: int, root: str, *, label: str) -> str:
    """Links to the other pages: newer, the first, a few around this one, the last, older."""
    if pages <= 1:
        return ""
    shown = sorted({1, pages, *range(max(1, number - _AROUND), min(pages, number + _AROUND) + 1)})
    items = []
    if number > 1:
        items.append(f'<li><a rel="prev" href="{root}{index_page_path(number - 1)}">Newer</a></li>')
    last = 0
    for n in shown:
        if n > last + 1:
            items.append('<li class="gap" aria-hidden="true">…</li>')
        current = ' aria-current="page"' if n == number else ""
        name = f"Page {n}" + (" (this page)" if n == number else "")
        items.append(
            f'<li><a href="{root}{index_page_path(n)}"{current} aria-label="{name}">{n}</a></li>'
        )
        last = n
    if number < pages:
        items.append(f'<li><a rel="next" href="{root}{index_page_path(number + 1)}">Older</a></li>')
    return f'<nav class="pager" aria-label="{label}"><ul role="list">{"".join(items)}</ul></nav>'


def page_count(data: GalleryData) -> int:
    """How many index pages the works fill (one, empty, for none)."""
    return max(1, -(-len(data.works) // PAGE_SIZE))


def render_index(
    data: GalleryData, gateway: str, settings: PageSettings, *, number: int = 1
) -> str:
    """Index page ``number`` (1-based) of the works, newest first."""
    pages = page_count(data)
    root = "" if number == 1 else "../"
    first = (number - 1) * PAGE_SIZE
    shown = data.works[first : first + PAGE_SIZE]
    works = (
        "\n".join(_card(w, root) for w in shown) or '<li class="empty">No works minted yet.</li>'
    )
    offers = ""
    if data.offers and number == 1:
        offers = f"""<section aria-labelledby="offers-title">
<h1 id="offers-title">Open for donation</h1>
<ul class="grid" role="list">{"".join(_offer_card(o) for o in data.offers)}</ul>
</section>"""
    span = (
        f'<p class="span">Works {first + 1:,}–{first + len(shown):,} of {len(data.works):,},'
        f" newest first (page {number} of {pages}).</p>"
        if pages > 1
        else ""
    )
    # Above and below the cards; a landmark's name tells a screen reader user which one it is.
    top = _pager(number, pages, root, label="Pages of works")
    bottom = _pager(number, pages, root, label="Pages of works (end of this page)")
    body = f"""{site_header(data, root, full=number == 1)}
<main id="main">
{offers}
<section aria-labelledby="works-title">
<h1 id="works-title">The works <span class="count">({_works(len(data.works))})</span></h1>
{span}{top}
<ul class="grid" role="list">{works}</ul>
{bottom}
</section>
</main>
{footer(data, root)}"""
    title = data.name if number == 1 else f"{data.name} · page {number}"
    return page(
        title,
        body,
        root=root,
        path=index_page_path(number),
        gateway=gateway,
        description=f"{data.name}: {_works(len(data.works))}, each verifiable",
        data=data,
        settings=settings,
    )
