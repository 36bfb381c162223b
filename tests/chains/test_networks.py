"""Chains by name: one table in Python, the same names in the pages' script."""

from __future__ import annotations

import json
import subprocess

from provenance.chain.network import (
    KNOWN_NETWORKS,
    chain_label,
    chain_name,
    default_confirmations,
)

from ..conftest import ROOT

ESBUILD = ROOT / "node_modules/.bin/esbuild"
CHAINS_JS = ROOT / "provenance/gallery/js/chains.js"


def test_known_chains_by_name_any_other_by_number() -> None:
    expected = {
        1: "Ethereum",
        11155111: "Sepolia",
        17000: "Holesky",
        8453: "Base",
        10: "Optimism",
        42161: "Arbitrum One",
        137: "Polygon",
        31337: "devnet",
    }
    assert {chain_id: chain_name(chain_id) for chain_id in expected} == expected
    assert chain_label(11155111) == "Sepolia (chain 11155111)"
    assert chain_name(1337) == chain_label(1337) == "chain 1337"
    # Public networks wait for confirmations; an unknown (often local, mine-on-demand) chain and
    # the devnet take the receipt.
    assert default_confirmations(1) > 1 and default_confirmations(11155111) > 1
    assert default_confirmations(31337) == default_confirmations(1337) == 1


def test_the_pages_name_chains_from_the_same_table() -> None:
    shipped = json.loads((ROOT / "provenance/gallery/js/chains.json").read_text())
    assert shipped == {str(k): v.name for k, v in KNOWN_NETWORKS.items()}, (
        "chains.json is stale: run scripts/build-gallery-js"
    )
    # chainName/chainLabel as the browser runs them (bundled by the pinned esbuild, run by node).
    ids = [*KNOWN_NETWORKS, 1337, 5]
    entry = (
        f"import {{ chainName, chainLabel }} from {json.dumps(str(CHAINS_JS))}\n"
        f"console.log(JSON.stringify({json.dumps(ids)}.map(id => [chainName(id), chainLabel(BigInt(id))])))\n"
    )
    bundle = subprocess.run(
        [str(ESBUILD), "--bundle", "--format=cjs", "--platform=node", "--log-level=warning"],
        input=entry, capture_output=True, text=True, check=True, cwd=ROOT,
    ).stdout  # fmt: skip
    out = subprocess.run(["node", "-e", bundle], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == [[chain_name(i), chain_label(i)] for i in ids]
