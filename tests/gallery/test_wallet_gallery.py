"""A donor with only a browser wallet, for real: Debian's Chromium (playwright-core) on the gallery,
a real anvil with the real contract, and viem in node as the wallet (an EIP-6963 provider exposed
with playwright's exposeBinding, forwarding to anvil). The donor gives with a message, receives the
token, reads the message on the token page; the CLI and eth-sig-util open the same envelope. Every
refusal is one sentence and moves nothing. The badge asks the chain itself and shows only bytes it
hashed. Screenshots go to tests/artifacts/."""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from provenance.chain.accounts import dev_accounts
from provenance.chain.tx import Sender
from provenance.content.offer import load_offer
from provenance.gallery import make_gallery_server
from provenance.ipfs import Blockstore
from provenance.ipfs.server import make_server
from provenance.seal import WALLET_KEY, parse_stored, stored_bytes, wallet_secret_for
from provenance.workflows.session import open_session

from ..conftest import ROOT
from ..helpers import malleated, serve_in_thread
from ..workflows.conftest import invoke, make_artwork

CHROMIUM = Path("/usr/bin/chromium")
DRIVER = ROOT / "tests/js/wallet_browser.mjs"
PEER = ROOT / "tests/js/wallet_peer.mjs"
ARTIFACTS = ROOT / "tests/artifacts"
ARTIST, _, DONOR, OTHER = dev_accounts(4)
MESSAGE = "For the artist: thank you — merci ✨ <b>not markup</b>"
HOSTILE = '<img src=x onerror="window.__markupRan=1"><script>window.__markupRan=2</script>'

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists()
    or shutil.which("node") is None
    or not (ROOT / "node_modules/playwright-core").is_dir()
    or not (ROOT / "node_modules/viem").is_dir(),
    reason="needs /usr/bin/chromium, node and node_modules (scripts/setup)",
)


def ok(*args: str, env: dict[str, str] | None = None) -> Any:
    result = invoke(*args, "--json", env=env)
    assert result.exit_code == 0, (result.stdout, result.stderr)
    return json.loads(result.stdout)


def key_hex(account: Any) -> str:
    return "0x" + bytes(account.key).hex()


def static_server(folder: Path) -> ThreadingHTTPServer:
    handler = type(
        "Site",
        (SimpleHTTPRequestHandler,),
        {
            "log_message": lambda *a: None,
            # A static site has no RPC: a page pointed at it finds its chain reader down.
            "do_POST": lambda self: self.send_error(HTTPStatus.SERVICE_UNAVAILABLE),
            "__init__": lambda self, *a, **k: SimpleHTTPRequestHandler.__init__(
                self, *a, directory=str(folder), **k
            ),
        },
    )
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    serve_in_thread(server)
    return server


def browser(
    steps: list[dict[str, Any]],
    tmp_path: Path,
    *,
    account: Any = DONOR,
    wallets: int = 1,
    behaviour: dict[str, Any] | None = None,
) -> dict[str, Any]:
    collection = open_session()
    scenario = {
        "anvil": collection.chain.rpc.url,
        "privateKey": key_hex(account),
        "wallets": wallets,
        "behaviour": behaviour or {},
        "profile": str(tmp_path / f"profile-{len(list(tmp_path.glob('profile-*')))}"),
        "steps": steps,
    }
    result = subprocess.run(
        ["node", str(DRIVER)],
        input=json.dumps(scenario),
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    report: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    # (A 404 is the browser asking for /favicon.ico.)
    # 404: a probe for an optional file; 503: a page pointed at the static site's missing RPC.
    errors = [e for e in report["errors"] if not re.search(r"status of (404|503)", e)]
    assert errors == [], errors
    return report


def chain_state(accounts: list[Any]) -> dict[str, Any]:
    collection = open_session()
    rpc = collection.chain.rpc
    return {
        "minted": collection.contract.total_minted(),
        "balances": [rpc.get_balance(a.address) for a in accounts],
        "nonces": [
            int(rpc.request("eth_getTransactionCount", [a.address, "latest"]), 16) for a in accounts
        ],
        "contract": rpc.get_balance(collection.contract.address),
    }


def wallet_peer(ops: list[dict[str, Any]]) -> list[Any]:
    result = subprocess.run(
        ["node", str(PEER)],
        input=json.dumps(ops),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return [a.get("ok", {"error": a.get("error")}) for a in json.loads(result.stdout)]


@pytest.fixture(scope="module")
def world(home: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    art = tmp_path_factory.mktemp("art")
    offers = {}
    for name, seed, extra in (
        ("Dusk", 21, []),
        ("Noon", 22, []),
        ("Gift", 23, ["--to", OTHER.address]),
        ("Soon", 24, ["--expires", "1h"]),
        ("Peer", 25, []),
        ("Void", 27, []),
        ("Dawn", 28, []),
    ):
        offers[name] = ok(
            "offer",
            str(make_artwork(art / f"{name}.png", seed=seed, size=64)),
            "--min-donation",
            "0.05ether",
            "-o",
            str(art / f"{name}.offer.json"),
            *extra,
        )
    hostile = ok(
        "mint",
        str(make_artwork(art / "Hostile.png", seed=26, size=64)),
        "--donor",
        DONOR.address,
        "--name",
        HOSTILE,
        "--description",
        HOSTILE,
        "--attribute",
        f"{HOSTILE}={HOSTILE}",
        "--external-url",
        HOSTILE,
    )
    # A static copy of the site, built before anything is redeemed or expires: its pages still
    # offer what the chain will refuse, so the page's own checks are what is tested.
    site = tmp_path_factory.mktemp("site")
    gateway = make_server(Blockstore.open(home / "ipfs" / "blocks"), port=0)
    serve_in_thread(gateway)
    ok(
        "gallery",
        "build",
        "-o",
        str(site),
        "--gateway",
        f"http://127.0.0.1:{gateway.server_address[1]}",
    )
    server = make_gallery_server(open_session(), port=0)
    serve_in_thread(server)
    try:
        yield {
            "art": art,
            "offers": offers,
            "hostile": hostile,
            "site": site,
            "url": f"http://127.0.0.1:{server.server_address[1]}",
        }
    finally:
        for running in (server, gateway):
            running.shutdown()
            running.server_close()


@pytest.fixture(scope="module")
def donated(world: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The donor gives 0.06 ETH with a message from the offer page, then opens the token."""
    tmp = tmp_path_factory.mktemp("donate")
    offer = world["offers"]["Dusk"]
    ARTIFACTS.mkdir(exist_ok=True)
    before = chain_state([DONOR])
    report = browser(
        [
            {"goto": f"{world['url']}/offer/{offer['id']}.html"},
            {"screenshot": str(ARTIFACTS / "donor-offer-1280.png"), "width": 1280},
            {"screenshot": str(ARTIFACTS / "donor-offer-390.png"), "width": 390},
            {"donate": {"amount": "0.06", "message": MESSAGE, "pick": 0}},
        ],
        tmp,
        wallets=2,
    )
    return {"report": report, "before": before, "offer": offer}


def test_donor_gives_with_a_message_and_receives_the_token(
    world: dict[str, Any], donated: dict[str, Any], tmp_path: Path
) -> None:
    page, _, _, picked, status = donated["report"]["results"]
    assert page["badges"][0]["state"] == "authentic", page["badges"]
    assert [i["src"][:5] for i in page["images"]] == ["blob:"] and page["images"][0]["loaded"]
    assert "Minimum donation: 0.05 ETH" in page["text"]
    # Two wallets announced: the donor picked one; a wallet's name is shown as text.
    assert picked["walletOptions"] == ["Test wallet (viem)", "<b>Other</b> wallet 1"]
    assert status["state"] == "ok", status
    assert status["submitDisabled"], "after a donation the form is done"
    assert status["counter"] == f"{len(MESSAGE.encode())} / 1024 bytes"
    token_id = int(status["tokenId"])
    # The full id in hex, on the one page that knows every token (issue 21: a static site built
    # before the token existed has no work page for it).
    assert f"/token.html?id=0x{token_id:064x}&block=" in status["link"]
    # Only EIP-1193 calls reached the wallet, and the key message was signed twice (first time).
    calls = donated["report"]["walletCalls"]
    assert calls.count("personal_sign") == 2 and calls.count("eth_sendTransaction") == 1
    assert set(calls) <= {
        "eth_requestAccounts",
        "eth_chainId",
        "wallet_switchEthereumChain",
        "personal_sign",
        "eth_sendTransaction",
        "eth_getBalance",
        "eth_call",
        "eth_getTransactionReceipt",
    }
    collection = open_session()
    assert collection.contract.owner_of(token_id) == DONOR.address
    after = chain_state([DONOR])
    assert after["minted"] == donated["before"]["minted"] + 1
    assert after["contract"] - donated["before"]["contract"] == 6 * 10**16
    report = ok("donations")
    assert any(
        int(d["token_id"]) == token_id and int(d["amount_wei"]) == 6 * 10**16
        for d in report["donations"]
    ), report


def test_token_page_reads_the_message_and_the_cli_and_eth_sig_util_open_it(
    world: dict[str, Any], donated: dict[str, Any], tmp_path: Path
) -> None:
    token_id = int(donated["report"]["results"][-1]["tokenId"])
    url = f"{world['url']}/work/0x{token_id:064x}.html"
    report = browser(
        [
            {"goto": url},
            {"read": {}},
            {"screenshot": str(ARTIFACTS / "donor-token-1280.png"), "width": 1280},
            {"screenshot": str(ARTIFACTS / "donor-token-390.png"), "width": 390},
        ],
        tmp_path,
    )
    page, read, _, _ = report["results"]
    assert page["badges"][0]["state"] == "authentic"
    assert page["badges"][0]["text"] == (
        "Authentic: this is the image recorded on devnet for this work"  # chain 31337's name
    )
    assert read["message"] == MESSAGE  # as text: the markup in it is shown, not parsed
    # The stored form names the key beside the envelope; the CLI opens it with --wallet-key ...
    collection = open_session()
    event = collection.contract.minted_event(token_id)
    assert event is not None
    sealed = bytes(event.args["sealedMessage"])
    stored = parse_stored(sealed, canonical=True)
    assert stored.key == WALLET_KEY
    envelope_file = tmp_path / "sealed.json"
    envelope_file.write_bytes(sealed)
    env = {"K": key_hex(DONOR)}
    for extra in ([], ["--wallet-key"]):
        result = invoke(
            "seal",
            "decrypt",
            str(envelope_file),
            *extra,
            "--contract",
            collection.contract.address,
            "--chain-id",
            str(collection.chain.chain_id),
            "--private-key-env",
            "K",
            env=env,
        )
        assert (result.exit_code, result.stdout) == (0, MESSAGE + "\n"), result.stderr
    # ... and eth-sig-util's decrypt with privateKey = hex(secret).
    secret = wallet_secret_for(
        DONOR, contract=collection.contract.address, chain_id=collection.chain.chain_id
    )
    assert wallet_peer(
        [{"op": "sigutil-decrypt", "envelope": stored.envelope, "secret": secret.hex()}]
    ) == [MESSAGE]
    # `provenance verify` passes, and `provenance decrypt` picks the key from the stored field.
    assert invoke("verify", str(token_id)).exit_code == 0
    decrypted = invoke("decrypt", str(token_id), "--private-key-env", "K", env=env)
    assert (decrypted.exit_code, decrypted.stdout) == (0, MESSAGE + "\n"), decrypted.stderr
    # Another account cannot open it, on the page or with the CLI; the page never asks it to sign.
    report = browser([{"goto": url}, {"read": {}}], tmp_path, account=OTHER)
    assert report["results"][1]["message"] is None
    assert report["results"][1]["status"] == (
        f"This message was sealed for {DONOR.address}; your wallet is {OTHER.address},"
        " so it was not asked to sign."
    )
    assert "personal_sign" not in report["walletCalls"], report["walletCalls"]
    result = invoke(
        "seal",
        "decrypt",
        str(envelope_file),
        "--contract",
        collection.contract.address,
        "--chain-id",
        str(collection.chain.chain_id),
        "--private-key-env",
        "K",
        env={"K": key_hex(OTHER)},
    )
    assert result.exit_code == 1 and "wrong key or tampered envelope" in result.stderr


def test_an_eth_sig_util_envelope_for_the_derived_key_opens_in_the_browser(
    world: dict[str, Any], tmp_path: Path
) -> None:
    collection = open_session()
    (derived,) = wallet_peer(
        [
            {
                "op": "viem-derive",
                "privateKey": key_hex(DONOR),
                "contract": collection.contract.address,
                "chainId": collection.chain.chain_id,
            }
        ]
    )
    (envelope,) = wallet_peer(
        [{"op": "sigutil-encrypt", "publicKey": derived["publicKey"], "message": "from sig-util"}]
    )
    offer = load_offer(world["art"] / "Peer.offer.json")
    data = collection.contract.abi.encode_call(
        "redeem", offer.voucher.as_tuple(), offer.signature, stored_bytes(envelope)
    )
    sender = Sender(collection.chain.rpc, DONOR, chain_id=collection.chain.chain_id)
    prepared = sender.prepare(
        to=collection.contract.address, data=data, value=offer.voucher.min_donation
    )
    sender.broadcast(prepared)
    receipt = sender.wait(prepared.hash)
    token_id = int(collection.contract.minted_from_receipt(receipt).args["tokenId"])
    page = f"{world['url']}/work/0x{token_id:064x}.html"
    report = browser([{"goto": page}, {"read": {}}], tmp_path)
    assert report["results"][1]["message"] == "from sig-util"


def refusal(report: dict[str, Any], index: int) -> str:
    status = report["results"][index]
    assert status["state"] == "refused" and status["tokenId"] is None, status
    return str(status["text"])


def test_refusals_are_one_sentence_and_move_nothing(
    world: dict[str, Any], donated: dict[str, Any], tmp_path: Path
) -> None:
    offers = world["offers"]
    # A page whose offer names another contract (its own signature still checks out against
    # this collection): the page itself refuses to send the donation there.
    noon = (world["site"] / "offer" / f"{offers['Noon']['id']}.html").read_text()
    contract = open_session().contract.address
    foreign = noon.replace(
        f"&quot;contract&quot;: &quot;{contract}&quot;",
        f"&quot;contract&quot;: &quot;{OTHER.address}&quot;",
    )
    assert foreign != noon
    (world["site"] / "offer" / "foreign.html").write_text(foreign)
    # The artist's own signature over the same voucher, its s flipped to the upper half: it still
    # recovers the artist, but the contract's ECDSA refuses it, so the page must too.
    signature = re.search(r"&quot;signature&quot;: &quot;(0x[0-9a-f]{130})&quot;", noon)
    assert signature is not None
    twin = noon.replace(signature.group(1), malleated(signature.group(1)))
    assert twin != noon
    (world["site"] / "offer" / "twin.html").write_text(twin)
    # The page's chain reader down: the offer cannot be checked, which is no mismatch.
    rpc = re.search(r'<meta name="provenance-rpc" content="([^"]*)"', noon)
    assert rpc is not None, "the page names its RPC endpoint"
    dark = noon.replace(rpc.group(0), '<meta name="provenance-rpc" content="/rpc-down">')
    (world["site"] / "offer" / "dark.html").write_text(dark)
    site = static_server(world["site"])
    base = f"http://127.0.0.1:{site.server_address[1]}"
    page = f"{base}/offer/{offers['Noon']['id']}.html"
    before = chain_state([DONOR, OTHER])
    try:
        report = browser(
            [
                {"goto": page},
                {"behave": {"chainId": 1, "refuseSwitch": True}},
                {"donate": {"amount": "0.05", "message": ""}},
                {"behave": {}},
                {"donate": {"amount": "0.01", "message": ""}},
                {"behave": {"rejectSign": True}},
                {"donate": {"amount": "0.05", "message": "hi"}},
                {"behave": {"rejectTx": True}},
                {"donate": {"amount": "0.05", "message": ""}},
                {"behave": {"nondeterministic": True}},
                {"localStorageClear": True},
                {"donate": {"amount": "0.05", "message": "hi"}},
                {"behave": {}},
                {"donate": {"amount": "20000", "message": ""}},
                {"goto": f"{base}/offer/{offers['Gift']['id']}.html"},
                {"donate": {"amount": "0.05", "message": "hi"}},
                {"goto": f"{base}/offer/{offers['Dusk']['id']}.html"},
                {"donate": {"amount": "0.05", "message": ""}},
                {"goto": f"{base}/offer/foreign.html"},
                {"donate": {"amount": "0.05", "message": ""}},
                {"goto": f"{base}/offer/twin.html"},
                {"donate": {"amount": "0.05", "message": ""}},
                {"goto": f"{base}/offer/dark.html"},
                {"donate": {"amount": "0.05", "message": ""}},
            ],
            tmp_path,
        )
    finally:
        site.shutdown()
        site.server_close()
    assert refusal(report, 2) == (
        "Your wallet is on Ethereum and did not switch to devnet, so nothing was sent."
    )
    assert refusal(report, 4) == (
        "The donation of 0.01 ETH is below the minimum of 0.05 ETH, so nothing was sent."
    )
    assert refusal(report, 6) == "You declined to sign the key message, so nothing was sent."
    assert refusal(report, 8) == "You declined the transaction, so nothing was sent."
    assert refusal(report, 11).startswith("Your wallet signed the key message differently twice")
    assert refusal(report, 13).startswith("Your account holds ")
    assert refusal(report, 13).endswith("less than the donation of 20000 ETH, so nothing was sent.")
    assert refusal(report, 15) == (
        f"This offer is for {OTHER.address}: only they may attach a message, and your wallet is"
        f" {DONOR.address}, so nothing was sent."
    )
    assert refusal(report, 17) == "This offer was already redeemed, so nothing was sent."
    assert refusal(report, 19) == (
        f"This offer is for the contract {OTHER.address}, not this collection ({contract}),"
        " so nothing was sent."
    )
    assert refusal(report, 21) == (
        "The offer's signature is not in the form the contract accepts (its s is in the upper"
        " half of the curve order, a malleated copy), so nothing was sent."
    )
    assert refusal(report, 23) == (
        "The offer could not be checked right now (the chain or the gateway did not answer), so"
        " nothing was sent: try again later."
    )
    for index in (2, 4, 6, 8, 11, 13, 15, 17, 19, 21, 23):
        assert report["results"][index]["text"].count(".") >= 1
    assert chain_state([DONOR, OTHER]) == before


def test_an_expired_offer_is_refused_on_the_page(world: dict[str, Any], tmp_path: Path) -> None:
    collection = open_session()
    collection.chain.rpc.request("evm_increaseTime", [2 * 3600])
    collection.chain.rpc.request("evm_mine", [])
    site = static_server(world["site"])
    before = chain_state([DONOR])
    try:
        report = browser(
            [
                {
                    "goto": f"http://127.0.0.1:{site.server_address[1]}/offer/"
                    f"{world['offers']['Soon']['id']}.html"
                },
                {"donate": {"amount": "0.05", "message": ""}},
            ],
            tmp_path,
        )
    finally:
        site.shutdown()
        site.server_close()
    assert refusal(report, 1) == "This offer has expired, so nothing was sent."
    assert chain_state([DONOR]) == before


def test_a_canceled_offer_is_refused_on_the_page(world: dict[str, Any], tmp_path: Path) -> None:
    """The static site was built while the offer was open; once the artist cancels it, its page
    refuses by name (it asks the chain for the voucher's state) and nothing moves."""
    canceled = ok("offer", "cancel", str(world["art"] / "Void.offer.json"))
    assert canceled["state"] == "canceled"
    site = static_server(world["site"])
    before = chain_state([DONOR])
    try:
        report = browser(
            [
                {
                    "goto": f"http://127.0.0.1:{site.server_address[1]}/offer/"
                    f"{world['offers']['Void']['id']}.html"
                },
                {"donate": {"amount": "0.05", "message": ""}},
            ],
            tmp_path,
        )
    finally:
        site.shutdown()
        site.server_close()
    assert refusal(report, 1) == "The artist canceled this offer, so nothing was sent."
    assert chain_state([DONOR]) == before


class _SwappingGateway(BaseHTTPRequestHandler):
    """Serves an image with a byte changed to its first request and the true bytes after: a page
    that fetched twice (hash one response, show another) would show the changed picture."""

    store: Blockstore
    target: str
    hits: list[str]

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        cid = self.path.split("?")[0].removeprefix("/ipfs/")
        data = self.store.cat(cid)
        if cid == self.target:
            self.hits.append(cid)
            if len(self.hits) == 1:
                data = data[:100] + bytes([data[100] ^ 0x01]) + data[101:]
        self.send_response(HTTPStatus.OK)
        self.send_header("Access-Control-Allow-Origin", "*")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def test_a_gateway_that_answers_differently_gets_a_red_badge_and_no_picture(
    world: dict[str, Any], home: Path, tmp_path: Path
) -> None:
    store = Blockstore.open(home / "ipfs" / "blocks")
    hostile = world["hostile"]
    hits: list[str] = []
    gateway = ThreadingHTTPServer(
        ("127.0.0.1", 0),
        type(
            "Swap",
            (_SwappingGateway,),
            {"store": store, "target": hostile["image_cid"], "hits": hits},
        ),
    )
    serve_in_thread(gateway)
    site_dir = tmp_path / "site"
    ok(
        "gallery",
        "build",
        "-o",
        str(site_dir),
        "--gateway",
        f"http://127.0.0.1:{gateway.server_address[1]}",
    )
    site = static_server(site_dir)
    try:
        report = browser(
            [
                {
                    "goto": f"http://127.0.0.1:{site.server_address[1]}/work/"
                    f"0x{hostile['token_id']:064x}.html"
                }
            ],
            tmp_path,
        )
    finally:
        for server in (site, gateway):
            server.shutdown()
            server.server_close()
    (page,) = report["results"]
    assert page["badges"][0]["state"] == "not-authentic"
    assert page["badges"][0]["text"].startswith("Not authentic: the image bytes differ")
    assert page["images"] == []  # nothing shown: the changed bytes never reach the screen
    assert hits == [hostile["image_cid"]]  # fetched once, no second request to answer


def test_metadata_markup_is_shown_as_text_and_never_runs(
    world: dict[str, Any], tmp_path: Path
) -> None:
    report = browser(
        [{"goto": f"{world['url']}/work/0x{world['hostile']['token_id']:064x}.html"}], tmp_path
    )
    (page,) = report["results"]
    assert page["scripts"] is None  # window.__markupRan was never set
    assert page["text"].count(HOSTILE) >= 3  # title, description, attribute name and value
    assert page["badges"][0]["state"] == "authentic"


def test_served_pages_allow_only_the_gallerys_script_and_the_proxy_only_reads(
    world: dict[str, Any],
) -> None:
    url = world["url"]
    response = httpx.get(url + "/")
    port = url.rsplit(":", 1)[1]
    assert response.headers["content-security-policy"] == (
        f"script-src http://127.0.0.1:{port}/static/app.js; frame-ancestors 'none'"
    )
    assert "script-src 'self'" in html.unescape(response.text)  # and the page's own policy
    rpc = f"{url}/rpc"
    contract = open_session().contract.address

    def call(method: str, params: list[Any]) -> dict[str, Any]:
        answer: dict[str, Any] = httpx.post(
            rpc, json={"jsonrpc": "2.0", "id": 7, "method": method, "params": params}
        ).json()
        return answer

    assert call("eth_chainId", [])["result"] == "0x7a69"
    for method, params in (
        ("eth_sendRawTransaction", ["0x00"]),
        ("eth_sendTransaction", [{}]),
        ("anvil_setBalance", [DONOR.address, "0x1"]),
        ("eth_call", [{"to": DONOR.address, "data": "0x"}, "latest"]),
        ("eth_getLogs", [{"address": contract, "fromBlock": "0x0", "toBlock": "0xffffff"}]),
        ("eth_getLogs", [{"address": contract, "fromBlock": "earliest", "toBlock": "latest"}]),
    ):
        answer = call(method, params)
        assert "result" not in answer and answer["error"]["code"] == -32601, (method, answer)
    assert httpx.post(rpc, content=b"[" + b" " * 70_000 + b"]").status_code == 413
    # A batch (the index's cards read a screenful at once): each request checked alone.
    batch = httpx.post(
        rpc,
        json=[
            {"jsonrpc": "2.0", "id": 1, "method": "eth_chainId"},
            {"jsonrpc": "2.0", "id": "x", "method": "anvil_setBalance", "params": []},
        ],
    ).json()
    assert batch[0] == {"jsonrpc": "2.0", "id": 1, "result": "0x7a69"}
    assert batch[1]["id"] == "x" and batch[1]["error"]["code"] == -32601


def test_the_committed_bundles_are_the_build_of_the_sources(tmp_path: Path) -> None:
    subprocess.run([str(ROOT / "scripts/build-gallery-js"), str(tmp_path)], check=True, timeout=120)
    built = sorted(p.name for p in tmp_path.iterdir())
    assert built == ["app.js", "live-portrait.js", "screen.js"]
    for name in built:
        assert (tmp_path / name).read_bytes() == (
            ROOT / "provenance/gallery/static" / name
        ).read_bytes(), f"provenance/gallery/static/{name} is stale: run scripts/build-gallery-js"


def test_serve_says_when_it_leaves_loopback(monkeypatch: pytest.MonkeyPatch, home: Path) -> None:
    from provenance.gallery import server as gallery_server

    assert gallery_server.is_loopback("127.0.0.1") and gallery_server.is_loopback("::1")
    assert gallery_server.is_loopback("localhost") and gallery_server.is_loopback("127.0.0.2")
    assert not gallery_server.is_loopback("0.0.0.0") and not gallery_server.is_loopback("::")
    assert not gallery_server.is_loopback("192.168.1.5") and not gallery_server.is_loopback("a.b")

    def interrupted(self: Any) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(gallery_server.GalleryServer, "serve_forever", interrupted)
    result = invoke("gallery", "serve", "--port", "0")
    assert result.exit_code == 0 and "not loopback" not in result.stderr
    assert result.stderr.startswith("gallery on http://127.0.0.1:")
    # Any other address gets a line saying so (bound here to a loopback alias with the check
    # told otherwise: tests never listen beyond loopback).
    monkeypatch.setattr(gallery_server, "is_loopback", lambda host: False)
    result = invoke("gallery", "serve", "--port", "0", "--host", "127.0.0.2")
    assert result.exit_code == 0
    assert "not loopback: anyone who can reach this address" in result.stderr


def test_a_donation_on_a_static_site_leads_to_a_token_page_that_reads_the_message(
    world: dict[str, Any], tmp_path: Path
) -> None:
    """Issue 21: the site was built before the token existed. "See your token" opens token.html,
    which reads the token from the chain, checks it and opens the message; the offer's own URL
    (its QR code) then leads to the token, on the static host and on `gallery serve`."""
    offer = world["offers"]["Dawn"]
    site = static_server(world["site"])
    base = f"http://127.0.0.1:{site.server_address[1]}"
    try:
        report = browser(
            [
                {"goto": f"{base}/offer/{offer['id']}.html"},
                {"donate": {"amount": "0.05", "message": MESSAGE}},
                {"follow": '[data-testid="donate-status"] a'},
                {"read": {}},
                {"screenshot": str(ARTIFACTS / "static-token-page-1280.png"), "width": 1280},
                {"goto": f"{base}/offer/{offer['id']}.html"},
            ],
            tmp_path,
        )
    finally:
        site.shutdown()
        site.server_close()
    _, status, token_page, read, _, offer_page = report["results"]
    assert status["state"] == "ok", status
    token_id = int(status["tokenId"])
    assert not (world["site"] / "work" / f"0x{token_id:064x}.html").exists()
    assert token_page["url"].startswith(f"{base}/token.html?id=0x{token_id:064x}")
    assert token_page["badges"] == [
        {
            "state": "authentic",
            "text": "Authentic: this is the image recorded on devnet for this work",
            "details": token_page["badges"][0]["details"],
        }
    ]
    assert token_page["title"].startswith("Dawn")  # the verified metadata's name, as text
    assert [i["src"][:5] for i in token_page["images"]] == ["blob:"]
    assert read["message"] == MESSAGE
    # The offer page (built before) now says the work found its donor and links to the token.
    assert "This work found its donor" in offer_page["text"]
    served = httpx.get(f"{world['url']}/offer/{offer['id']}.html", follow_redirects=False)
    assert served.status_code == 302
    assert served.headers["location"] == f"/token.html?id=0x{token_id:064x}"


def test_a_phone_without_a_wallet_is_offered_the_wallet_apps(
    world: dict[str, Any], donated: dict[str, Any], tmp_path: Path
) -> None:
    """A 390 px browser with no wallet at all: the offer and token pages offer to open the same
    page in MetaMask's, Coinbase Wallet's and Trust Wallet's own browsers (their documented links)
    and to copy the link; nothing is asked of a wallet that is not there."""
    offer_page = f"{world['url']}/offer/{world['offers']['Noon']['id']}.html"
    token_id = int(donated["report"]["results"][-1]["tokenId"])
    token_page = f"{world['url']}/work/0x{token_id:064x}.html"
    ARTIFACTS.mkdir(exist_ok=True)
    report = browser(
        [
            {"goto": offer_page, "width": 390},
            {"deeplinks": {}},
            {"screenshot": str(ARTIFACTS / "phone-offer-390.png"), "width": 390},
            {"donate": {"amount": "0.05", "message": ""}},
            {"goto": token_page, "width": 390},
            {"deeplinks": {}},
        ],
        tmp_path,
        wallets=0,
    )
    results = report["results"]
    for page, links in ((offer_page, results[1]), (token_page, results[5])):
        bare = page.removeprefix("http://")
        encoded = quote(page, safe="")
        assert [link["href"] for link in links["links"]] == [
            f"https://link.metamask.io/dapp/{bare}",
            f"https://go.cb-w.com/dapp?cb_url={encoded}",
            f"https://link.trustwallet.com/open_url?coin_id=60&url={encoded}",
        ]
        assert all(link["visible"] for link in links["links"]) and links["copyLink"]
        assert not links["overflow"]
    assert refusal(report, 3).startswith("No browser wallet was found here, so nothing was sent")
    assert report["walletCalls"] == []


def test_key_page_code_seals_a_minted_message_the_donor_reads_with_the_wallet(
    world: dict[str, Any], tmp_path: Path
) -> None:
    """A donor with only a browser wallet: the key page gives the code of their wallet-derived
    key; `mint --donor-wallet-key CODE` seals to it (stored with "key": "wallet-signature-v1");
    the donor reads the message on the token page with the same wallet, and so does the CLI."""
    ARTIFACTS.mkdir(exist_ok=True)
    site = static_server(world["site"])
    try:
        report = browser(
            [
                {"goto": f"{world['url']}/key/", "width": 390},
                {"keycode": {}},
                {"screenshot": str(ARTIFACTS / "key-390.png"), "width": 390},
                {"goto": f"http://127.0.0.1:{site.server_address[1]}/key/index.html"},
                {"keycode": {}},
            ],
            tmp_path,
        )
    finally:
        site.shutdown()
        site.server_close()
    keyed = report["results"][1]
    code = keyed["code"].strip()
    assert keyed["account"] == DONOR.address and code.startswith("pvk1") and len(code) == 70
    # The page draws it as a QR code too, for the artist to scan (the code, upper case: QR's
    # alphanumeric mode), on the live gallery and on a static site; jsQR, an independent
    # decoder, reads it back.
    assert keyed["qr"] == code.upper(), keyed
    assert report["results"][4]["qr"] == code.upper(), report["results"][4]
    collection = open_session()
    secret = wallet_secret_for(
        DONOR, contract=collection.contract.address, chain_id=collection.chain.chain_id
    )
    from provenance.seal import wallet_public_key
    from provenance.seal.walletcode import decode_key_code

    assert decode_key_code(
        code,
        donor=DONOR.address,
        contract=collection.contract.address,
        chain_id=collection.chain.chain_id,
    ) == wallet_public_key(secret)
    art = make_artwork(world["art"] / "Keyed.png", seed=31, size=64)
    minted_before = collection.contract.total_minted()
    # A mistyped code (one character changed) and a code for another donor: one line, nothing minted.
    typo = code[:20] + ("q" if code[20] != "q" else "p") + code[21:]
    for bad, words in ((typo, "mistyped"), (code, "another donor")):
        donor = DONOR.address if bad is typo else OTHER.address
        result = invoke(
            "mint", str(art), "--donor", donor, "--message", "hi", "--donor-wallet-key", bad
        )
        assert result.exit_code == 2 and words in result.stderr, result.stderr
        assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert collection.contract.total_minted() == minted_before
    minted = ok(
        "mint", str(art), "--donor", DONOR.address, "--message", MESSAGE,
        "--donor-wallet-key", code,
    )  # fmt: skip
    token_id = int(minted["token_id"])
    event = open_session().contract.minted_event(token_id)
    assert event is not None
    assert parse_stored(bytes(event.args["sealedMessage"]), canonical=True).key == WALLET_KEY
    page = f"{world['url']}/work/0x{token_id:064x}.html"
    read = browser([{"goto": page}, {"read": {}}], tmp_path)
    assert read["results"][1]["message"] == MESSAGE
    assert invoke("verify", str(token_id)).exit_code == 0
    env = {"K": key_hex(DONOR)}
    decrypted = invoke("decrypt", str(token_id), "--private-key-env", "K", env=env)
    assert (decrypted.exit_code, decrypted.stdout) == (0, MESSAGE + "\n"), decrypted.stderr
