"""Every gallery page's shell: its Content-Security-Policy, the settings its scripts read (meta
tags), the footer, and the slots the scripts fill (badge, image).

A Content-Security-Policy limits every page to its own scripts, its own origin, the one gateway and
the one RPC endpoint it names. Every value taken from a token or its metadata is escaped.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from html import escape
from typing import Any
from urllib.parse import urlsplit

from provenance.chain.network import chain_label
from provenance.errors import InputError
from provenance.gallery.data import GalleryData, OfferEntry, Work
from provenance.gallery.fragments import short_address

__all__ = [
    "APP_SCRIPT",
    "PageSettings",
    "alt_text",
    "badge",
    "check_settings",
    "footer",
    "image_slot",
    "page",
]

APP_SCRIPT = "static/app.js"


@dataclass(frozen=True)
class PageSettings:
    """Where the pages' script reads the chain (``/rpc``, the gallery's proxy, or a node URL) and
    the gallery's public address (QR codes, wallet-app links, copied links; "" = the address the
    page was opened at)."""

    rpc_url: str = "/rpc"
    # The node a wallet is asked to add when it lacks the chain (wallet_addEthereumChain): the
    # devnet's anvil; empty for a public chain, which wallets know.
    wallet_rpc_url: str = ""
    public_url: str = ""
    # The artist's Content Credentials trust anchors (PEM), published in provenance.json.
    trust_anchors: tuple[str, ...] = ()


def _origin(url: str, what: str) -> str:
    if not url or url.startswith("/"):
        return ""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise InputError(f"{what} must be an http(s) URL, got {url!r}")
    return f"{parts.scheme}://{parts.netloc}"


def check_settings(gateway: str, settings: PageSettings) -> None:
    """Refuse a gateway or RPC URL a page could not name in its policy (``InputError``)."""
    _origin(gateway, "--gateway")
    _origin(settings.rpc_url, "--rpc-url")


def page(
    title: str,
    body: str,
    *,
    root: str,
    path: str,
    gateway: str,
    description: str,
    data: GalleryData,
    settings: PageSettings,
    scripts: tuple[str, ...] = (APP_SCRIPT,),
    wasm: bool = False,
    body_class: str = "",
) -> str:
    """A whole page. ``path``: the page's own path from the site root (its public address is
    ``public_url + path``); ``scripts``: the bundles it loads (ES modules from static/);
    ``wasm``: it runs the generator (WebAssembly)."""
    from provenance.gallery.live import LIVE_SCRIPT_SRC

    connect = " ".join(
        o for o in (_origin(gateway, "--gateway"), _origin(settings.rpc_url, "--rpc-url")) if o
    )
    # Images and animations are shown from blob: URLs of the bytes the script hashed, never
    # fetched a second time by an <img> a gateway could answer differently.
    # WebAssembly (the live portrait's onnxruntime-web) only on the pages that run it.
    script_src = LIVE_SCRIPT_SRC if wasm else "'self'"
    csp = (
        f"default-src 'none'; script-src {script_src}; style-src 'self';"
        " img-src 'self' blob:;"
        f" media-src blob:; connect-src 'self'{' ' + connect if connect else ''}; base-uri 'none';"
        " form-action 'none'; object-src 'none'"
    )
    tags = "\n".join(
        f'<script type="module" src="{root}{escape(src)}"></script>' for src in scripts
    )
    rendering = data.info.rendering if data.info is not None else "pixelated"
    classes = " ".join(c for c in (f"rendering-{rendering}", body_class) if c)
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
<meta name="provenance-from-block" content="{data.from_block}">
<meta name="provenance-public-url" content="{escape(settings.public_url)}">
<meta name="provenance-page" content="{escape(path)}">
<title>{escape(title)}</title>
<link rel="stylesheet" href="{root}static/gallery.css">
<link rel="icon" href="{root}static/favicon.svg" type="image/svg+xml">
{tags}
</head>
<body class="{escape(classes)}">
<a class="skip" href="#main">Skip to content</a>
{body}
</body>
</html>
"""


def footer(data: GalleryData, root: str = "") -> str:
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(data.generated_at))
    return f"""<footer class="site">
<p><a href="{root}screen/">The screen</a>: the exhibition for a wall.
<a href="{root}key/">Your sealing key</a>: for a message from the artist that only your wallet
opens.</p>
<p>Collection contract {short_address(data.contract, label="contract address")} on
{escape(chain_label(data.chain_id))}.</p><p>Read from the chain at block {data.block} ({when}).
Each badge re-checks the content in your browser: the metadata and image bytes are fetched from
IPFS and their SHA-256 compared with the digests your browser reads from the chain itself; an
image is shown only once its bytes match.</p></footer>"""


def badge(payload: dict[str, Any], *, what: str, lazy: bool = False) -> str:
    """A verification badge. ``lazy``: an index card's, checked once it is on screen or near it,
    with the other cards there (js/cards.js); until then it says it waits, without a verdict."""
    text = (
        f"Not checked yet: your browser checks it {escape(what)} when it is on screen"
        if lazy
        else f"Checking {escape(what)}…"
    )
    return (
        f'<div class="badge" data-testid="badge" data-state="pending"'
        f' data-verify="{escape(json.dumps(payload))}"{" data-lazy" if lazy else ""}'
        f' role="status" aria-live="polite"><span class="badge-icon" aria-hidden="true">…'
        f'</span> <span class="badge-text">{text}</span>'
        ' <button type="button" class="recheck" hidden>Check again</button>'
        '<details class="badge-details" hidden><summary>Details</summary><ul></ul></details>'
        "</div>"
    )


def alt_text(title: str, work_like: Work | OfferEntry) -> str:
    generator = work_like.generator
    if generator and "seed" in generator:
        return f"{title}: a GAN-generated image (seed {generator['seed']})"
    return f"{title}: the artwork image"


def image_slot(cid: str | None, alt: str, *, size: tuple[Any, Any] = (None, None)) -> str:
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
