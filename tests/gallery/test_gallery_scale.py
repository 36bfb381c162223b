"""The gallery of many works (issue 22, goal 3), in a real Chromium against a real anvil: 300 real
tokens (tests/gallery/fastmint.py), an index in pages, badges checked only on screen with the
chain read once for the screenful, honest states when that read fails, a tampered image on screen
still red, and pages that work without JavaScript."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from provenance.gallery import make_gallery_server
from provenance.gallery.index_pages import PAGE_SIZE
from provenance.gallery.server import GalleryServer
from provenance.ipfs import Blockstore
from provenance.workflows.session import open_session

from ..capped_rpc import capped_rpc
from ..conftest import ROOT
from ..helpers import serve_in_thread
from ..workflows.conftest import invoke
from .fastmint import Minted, mint_many
from .test_gallery import ARTIFACTS, _LyingGateway, pytestmark

__all__ = ["pytestmark"]

SCRIPT = ROOT / "tests/js/gallery_scale.mjs"
WORKS = 300


@pytest.fixture(scope="module")
def minted(home: Path) -> list[Minted]:
    return mint_many(open_session(), WORKS)


@pytest.fixture(scope="module")
def served(minted: list[Minted]) -> Iterator[GalleryServer]:
    server = make_gallery_server(open_session(read_only=True), port=0)
    serve_in_thread(server)
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def url_of(server: ThreadingHTTPServer) -> str:
    return f"http://127.0.0.1:{server.server_address[1]}"


@contextmanager
def static_site(
    home: Path, tmp_path: Path, *, lie_about: str = ""
) -> Iterator[tuple[Path, str, str]]:
    """(a folder for a static build, a gateway over the home's blockstore, a web server for the
    folder), served while the block runs; the gateway changes a byte of ``lie_about``'s bytes."""
    store = Blockstore.open(home / "ipfs" / "blocks")
    gateway = ThreadingHTTPServer(
        ("127.0.0.1", 0), type("Gateway", (_LyingGateway,), {"store": store, "target": lie_about})
    )
    site = tmp_path / "site"
    web = ThreadingHTTPServer(
        ("127.0.0.1", 0),
        partial(type("Quiet", (SimpleHTTPRequestHandler,), {"log_message": lambda *a: None}),
                directory=str(site)),
    )  # fmt: skip
    for server in (gateway, web):
        serve_in_thread(server)
    try:
        yield site, url_of(gateway), url_of(web)
    finally:
        for server in (gateway, web):
            server.shutdown()
            server.server_close()


def scale(url: str, mode: str, tmp_path: Path, *, name: str = "", rpc: str = "") -> dict[str, Any]:
    ARTIFACTS.mkdir(exist_ok=True)
    shot = str(ARTIFACTS / f"{name}.png") if name else ""
    result = subprocess.run(
        ["node", str(SCRIPT), url, str(tmp_path / f"profile-{mode}"), mode, shot, rpc],
        capture_output=True,
        text=True,
        timeout=180,
        cwd=ROOT,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    report: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["errors"] == []
    return report


def test_first_screen_checked_with_one_chain_read_the_rest_when_scrolled_to(
    served: GalleryServer, minted: list[Minted], tmp_path: Path
) -> None:
    report = scale(url_of(served) + "/", "screen", tmp_path, name="gallery-scale-first-screen")
    on, below = report["onScreen"], report["below"]
    assert on and all(b["state"] == "authentic" and b["image"] for b in on), on
    assert on[0]["token"] == str(minted[-1].token_id)  # newest first
    # The first screenful: the chain read once (one JSON-RPC batch), one gateway request a card
    # (its image, hashed against the token id), each shown from its checked bytes (a blob URL).
    requests = report["requests"]
    assert requests["rpc"] == 1 and requests["gateway"] == len(on), requests
    assert (requests["rpc"] + requests["gateway"]) / len(on) <= 2
    assert report["firstScreenMs"] < 15_000  # the figure itself: scripts/bench_gallery_scale.py
    # Cards far below the screen were not checked at all...
    assert below and all(b["state"] == "pending" and not b["image"] for b in below), below
    assert all(b["text"].startswith("Not checked yet") for b in below)
    # ... until scrolled to: then every card of the page is, a batch per screenful.
    cards = report["all"]
    assert len(cards) == PAGE_SIZE and all(b["state"] == "authentic" for b in cards)
    total = report["totalRequests"]
    assert total["gateway"] == PAGE_SIZE and 1 < total["rpc"] <= PAGE_SIZE // 4, total


def test_a_failed_chain_read_is_unknown_and_check_again_recovers(
    served: GalleryServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    forward = served.rpc._forward
    calls: list[Any] = []

    def node_down_once(payload: Any) -> Any:
        calls.append(payload)
        return None if len(calls) == 1 else forward(payload)  # the first batch: no answer

    monkeypatch.setattr(served.rpc, "_forward", node_down_once, raising=False)
    report = scale(url_of(served) + "/", "retry", tmp_path, name="gallery-scale-batch-failed")
    on = report["onScreen"]
    assert on and all(b["state"] == "unknown" and not b["image"] for b in on), on
    assert all(b["text"].startswith("Could not check right now") for b in on)
    assert "the gallery's node did not answer" in on[0]["text"]
    assert isinstance(calls[0], list)  # the screenful's reads were one batch
    assert all(b["state"] == "authentic" and b["image"] for b in report["afterRetry"])


def test_pages_and_links_work_without_javascript(
    served: GalleryServer, minted: list[Minted], tmp_path: Path
) -> None:
    report = scale(url_of(served) + "/", "nojs", tmp_path)
    pages = -(-WORKS // PAGE_SIZE)
    assert report["cards"] == PAGE_SIZE and report["first"] == f"Work {WORKS - 1}"
    assert report["pages"] == ["1", "2", "3", "…", str(pages), "Older"], report["pages"]
    assert report["secondUrl"].endswith("/page/2.html") and report["current"] == "2"
    assert report["secondCards"] == PAGE_SIZE
    assert report["secondFirst"] == f"Work {WORKS - 1 - PAGE_SIZE}"
    assert report["workTitle"] == report["secondFirst"]  # a card's link leads to its work page
    assert report["backUrl"].endswith("/index.html")
    last = invoke("gallery", "build", "-o", str(tmp_path / "site"), "--json")
    assert last.exit_code == 0, last.output
    site = tmp_path / "site"
    assert (site / f"page/{pages}.html").is_file() and not (
        site / f"page/{pages + 1}.html"
    ).exists()
    assert (site / f"page/{pages}.html").read_text().count('<li class="card"') == WORKS % PAGE_SIZE
    # Two page lists, above and below the cards, each a landmark named for what it is.
    second = (site / "page/2.html").read_text()
    assert second.count('<nav class="pager" aria-label="Pages of works">') == 1
    assert second.count('<nav class="pager" aria-label="Pages of works (end of this page)">') == 1


def test_static_build_a_tampered_work_on_screen_is_red(
    minted: list[Minted], home: Path, tmp_path: Path
) -> None:
    tampered = minted[-2]  # the second card of the first page
    with static_site(home, tmp_path, lie_about=tampered.image_cid) as (site, gateway, web):
        built = invoke("gallery", "build", "-o", str(site), "--gateway", gateway)
        assert built.exit_code == 0, built.output
        node = open_session(read_only=True).chain.rpc.url
        report = scale(web + "/index.html", "screen", tmp_path, rpc=node)
    by_token = {b["token"]: b for b in report["onScreen"]}
    red = by_token[str(tampered.token_id)]
    assert red["state"] == "not-authentic" and "image bytes differ" in red["text"], red
    assert not red["image"]
    others = [b for t, b in by_token.items() if t != str(tampered.token_id)]
    assert others and all(b["state"] == "authentic" for b in others)
    assert report["requests"]["rpc"] == 1  # the node itself answers the batch


@pytest.mark.parametrize("mode", ["object", "truncate"])
def test_a_public_node_that_caps_batches_still_checks_the_screenful(
    minted: list[Minted], home: Path, tmp_path: Path, mode: str
) -> None:
    """A static build read through a node that takes at most 10 calls a batch (public nodes cap
    them, each its own way): the page sends the batch again in halves and every card on screen
    is checked; before, the whole screenful stayed "could not check" on such a node."""
    session = open_session(read_only=True)
    node, contract = session.chain.rpc.url, session.contract.address
    with (
        static_site(home, tmp_path) as (site, gateway, web),
        capped_rpc(node, max_batch=10, mode=mode) as capped,
    ):
        built = invoke(
            "gallery", "build", "-o", str(site), "--gateway", gateway,
            "--rpc-url", capped.url, "--chain-id", "31337", "--contract", contract,
        )  # fmt: skip
        assert built.exit_code == 0, built.output
        capped.sizes.clear()  # the build's own reads: not the page's
        report = scale(web + "/index.html", "screen", tmp_path, rpc=capped.url)
    on = report["onScreen"]
    assert on and all(b["state"] == "authentic" for b in on), on
    assert max(capped.sizes) > 10 and sum(size > 10 for size in capped.sizes) <= 2, capped.sizes


def test_a_node_that_caps_log_results_gives_the_same_collection(minted: list[Minted]) -> None:
    """300 mints' events (about 200 a block) through a node that returns at most 250 logs a
    query (public nodes cap them: "query returned more than 10000 results"): the query is asked
    again over halves of its block range and the collection read is the same; before, reading it
    failed."""
    from provenance.chain.chainview import read_chain
    from provenance.chain.rpc import RpcClient

    session = open_session(read_only=True)
    direct = read_chain(session.contract)
    assert len(direct.mints) >= WORKS
    with (
        capped_rpc(session.chain.rpc.url, max_batch=100, max_logs=250) as node,
        RpcClient(node.url) as rpc,
    ):
        session.contract.rpc = rpc
        capped = read_chain(session.contract)
    assert capped == direct
    assert node.log_queries > 3  # the one query was refused and asked again in parts


def test_the_served_site_is_read_again_only_when_the_collection_changes(
    served: GalleryServer, minted: list[Minted], monkeypatch: pytest.MonkeyPatch
) -> None:
    """New blocks without one of the collection's events keep the served site as it was (on a
    public chain a block comes every few seconds; reading 10,000 works again took 3 s); an event
    of the collection, or a block that takes it away, has it read again."""
    import httpx

    from provenance.chain.accounts import dev_accounts
    from provenance.gallery import data

    reads: list[int] = []
    real_collect = data.collect

    def counting_collect(*args: Any, **kwargs: Any) -> Any:
        reads.append(1)
        return real_collect(*args, **kwargs)

    monkeypatch.setattr(data, "collect", counting_collect)
    session = open_session()
    rpc, contract = session.chain.rpc, session.contract
    page = partial(httpx.get, url_of(served) + "/", timeout=60)
    assert page().status_code == 200
    before = len(reads)
    rpc.request("anvil_mine", ["0x20"])  # 32 blocks, none of them the collection's
    assert page().status_code == 200 and page().status_code == 200
    assert len(reads) == before  # nothing read again
    snapshot = rpc.request("evm_snapshot", [])
    owner = dev_accounts(1)[0].address
    data_hex = (
        "0x" + contract.abi.encode_call("setApprovalForAll", dev_accounts(3)[2].address, True).hex()
    )
    rpc.request("eth_sendTransaction", [{"from": owner, "to": contract.address, "data": data_hex}])
    assert page().status_code == 200
    assert len(reads) == before + 1  # the collection's own event: read again
    rpc.request("evm_revert", [snapshot])  # the block with that event taken away
    rpc.request("anvil_mine", ["0x2"])
    assert page().status_code == 200
    assert len(reads) == before + 2
