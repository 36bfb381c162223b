"""The running gallery against hostile visitors (security review, round three), on a real anvil:
its read-only RPC proxy cannot be turned into a code runner or driven by another site's page, its
pages cannot be framed, it serves only what the collection references, and it answers only to
host names a DNS-rebinding page cannot use."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from provenance.chain.accounts import dev_accounts
from provenance.gallery import make_gallery_server
from provenance.workflows.session import open_session

from ..workflows.conftest import invoke, make_artwork, one_line_error, run_cli

DONOR = dev_accounts(2)[1]


@pytest.fixture(scope="module")
def gallery(home: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    art = tmp_path_factory.mktemp("art")
    minted = invoke(
        "mint", str(make_artwork(art / "Dawn.png", seed=21, size=32)), "--donor", DONOR.address
    )
    assert minted.exit_code == 0, minted.stderr
    server = make_gallery_server(open_session(), port=0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield {"url": f"http://127.0.0.1:{server.server_address[1]}", "server": server}
    finally:
        server.shutdown()
        server.server_close()


def rpc(url: str, method: str, params: list[Any], **kwargs: Any) -> dict[str, Any]:
    request = {"jsonrpc": "2.0", "id": 3, "method": method, "params": params}
    answer: dict[str, Any] = httpx.post(f"{url}/rpc", json=request, **kwargs).json()
    return answer


# BALANCE(donor) returned as one word: code a state override would run at the contract's address.
def _balance_reader(address: str) -> str:
    return "0x73" + address[2:].lower() + "31" + "60005260206000f3"


def test_the_proxy_runs_only_the_contracts_code_with_bounded_gas(
    gallery: dict[str, Any], capfd: pytest.CaptureFixture[str]
) -> None:
    url = gallery["url"]
    contract = open_session().contract.address
    call = {"to": contract, "data": "0x"}
    override = {contract: {"code": _balance_reader(DONOR.address)}}
    # A state override would run any code at the collection's address (here: read the donor's
    # balance); a third parameter is refused before it reaches the node.
    answer = rpc(url, "eth_call", [call, "latest", override])
    assert "result" not in answer and answer["error"]["code"] == -32601, answer
    assert "block tag" in answer["error"]["message"]
    for tag in ({"blockHash": "0x" + "00" * 32}, "latest; drop", 7):
        answer = rpc(url, "eth_call", [call, tag])
        assert "result" not in answer and answer["error"]["code"] == -32601, (tag, answer)
    # The contract's own reads still work, with a gas allowance the proxy sets itself.
    name = rpc(url, "eth_call", [{"to": contract, "data": "0x06fdde03"}, "latest"])
    assert name["result"].startswith("0x") and len(name["result"]) > 130
    forwarded = gallery["server"].rpc.check(
        {"method": "eth_call", "params": [{**call, "gas": "0xffffffff"}, "latest"]}
    )
    assert int(forwarded["params"][0]["gas"], 16) <= 10_000_000
    assert (
        int(
            gallery["server"].rpc.check({"method": "eth_call", "params": [call]})["params"][0][
                "gas"
            ],
            16,
        )
        <= 10_000_000
    )

    # Another site's page cannot drive the proxy: no CORS grant (even on a preflight), and a
    # "simple" text/plain POST (which needs no preflight) is refused before it is read.
    capfd.readouterr()
    response = httpx.post(
        f"{url}/rpc",
        content=b'{"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":[]}',
        headers={"Content-Type": "text/plain", "Origin": "http://evil.example"},
    )
    assert response.status_code == 415 and "access-control-allow-origin" not in response.headers
    ok = httpx.post(f"{url}/rpc", json={"jsonrpc": "2.0", "id": 1, "method": "eth_chainId"})
    assert ok.json()["result"] == "0x7a69"
    assert "access-control-allow-origin" not in ok.headers
    preflight = httpx.request(
        "OPTIONS",
        f"{url}/rpc",
        headers={"Origin": "http://evil.example", "Access-Control-Request-Method": "POST"},
    )
    assert "access-control-allow-origin" not in preflight.headers

    # A 1000-deep request is a plain JSON-RPC error, and nothing is logged about recursion.
    deep = httpx.post(
        f"{url}/rpc",
        content=b"[" * 1000 + b"]" * 1000,
        headers={"Content-Type": "application/json"},
    )
    assert deep.status_code == 200 and deep.json()["error"]["code"] == -32600
    assert "RecursionError" not in "".join(capfd.readouterr())


def test_pages_cannot_be_framed(gallery: dict[str, Any]) -> None:
    url = gallery["url"]
    for path in ("/", "/static/app.js", "/nowhere"):
        response = httpx.get(url + path)
        assert response.headers["x-frame-options"] == "DENY", path
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"], path


def test_only_the_collections_content_and_only_for_known_host_names(
    gallery: dict[str, Any], home: Path
) -> None:
    from provenance.gallery.data import collect
    from provenance.ipfs import add_bytes

    url = gallery["url"]
    collection = open_session()
    private = add_bytes(b"the artist's unpublished notes", store=collection.store).cid
    assert collection.store.has(private)
    (work,) = collect(collection, collection.store).works
    assert httpx.get(f"{url}/ipfs/{work.metadata_cid}?format=raw").status_code == 200
    refused = httpx.get(f"{url}/ipfs/{private}")
    assert refused.status_code == 404 and b"unpublished" not in refused.content
    assert httpx.get(f"{url}/ipfs/{private}?format=car").status_code == 404

    port = url.rsplit(":", 1)[1]
    for host in (f"localhost:{port}", f"127.0.0.1:{port}", f"[::1]:{port}", "192.168.1.5:80"):
        assert httpx.get(url + "/", headers={"Host": host}).status_code == 200, host
    for host in (f"evil.example:{port}", "attacker.test"):
        for method in ("GET", "POST"):
            response = httpx.request(
                method, url + ("/rpc" if method == "POST" else "/"), headers={"Host": host}
            )
            assert response.status_code == 421, (host, method)
            assert "eth_" not in response.text
    # The names it was started with (--host, a public URL's host) are its own too.
    named = make_gallery_server(open_session(), port=0, host_names=["Gallery.Example.org"])
    try:
        assert named.allows_host("gallery.example.org:443") and named.allows_host("127.0.0.1")
        assert not named.allows_host("gallery.example.org.evil.test")
    finally:
        named.server_close()


def test_a_deeply_nested_collection_document_is_one_line_and_the_gallery_still_serves(
    gallery: dict[str, Any], tmp_path: Path
) -> None:
    """Last in this module: it gives the collection a hostile ERC-7572 document."""
    from provenance.chain.outbox import TxCall
    from provenance.ipfs import add_bytes

    from ..helpers import serving
    from ..ipfs.fakes import FakeKubo

    collection = open_session(with_signer=True)  # the devnet's artist, its admin
    contract = collection.contract
    nested = add_bytes(b"[" * 3000 + b"]" * 3000, store=collection.store).cid
    call = TxCall(
        to=contract.address,
        data=contract.abi.encode_call("setContractURI", f"ipfs://{nested}"),
        action="set a hostile contract URI",
        abi=contract.abi,
    )
    collection.transact(f"test-hostile-contract-uri:{nested}", call)

    # The gallery still serves every page; where the statement would be, one plain sentence.
    url = gallery["url"]
    index = httpx.get(url + "/")
    assert index.status_code == 200
    assert "The collection&#x27;s description cannot be shown" in index.text
    assert "nests 3000 levels deep" in index.text
    assert httpx.get(f"{url}/ipfs/{nested}?format=raw").status_code == 200  # it is referenced

    built = run_cli("gallery", "build", "-o", str(tmp_path / "site"))
    line = one_line_error(built.stderr)
    assert built.returncode == 1 and "nests 3000 levels deep" in line, built.stderr
    assert "collection set" in line and not (tmp_path / "site").exists()

    with serving(FakeKubo()) as kubo:
        published = run_cli("publish", "--kubo-api", kubo)
    assert published.returncode == 1, published.stderr
    line = one_line_error(published.stderr)
    assert "nests 3000 levels deep" in line and "Traceback" not in published.stderr
