"""The donor's key page, ``<gallery>/key/``: for a donor who has only a browser wallet and to whom
the artist mints directly. The donor connects their wallet and signs the key message (the
wallet-derived sealing key, docs/sealed-messages.md); the page shows the public half as a short
code (``pvk1...``, seal/walletcode.py) to give the artist, who mints with
``provenance mint --donor-wallet-key CODE``; the donor then reads the message on the token page
with the same wallet. The secret never leaves the page, and is dropped once the code is shown.
"""

from __future__ import annotations

from provenance.gallery.data import GalleryData
from provenance.gallery.fragments import on_chain, site_header, wallet_apps
from provenance.gallery.layout import PageSettings, footer, page

__all__ = ["render_key_page"]


def render_key_page(data: GalleryData, gateway: str, settings: PageSettings) -> str:
    body = f"""{site_header(data, "../")}
<main id="main" class="detail">
<nav aria-label="Breadcrumb"><a href="../index.html">All works</a></nav>
<section class="keypage" data-key-page aria-labelledby="title">
<h1 id="title">Your sealing key, for a message only your wallet can read</h1>
<p class="lede">When the artist gives you a work directly, they can seal a message to you that
only your wallet opens. Connect the wallet you will receive the work with, sign the key message
(it authorizes no transaction and no transfer), and give the artist the code below.</p>
<p>Collection on {on_chain(data.chain_id)}.</p>
<div class="wallet-picker" hidden></div>
{wallet_apps()}
<button type="button" class="key-connect" data-testid="key-connect">Connect and sign the key
message</button>
<p class="key-status" role="status" aria-live="polite"></p>
<div class="key-result" hidden>
<p>Your wallet: <code class="key-account"></code></p>
<p>Give the artist this code (it holds only your public key):</p>
<p><code class="key-code" data-testid="key-code"></code>
<button type="button" class="copy-code">Copy the code</button></p>
<div class="key-qr" role="img" aria-label="The code as a QR code, for the artist to scan" hidden>
</div>
<p class="hint">The artist runs <code>provenance mint ARTWORK --donor YOUR_ADDRESS --message
"..." --donor-wallet-key CODE</code>. Then open the work's page here and choose "Read the
message" with this wallet.</p>
</div>
</section>
</main>
{footer(data, "../")}"""
    return page(
        f"Your sealing key · {data.name}",
        body,
        root="../",
        path="key/",
        gateway=gateway,
        description=f"{data.name}: receive a message only your wallet can read",
        data=data,
        settings=settings,
    )
