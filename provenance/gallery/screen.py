"""The screen: ``<gallery>/screen/``, a page made for a wall. No page chrome, an ever-changing
portrait filling the screen (16:9 or 9:16), and every ``dwell`` seconds (``?dwell=SECONDS``) one
work settled on, with its title, its owner or "open for donation", its verified state and a QR code
to its page at the gallery's public address.

The page carries the works' public facts (what the index shows) and each work's page address at
the public URL; ``static/screen.js`` draws the QR code of the work on show when it comes up
(``js/qr.js``; codes drawn ahead on the server took 5.5 ms and 2.8 KB a work, 55 s and 28 MB at
10,000 works), verifies each work in the browser as a badge does, walks the collection's
generator from work to work (falling back to the works' animations, then their stills), and keeps
showing the last verified works through an RPC or gateway outage. Without a public address there is no QR code, and the screen says how to give one.
"""

from __future__ import annotations

import json
from html import escape
from typing import Any

from provenance.gallery.data import GalleryData, OfferEntry, Work
from provenance.gallery.fragments import has_animation, on_chain
from provenance.gallery.layout import PageSettings, page

__all__ = ["render_screen", "screen_entries"]


def _live_record(generator: dict[str, Any] | None) -> dict[str, Any] | None:
    """What the screen's generator needs from a generation record: the ONNX export and the seed."""
    if not generator:
        return None
    onnx, seed = generator.get("onnx"), generator.get("seed")
    if not isinstance(onnx, dict) or not isinstance(seed, int) or isinstance(seed, bool):
        return None
    truncation = generator.get("truncation")
    return {
        "cid": str(onnx.get("cid", "")),
        "sha256": str(onnx.get("sha256", "")),
        "seed": str(seed),
        "truncation": truncation if isinstance(truncation, (int, float)) else None,
    }


def screen_entries(data: GalleryData, public_url: str) -> list[dict[str, Any]]:
    """The works on show (open offers first, then the minted works, newest first), as the screen's
    script reads them; ``url``: the work's page at the public address ("" without one)."""
    entries: list[dict[str, Any]] = []
    live_ok = _runtime_installed()

    def url(path: str) -> str:
        return public_url + path if public_url else ""

    for offer in data.offers:
        entries.append(_offer_entry(offer, url(f"offer/{offer.id}.html"), live_ok))
    for work in data.works:
        if work.owner is None or work.problem:
            continue  # burned, or its metadata cannot be read: nothing to show on a wall
        entries.append(_work_entry(work, url(f"work/{work.hex_id}.html"), live_ok))
    return entries


def _runtime_installed() -> bool:
    from provenance.gallery.live import ort_dist_dir

    return ort_dist_dir() is not None


def _work_entry(work: Work, url: str, live_ok: bool) -> dict[str, Any]:
    return {
        "key": work.hex_id,
        "kind": "work",
        "title": work.title,
        "owner": work.owner,
        "url": url,
        "verify": work.page_data(),
        "live": _live_record(work.generator) if live_ok else None,
        "animation": has_animation(work),
    }


def _offer_entry(offer: OfferEntry, url: str, live_ok: bool) -> dict[str, Any]:
    return {
        "key": offer.id,
        "kind": "offer",
        "title": offer.name,
        "owner": None,
        "url": url,
        "verify": offer.page_data(),
        "live": _live_record(offer.generator) if live_ok else None,
        "animation": False,
    }


def render_screen(data: GalleryData, gateway: str, settings: PageSettings) -> str:
    public_url = settings.public_url or (data.info.gallery_url if data.info else None) or ""
    entries = screen_entries(data, public_url)
    artist = data.info.artist if data.info is not None and data.info.artist else ""
    no_url = (
        ""
        if public_url
        else '<p class="screen-hint">No public address: give one with <code>gallery build'
        " --public-url URL</code> (or <code>collection set --public-url</code>) and a QR code"
        " appears here.</p>"
    )
    body = f"""<main id="main" class="screen" data-screen
 data-works="{escape(json.dumps(entries))}" data-chain-name="{on_chain(data.chain_id)}">
<div class="screen-art">
<canvas data-testid="screen-canvas" class="screen-canvas" width="64" height="64" role="img"
 aria-label="An ever-changing portrait: the collection's generator, walking from work to work"></canvas>
</div>
<aside class="screen-plate" aria-live="polite">
<p class="screen-collection">{escape(data.name)}{f' · <span class="screen-artist">{escape(artist)}</span>' if artist else ""}</p>
<h1 data-testid="screen-title" class="screen-title">{escape(entries[0]["title"]) if entries else "No works yet"}</h1>
<p class="screen-owner"></p>
<p class="screen-verified" data-state="pending">Checking…</p>
<p class="screen-living">Painted live on this screen by the collection's generator, walking from
work to work.</p>
<div data-testid="screen-qr" class="screen-qr" data-url=""></div>
<p class="screen-scan" hidden>Scan to see this work, and to donate</p>
{no_url}
<p class="screen-status" role="status"></p>
</aside>
</main>"""
    return page(
        f"{data.name} · screen",
        body,
        root="../",
        path="screen/",
        gateway=gateway,
        description=f"{data.name}: the exhibition's screen",
        data=data,
        settings=settings,
        scripts=("static/screen.js",),
        wasm=any(e["live"] for e in entries),  # WebAssembly only when a generator will run
        body_class="screen-page",
    )
