"""The command registry: one line per top-level command, imported lazily by ``provenance.cli``.

Kept in its own file, one entry a line, so that parallel branches adding commands merge cleanly
(``.gitattributes`` marks it ``merge=union``). Keeping the help text here lets
``provenance --help`` list every command without importing any of them.
"""

from __future__ import annotations

# name: ("module:attribute", one-line help)
REGISTRY: dict[str, tuple[str, str]] = {
    "chain": ("provenance.cli.chain:chain", "Run the local devnet: up, down, status."),
    "deploy": (
        "provenance.cli.deploy:deploy",
        "Deploy the collection contract (explicit on any non-devnet chain).",
    ),
    "mint": (
        "provenance.cli.mint:mint",
        "Store an artwork on IPFS and mint it to a donor, with a sealed message.",
    ),
    "verify": (
        "provenance.cli.verify:verify",
        "Check a token end to end; exit 0 only when every check passes.",
    ),
    "decrypt": (
        "provenance.cli.verify:decrypt",
        "Print a token's sealed message with the donor's key.",
    ),
    "tokens": (
        "provenance.cli.tokens:tokens",
        "List and show the collection's tokens (chain events + journal).",
    ),
    "mint-batch": (
        "provenance.cli.batch:mint_batch",
        "Mint one artwork per CSV row, pipelined; re-run to finish.",
    ),
    "ipfs": (
        "provenance.cli.ipfs:ipfs",
        "Content addressing without a daemon: add, cat, export, import, serve, pin, gc.",
    ),
    "seal": (
        "provenance.cli.seal:seal",
        "Seal a message to a donor's wallet key; open it; recover a donor's key.",
    ),
    "donor": (
        "provenance.cli.donor:donor",
        "Donor-side helpers: the consent message a donor signs.",
    ),
    "offer": (
        "provenance.cli.offer:offer",
        "Offer an artwork against a donation (offer.json); cancel or list offers.",
    ),
    "redeem": (
        "provenance.cli.redeem:redeem",
        "Redeem an offer: check it, seal your message to your key, donate, mint.",
    ),
    "donations": (
        "provenance.cli.donations:donations",
        "Donations received, and each payee's shares, due and releases.",
    ),
    "release": (
        "provenance.cli.donations:release",
        "Pay each payee its due share of the donations.",
    ),
    "withdraw": (
        "provenance.cli.donations:withdraw",
        "Removed with contract v2: use `provenance release`.",
    ),
    "roles": (
        "provenance.cli.roles:roles",
        "Who may mint: list, grant and revoke the minter role (admin).",
    ),
    "gallery": (
        "provenance.cli.gallery:gallery",
        "The exhibition: serve a verifying web gallery, or build it as a static site.",
    ),
    "identity": (
        "provenance.cli.identity:identity",
        "The artist's Content Credentials identity: init, import, show.",
    ),
    "collection": (
        "provenance.cli.collection:collection",
        "The exhibition's name, statement and cover: set the ERC-7572 contractURI.",
    ),
    "publish": (
        "provenance.cli.publish:publish",
        "Push every block the collection needs to Kubo and/or a pinning service.",
    ),
    "gan": (
        "provenance.cli.gan:gan",
        "Train the GAN, generate, animate, evaluate, benchmark (JAX/Flax).",
    ),
}

COMMANDS = {name: target for name, (target, _help) in REGISTRY.items()}
SHORT_HELP = {name: text for name, (_target, text) in REGISTRY.items()}
