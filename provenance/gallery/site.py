"""The gallery's pages: the index (index_pages.py: pages of works), a page per work (a viewer: one stage), a page per open offer, the
screen (screen.py) and the donor's key page (keypage.py); ``render_site`` gives every file.

Pages read well without JavaScript (semantic HTML, every fact as text); ``static/app.js`` (the
bundle built from ``provenance/gallery/js`` by ``scripts/build-gallery-js``) reads the chain itself
through the RPC URL the page names, shows an image only after hashing the very bytes it shows, runs
the donate form and opens sealed messages. What a page embeds is for display only. Links are
relative, so the folder can be hosted by any web server (``output.py`` writes it).
Every value taken from a token or its metadata is escaped.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from functools import partial
from html import escape
from importlib.resources import files
from typing import Any

from provenance.gallery.data import GalleryData, OfferEntry, Work
from provenance.gallery.fragments import (
    animation_figure,
    copyable,
    has_animation,
    on_chain,
    provenance_line,
    short_address,
    site_header,
    trait_chips,
    wallet_apps,
)
from provenance.gallery.layout import (
    PageSettings,
    alt_text,
    badge,
    check_settings,
    footer,
    image_slot,
    page,
)

__all__ = ["STATIC_FILES", "render_offer", "render_site", "render_work", "site_plan"]

STATIC_FILES = ("gallery.css", "app.js", "favicon.svg")


def _wei(wei: int) -> str:
    from provenance.chain.units import format_wei

    return format_wei(wei)


def _generator(generator: dict[str, Any] | None) -> str:
    if not generator:
        return "<p>No generation record.</p>"
    model = generator.get("model") or {}
    rows = [("Model sha256", f"<code>{escape(str(model.get('sha256', '')))}</code>")]
    if model.get("cid"):
        rows.append(("Model CID", f"<code>{escape(str(model['cid']))}</code>"))
    onnx = generator.get("onnx")
    if isinstance(onnx, dict) and onnx.get("cid"):
        rows.append(("ONNX export CID", f"<code>{escape(str(onnx['cid']))}</code>"))
    rows.append(("Seed", escape(str(generator.get("seed")))))
    if "truncation" in generator:
        rows.append(("Truncation", escape(str(generator["truncation"]))))
    if generator.get("code"):
        rows.append(("Code", escape(str(generator["code"]))))
    items = "".join(f"<div><dt>{k}</dt><dd>{v}</dd></div>" for k, v in rows)
    return f'<dl class="facts record">{items}</dl>'


def _message_section(work: Work) -> str:
    if not work.sealed_message:
        return ""
    payload = {"tokenId": str(work.token_id), "mintedBlock": work.minted_block}
    return f"""<section class="message" aria-labelledby="message-title"
 data-message="{escape(json.dumps(payload))}">
<h2 id="message-title">The donor's message</h2>
<p>Sealed so that only the donor can read it. Donor: open it with the wallet you donated from.</p>
<button type="button" data-testid="read-message">Read the message</button>
<div class="wallet-picker" hidden></div>
{wallet_apps()}
<p class="message-status" role="status" aria-live="polite"></p>
<blockquote data-testid="message-text" class="message-text" hidden></blockquote>
</section>"""


def _stage(work: Work, live: str) -> str:
    """One large stage: the live portrait when there is one, else the minted animation, else the
    still; the other versions one click away (js/stage.js shows the tabs; without a script every
    version is shown, one under the other)."""
    views = []
    if live:
        views.append(("live", "Live", live))
    if has_animation(work):
        views.append(("animation", "Animation", animation_figure(work)))
    alt = alt_text(work.title, work)
    still = image_slot(work.image_cid, alt, size=(work.width, work.height))
    caption = f"The minted still: {escape(alt)}. It is the record."
    views.append(
        (
            "still",
            "Still",
            f'<figure class="artwork">{still}<figcaption>{caption}</figcaption></figure>',
        )
    )
    panels = "".join(
        f'<div class="stage-view" id="view-{key}" data-view="{key}" role="tabpanel"'
        f' aria-label="{label}">{html}</div>'
        for key, label, html in views
    )
    tabs = "".join(
        f'<button type="button" role="tab" class="stage-tab" data-view="{key}"'
        f' aria-controls="view-{key}">{label}</button>'
        for key, label, _ in views
    )
    return (
        f'<section class="stage" data-stage aria-label="The work">{panels}'
        f'<div class="stage-tabs" role="tablist" aria-label="Versions" hidden>{tabs}</div></section>'
    )


def render_work(data: GalleryData, work: Work, gateway: str, settings: PageSettings) -> str:
    from provenance.gallery.credentials_view import credentials_row
    from provenance.gallery.live import live_portrait_for

    live = live_portrait_for(work.generator, title=work.title, root="../")
    owner = short_address(work.owner, label="owner address")
    donation = _wei(work.donation_wei) if work.donation_wei is not None else "minted directly"
    problem = f'<p class="problem">{escape(work.problem)}</p>' if work.problem else ""
    token = copyable(work.hex_id, work.short_id, label="token id")
    body = f"""{site_header(data, "../")}
<main id="main" class="detail viewer">
<nav aria-label="Breadcrumb"><a href="../index.html">All works</a></nav>
<article aria-labelledby="title">
{_stage(work, live)}
<div class="plate">
<h1 id="title">{escape(work.title)}</h1>
{f'<p class="lede">{escape(work.description)}</p>' if work.description else ""}
<p class="owner">{provenance_line(work)}</p>
<p class="token-line">Token {token} on {on_chain(data.chain_id)}</p>
{trait_chips(work.attributes)}
{problem}
{badge(work.page_data(), what="against the chain")}
</div>
{_message_section(work)}
<h2>Provenance</h2>
<dl class="facts">
<div><dt>Token</dt><dd>{copyable(work.hex_id, work.short_id, label="token id")}</dd></div>
<div><dt>Chain</dt><dd>{on_chain(data.chain_id)} (chain id {data.chain_id})</dd></div>
<div><dt>Owner</dt><dd>{owner}</dd></div>
<div><dt>Donation</dt><dd>{donation}</dd></div>
<div><dt>Sealed message</dt><dd>{"yes, readable only by the donor" if work.sealed_message else "none"}</dd></div>
<div><dt>Token URI</dt><dd><code>{escape(work.token_uri)}</code></dd></div>
<div><dt>Metadata sha256 (on chain)</dt><dd><code>{work.metadata_sha256}</code></dd></div>
<div><dt>Image sha256 (on chain)</dt><dd><code>{work.image_sha256}</code></dd></div>
<div><dt>Minted</dt><dd>block {work.minted_block}, tx <code>{escape(str(work.minted_tx))}</code></dd></div>
{credentials_row(work)}
</dl>
<h2>Generation record</h2>
{_generator(work.generator)}
<p>Check it yourself: <code>provenance verify {work.short_id}</code>, or with the image file:
<code>provenance verify image.png</code></p>
</article>
</main>
{footer(data, "../")}"""
    return page(
        f"{work.title} · {data.name}",
        body,
        root="../",
        path=f"work/{work.hex_id}.html",
        gateway=gateway,
        description=f"{work.title}, token {work.short_id} of {data.name}",
        data=data,
        settings=settings,
        wasm=bool(live),  # the live portrait's element carries its own module script
    )


def _donate_form(offer: OfferEntry) -> str:
    minimum = _wei(offer.min_donation_wei)
    default = _ether(offer.min_donation_wei)
    return f"""<form class="donate" data-offer="{escape(json.dumps(offer.page_offer()))}" novalidate>
<h2>Donate with your wallet</h2>
<p>Minimum donation: <strong class="min-donation">{escape(minimum)}</strong></p>
<label for="donate-amount">Your donation (ETH)</label>
<input id="donate-amount" data-testid="donate-amount" name="amount" inputmode="decimal"
 autocomplete="off" value="{escape(default)}" required>
<label for="donate-message">A message only you can read (optional)</label>
<textarea id="donate-message" data-testid="donate-message" name="message" rows="4"
 aria-describedby="donate-counter"></textarea>
<p id="donate-counter" class="counter" aria-live="polite">0 / 1024 bytes</p>
<p class="hint">Your wallet signs a key message first (twice, the first time): it derives the
key your message is sealed to, so that only your wallet can read it later. Nothing is sent
until you confirm the transaction.</p>
<div class="wallet-picker" hidden></div>
{wallet_apps()}
<button type="submit" data-testid="donate-submit">Donate and receive the token</button>
<p data-testid="donate-status" class="donate-status" role="status" aria-live="polite"></p>
</form>"""


def _ether(wei: int) -> str:
    whole, frac = divmod(wei, 10**18)
    return f"{whole}.{frac:018d}".rstrip("0").rstrip(".") if frac else str(whole)


def render_offer(data: GalleryData, offer: OfferEntry, gateway: str, settings: PageSettings) -> str:
    from provenance.chain.units import NO_DEADLINE

    deadline = (
        "no expiry"
        if offer.deadline == NO_DEADLINE
        else time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(offer.deadline))
    )
    recipient = (
        f"reserved for {short_address(offer.recipient, label='recipient address')}"
        if offer.recipient
        else "anyone who donates"
    )
    body = f"""{site_header(data, "../")}
<main id="main" class="detail">
<nav aria-label="Breadcrumb"><a href="../index.html">All works</a></nav>
<article aria-labelledby="title">
<h1 id="title">{escape(offer.name)}</h1>
<p class="lede">Open for donation: support the artist and receive this work as a token, with a
message only you can read.</p>
{f'<p class="reserved">Reserved for {short_address(offer.recipient, label="recipient address")}</p>' if offer.recipient else ""}
<figure class="artwork">{image_slot(offer.image_cid, alt_text(offer.name, offer))}
<figcaption>{escape(offer.description) or escape(alt_text(offer.name, offer))}</figcaption></figure>
{badge(offer.page_data(), what="against the artist's signed digests")}
<p class="redeemed" data-testid="offer-redeemed" data-root="../" role="status" hidden></p>
<h2>The offer</h2>
<dl class="facts">
<div><dt>Minimum donation</dt><dd>{_wei(offer.min_donation_wei)} on {on_chain(data.chain_id)}</dd></div>
<div><dt>Valid until</dt><dd>{deadline}</dd></div>
<div><dt>Who may receive it</dt><dd>{recipient}</dd></div>
<div><dt>Signed by</dt><dd>{short_address(offer.signer, label="signer address")}</dd></div>
<div><dt>Metadata</dt><dd><code>ipfs://{escape(offer.metadata_cid)}</code></dd></div>
</dl>
{_donate_form(offer)}
<h2>Or from the command line</h2>
<p>Download <a href="{escape(offer.id)}.json" download="offer.json">the offer (offer.json)</a> and
run <code>provenance redeem offer.json --account YOUR_KEYSTORE --message "your words"</code>.</p>
<h2>Generation record</h2>
{_generator(offer.generator)}
</article>
</main>
{footer(data, "../")}"""
    return page(
        f"{offer.name} · open for donation",
        body,
        root="../",
        path=f"offer/{offer.id}.html",
        gateway=gateway,
        description=f"{offer.name}: open for donation",
        data=data,
        settings=settings,
    )


def site_plan(
    data: GalleryData, gateway: str, *, settings: PageSettings | None = None
) -> dict[str, Callable[[], bytes]]:
    """Every file of the site, by relative path, each rendered when asked for: a served gallery
    renders the page a visitor opens, not the 10,000 others (nor the screen's QR codes)."""
    from provenance.gallery.index_pages import index_page_path, page_count, render_index
    from provenance.gallery.keypage import render_key_page
    from provenance.gallery.live import live_portrait_for
    from provenance.gallery.screen import render_screen

    settings = settings or PageSettings()
    check_settings(gateway, settings)

    def constant(content: bytes) -> Callable[[], bytes]:
        return lambda: content

    plan: dict[str, Callable[[], bytes]] = {
        index_page_path(n): partial(_encoded, render_index, data, gateway, settings, number=n)
        for n in range(1, page_count(data) + 1)
    }
    plan["screen/index.html"] = partial(_encoded, render_screen, data, gateway, settings)
    plan["key/index.html"] = partial(_encoded, render_key_page, data, gateway, settings)
    for work in data.works:
        plan[f"work/{work.hex_id}.html"] = partial(
            _encoded, render_work, data, work, gateway, settings
        )
    for offer in data.offers:
        plan[f"offer/{offer.id}.html"] = partial(
            _encoded, render_offer, data, offer, gateway, settings
        )
        plan[f"offer/{offer.id}.json"] = constant(offer.offer_json)
    static = files("provenance.gallery") / "static"
    for name in (*STATIC_FILES, "screen.js"):
        plan[f"static/{name}"] = (static / name).read_bytes
    # The same test render_work makes: a work page with a live portrait needs its files.
    if any(live_portrait_for(w.generator, title=w.title, root="../") for w in data.works):
        from provenance.gallery.live import live_static_files

        for rel, content in live_static_files().items():
            plan[rel] = constant(content)
    if data.cover is not None:
        plan[data.cover[0]] = constant(data.cover[1])
    from provenance.gallery.collection_files import collection_files
    from provenance.gallery.token_page import TOKEN_PAGE, render_token_page

    plan[TOKEN_PAGE] = partial(_encoded, render_token_page, data, gateway, settings)
    for rel, content in collection_files(data, gateway, settings).items():
        plan[rel] = constant(content)
    return plan


def _encoded(render: Callable[..., str], *args: Any, **kwargs: Any) -> bytes:
    return render(*args, **kwargs).encode()


def render_site(
    data: GalleryData, gateway: str, *, settings: PageSettings | None = None
) -> dict[str, bytes]:
    """Every file of the site, by relative path."""
    return {rel: render() for rel, render in site_plan(data, gateway, settings=settings).items()}
