"""Render the gallery as plain HTML files: an index, a page per work, a page per open offer.

Pages read well without JavaScript (semantic HTML, every fact as text); ``static/app.js`` (the
bundle built from ``provenance/gallery/js`` by ``scripts/build-gallery-js``) reads the chain itself
through the RPC URL the page names, shows an image only after hashing the very bytes it shows, runs
the donate form and opens sealed messages. What a page embeds is for display only. Links are
relative, so the folder can be hosted by any web server. A Content-Security-Policy limits every
page to its own script, its own origin, the one gateway and the one RPC endpoint it names.
Every value taken from a token or its metadata is escaped.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from html import escape
from importlib.resources import files
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from provenance.chain.network import chain_label
from provenance.errors import InputError
from provenance.gallery.data import GalleryData, OfferEntry, Work
from provenance.gallery.exhibit import (
    animation_figure,
    has_animation,
    provenance_line,
    short_address,
    site_header,
    summary,
)
from provenance.gallery.framing import STATIC_HEADERS_FILE, static_headers
from provenance.state.home import atomic_write

__all__ = ["APP_SCRIPT", "STATIC_FILES", "PageSettings", "render_site", "write_site"]

STATIC_FILES = ("gallery.css", "app.js", "favicon.svg")
APP_SCRIPT = "static/app.js"


@dataclass(frozen=True)
class PageSettings:
    """Where the pages' script reads the chain: ``/rpc`` (the gallery's proxy) or a node URL."""

    rpc_url: str = "/rpc"
    # The node a wallet is asked to add when it lacks the chain (wallet_addEthereumChain): the
    # devnet's anvil; empty for a public chain, which wallets know.
    wallet_rpc_url: str = ""


def _origin(url: str, what: str) -> str:
    if not url or url.startswith("/"):
        return ""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise InputError(f"{what} must be an http(s) URL, got {url!r}")
    return f"{parts.scheme}://{parts.netloc}"


def _wei(wei: int) -> str:
    from provenance.chain.units import format_wei

    return format_wei(wei)


def _gateway_origin(gateway: str) -> str:
    return _origin(gateway, "--gateway")


def _page(
    title: str,
    body: str,
    *,
    root: str,
    gateway: str,
    description: str,
    data: GalleryData,
    settings: PageSettings,
    live: bool = False,
) -> str:
    from provenance.gallery.live import LIVE_SCRIPT_SRC

    connect = " ".join(
        o for o in (_gateway_origin(gateway), _origin(settings.rpc_url, "--rpc-url")) if o
    )
    # Images and animations are shown from blob: URLs of the bytes the script hashed, never
    # fetched a second time by an <img> a gateway could answer differently.
    # WebAssembly (the live portrait's onnxruntime-web) only on the pages that run it.
    scripts = LIVE_SCRIPT_SRC if live else "'self'"
    csp = (
        f"default-src 'none'; script-src {scripts}; style-src 'self';"
        " img-src 'self' blob:;"
        f" media-src blob:; connect-src 'self'{' ' + connect if connect else ''}; base-uri 'none';"
        " form-action 'none'; object-src 'none'"
    )
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="{escape(csp)}">
<meta name="description" content="{escape(description)}">
<meta name="provenance-gateway" content="{escape(gateway.rstrip("/"))}">
<meta name="provenance-rpc" content="{escape(settings.rpc_url)}">
<meta name="provenance-wallet-rpc" content="{escape(settings.wallet_rpc_url)}">
<meta name="provenance-chain-id" content="{data.chain_id}">
<meta name="provenance-contract" content="{escape(data.contract)}">
<title>{escape(title)}</title>
<link rel="stylesheet" href="{root}static/gallery.css">
<link rel="icon" href="{root}static/favicon.svg" type="image/svg+xml">
<script src="{root}{APP_SCRIPT}" defer></script>
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
{body}
</body>
</html>
"""


def _footer(data: GalleryData) -> str:
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(data.generated_at))
    return f"""<footer class="site">
<p>Collection contract {short_address(data.contract, label="contract address")} on
{escape(chain_label(data.chain_id))}.</p><p>Read from the chain at block {data.block} ({when}).
Each badge re-checks the content in your browser: the metadata and image bytes are fetched from
IPFS and their SHA-256 compared with the digests your browser reads from the chain itself; an
image is shown only once its bytes match.</p></footer>"""


def _badge(payload: dict[str, Any], *, what: str) -> str:
    return (
        f'<div class="badge" data-state="pending" data-verify="{escape(json.dumps(payload))}"'
        f' role="status" aria-live="polite"><span class="badge-icon" aria-hidden="true">…'
        f'</span> <span class="badge-text">Checking {escape(what)}…</span>'
        ' <button type="button" class="recheck" hidden>Check again</button>'
        '<details class="badge-details" hidden><summary>Details</summary><ul></ul></details>'
        "</div>"
    )


def _alt(title: str, work_like: Work | OfferEntry) -> str:
    generator = work_like.generator
    if generator and "seed" in generator:
        return f"{title}: a GAN-generated image (seed {generator['seed']})"
    return f"{title}: the artwork image"


def _image(cid: str | None, alt: str, *, size: tuple[Any, Any] = (None, None)) -> str:
    """A slot the script fills with the image once its bytes hash to the recorded digest."""
    if cid is None:
        return (
            '<div class="missing" role="img" aria-label="image unavailable">image unavailable</div>'
        )
    dims = "".join(
        f' data-{k}="{escape(str(v))}"'
        for k, v in zip(("width", "height"), size, strict=True)
        if isinstance(v, int) and not isinstance(v, bool) and 0 < v < 100_000
    )
    return (
        f'<div class="artwork-slot" data-alt="{escape(alt)}"{dims}>'
        "<span>The image appears once your browser has checked it.</span></div>"
    )


def _card(work: Work, gateway: str) -> str:
    living = (
        f'<div class="animation-slot card-animation" aria-label="{escape(work.title)}: animation">'
        "</div>"
        if has_animation(work)
        else ""
    )
    return f"""<li class="card" data-token="{work.token_id}">
<article aria-labelledby="work-{work.hex_id}-title">
<a class="card-image" href="work/{work.hex_id}.html" tabindex="-1" aria-hidden="true">
{living}{_image(work.image_cid, "", size=(work.width, work.height))}</a>
<h2 id="work-{work.hex_id}-title"><a href="work/{work.hex_id}.html">{escape(work.title)}</a></h2>
{summary(work.description)}
<p class="owner">{provenance_line(work)}</p>
{_badge(work.page_data(), what="against the chain")}
</article></li>"""


def _offer_card(offer: OfferEntry, gateway: str) -> str:
    reserved = (
        f'<p class="reserved">Reserved for {short_address(offer.recipient, label="recipient address")}</p>'
        if offer.recipient
        else ""
    )
    return f"""<li class="card offer" data-offer="{escape(offer.id)}">
<article aria-labelledby="offer-{escape(offer.id)}-title">
<a class="card-image" href="offer/{escape(offer.id)}.html" tabindex="-1" aria-hidden="true">
{_image(offer.image_cid, "")}</a>
<h2 id="offer-{escape(offer.id)}-title"><a href="offer/{escape(offer.id)}.html">{escape(offer.name)}</a></h2>
<p>Available for a donation of at least <strong>{_wei(offer.min_donation_wei)}</strong>.</p>
{reserved}
{_badge(offer.page_data(), what="against the artist's signature")}
</article></li>"""


def _works(count: int) -> str:
    return f"{count} work" + ("" if count == 1 else "s")


def render_index(data: GalleryData, gateway: str, settings: PageSettings) -> str:
    works = (
        "\n".join(_card(w, gateway) for w in data.works)
        or '<li class="empty">No works minted yet.</li>'
    )
    offers = ""
    if data.offers:
        offers = f"""<section aria-labelledby="offers-title">
<h1 id="offers-title">Open for donation</h1>
<ul class="grid" role="list">{"".join(_offer_card(o, gateway) for o in data.offers)}</ul>
</section>"""
    body = f"""{site_header(data, "", full=True)}
<main id="main">
{offers}
<section aria-labelledby="works-title">
<h1 id="works-title">The works <span class="count">({_works(len(data.works))})</span></h1>
<ul class="grid" role="list">{works}</ul>
</section>
</main>
{_footer(data)}"""
    return _page(
        data.name,
        body,
        root="",
        gateway=gateway,
        description=f"{data.name}: {_works(len(data.works))}, each verifiable",
        data=data,
        settings=settings,
    )


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
<p class="message-status" role="status" aria-live="polite"></p>
<blockquote data-testid="message-text" class="message-text" hidden></blockquote>
</section>"""


def render_work(data: GalleryData, work: Work, gateway: str, settings: PageSettings) -> str:
    from provenance.gallery.live import live_portrait_for

    live = live_portrait_for(work.generator, title=work.title, root="../")
    owner = short_address(work.owner, label="owner address")
    donation = _wei(work.donation_wei) if work.donation_wei is not None else "minted directly"
    attributes = "".join(
        f"<div><dt>{escape(str(a.get('trait_type')))}</dt><dd>{escape(str(a.get('value')))}</dd></div>"
        for a in work.attributes
    )
    problem = f'<p class="problem">{escape(work.problem)}</p>' if work.problem else ""
    body = f"""{site_header(data, "../")}
<main id="main" class="detail">
<nav aria-label="Breadcrumb"><a href="../index.html">All works</a></nav>
<article aria-labelledby="title">
<h1 id="title">{escape(work.title)}</h1>
{f'<p class="lede">{escape(work.description)}</p>' if work.description else ""}
<p class="owner">{provenance_line(work)}</p>
{problem}
{_badge(work.page_data(), what="against Ethereum")}
<div class="living">
{animation_figure(work)}
{live}
<figure class="artwork">{_image(work.image_cid, _alt(work.title, work), size=(work.width, work.height))}
<figcaption>The minted still: {escape(_alt(work.title, work))}. It is the record.</figcaption></figure>
</div>
{_message_section(work)}
<h2>Provenance</h2>
<dl class="facts">
<div><dt>Token</dt><dd><code>{work.hex_id}</code></dd></div>
<div><dt>Owner</dt><dd>{owner}</dd></div>
<div><dt>Donation</dt><dd>{donation}</dd></div>
<div><dt>Sealed message</dt><dd>{"yes, readable only by the donor" if work.sealed_message else "none"}</dd></div>
<div><dt>Token URI</dt><dd><code>{escape(work.token_uri)}</code></dd></div>
<div><dt>Metadata sha256 (on chain)</dt><dd><code>{work.metadata_sha256}</code></dd></div>
<div><dt>Image sha256 (on chain)</dt><dd><code>{work.image_sha256}</code></dd></div>
<div><dt>Minted</dt><dd>block {work.minted_block}, tx <code>{escape(str(work.minted_tx))}</code></dd></div>
{attributes}
</dl>
<h2>Generation record</h2>
{_generator(work.generator)}
<p>Check it yourself: <code>provenance verify {work.short_id}</code>, or with the image file:
<code>provenance verify image.png</code></p>
</article>
</main>
{_footer(data)}"""
    return _page(
        f"{work.title} · {data.name}",
        body,
        root="../",
        gateway=gateway,
        description=f"{work.title}, token {work.short_id} of {data.name}",
        data=data,
        settings=settings,
        live=bool(live),
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
<figure class="artwork">{_image(offer.image_cid, _alt(offer.name, offer))}
<figcaption>{escape(offer.description) or escape(_alt(offer.name, offer))}</figcaption></figure>
{_badge(offer.page_data(), what="against the artist's signed digests")}
<h2>The offer</h2>
<dl class="facts">
<div><dt>Minimum donation</dt><dd>{_wei(offer.min_donation_wei)}</dd></div>
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
{_footer(data)}"""
    return _page(
        f"{offer.name} · open for donation",
        body,
        root="../",
        gateway=gateway,
        description=f"{offer.name}: open for donation",
        data=data,
        settings=settings,
    )


def render_site(
    data: GalleryData, gateway: str, *, settings: PageSettings | None = None
) -> dict[str, bytes]:
    """Every file of the site, by relative path."""
    settings = settings or PageSettings()
    _gateway_origin(gateway)
    _origin(settings.rpc_url, "--rpc-url")
    out: dict[str, bytes] = {"index.html": render_index(data, gateway, settings).encode()}
    for work in data.works:
        out[f"work/{work.hex_id}.html"] = render_work(data, work, gateway, settings).encode()
    for offer in data.offers:
        out[f"offer/{offer.id}.html"] = render_offer(data, offer, gateway, settings).encode()
        out[f"offer/{offer.id}.json"] = offer.offer_json
    static = files("provenance.gallery") / "static"
    for name in STATIC_FILES:
        out[f"static/{name}"] = (static / name).read_bytes()
    if any(b"data-live-portrait" in out[f"work/{w.hex_id}.html"] for w in data.works):
        from provenance.gallery.live import live_static_files

        out.update(live_static_files())
    if data.cover is not None:
        out[data.cover[0]] = data.cover[1]
    return out


#: In every folder ``gallery build`` writes: the files it wrote there, so that a later build
#: removes exactly those it no longer writes and never anything it did not write.
MANIFEST = ".provenance-gallery.json"


def write_site(
    data: GalleryData, out_dir: Path, *, gateway: str, settings: PageSettings | None = None
) -> list[Path]:
    """Write the site into ``out_dir`` (created). A folder that is neither empty nor an earlier
    build (no manifest) is refused; from an earlier build, only the files it wrote and this one
    does not are removed."""
    if out_dir.exists() and not out_dir.is_dir():
        raise InputError(f"{out_dir} exists and is not a folder")
    rendered = render_site(data, gateway, settings=settings)
    rendered[STATIC_HEADERS_FILE] = static_headers()  # what a <meta> policy cannot say
    earlier = _earlier_build(out_dir)
    manifest = out_dir / MANIFEST
    # Listed before a file is written: a build interrupted anywhere leaves every file it wrote
    # named in the manifest, so the next build can still remove it.
    _write_manifest(manifest, sorted(earlier | set(rendered)))
    written = []
    for rel, content in rendered.items():
        path = out_dir / rel
        atomic_write(path, content)
        written.append(path)
    for rel in sorted(earlier - set(rendered)):
        stale = out_dir / rel
        if stale.is_file() and not stale.is_symlink():
            stale.unlink()
        _remove_empty_parents(stale.parent, out_dir)
    _write_manifest(manifest, sorted(rendered))
    return written


def _write_manifest(path: Path, files: list[str]) -> None:
    document = {"format": "provenance-gallery", "version": 1, "files": files}
    atomic_write(path, (json.dumps(document, indent=1) + "\n").encode())


def _earlier_build(out_dir: Path) -> set[str]:
    """The files an earlier build wrote into ``out_dir`` (empty for a new or empty folder)."""
    from provenance.untrusted import load_json

    if not out_dir.exists() or not any(out_dir.iterdir()):
        return set()
    manifest = out_dir / MANIFEST
    if not manifest.is_file():
        raise InputError(
            f"{out_dir} is not empty and holds no gallery build (no {MANIFEST}): give a new or"
            " empty folder, so that no file the gallery did not write is replaced or removed"
        )
    document = load_json(
        manifest.read_bytes(),
        max_bytes=16 << 20,
        max_depth=4,
        what=str(manifest),
        error=InputError,
    )
    files = document.get("files") if isinstance(document, dict) else None
    if not isinstance(files, list) or not all(_is_own_path(f) for f in files):
        raise InputError(f"{manifest} is damaged: remove the folder's gallery files by hand")
    return set(files)


def _is_own_path(value: object) -> bool:
    """A relative path inside the output folder, as ``render_site`` names its files."""
    if not isinstance(value, str) or not value or value.startswith("/") or "\\" in value:
        return False
    parts = value.split("/")
    return all(part not in ("", ".", "..") for part in parts) and value != MANIFEST


def _remove_empty_parents(folder: Path, root: Path) -> None:
    while folder != root and root in folder.parents:
        try:
            folder.rmdir()  # only when empty: a file someone else put there keeps its folder
        except OSError:
            return
        folder = folder.parent
