"""``provenance ipfs serve``: a real client (@ipld/car in node) reads and verifies what it serves."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from provenance.ipfs import Blockstore, add_bytes, add_path
from provenance.ipfs.params import resolve_params
from provenance.ipfs.reader import walk_dag
from provenance.ipfs.server import GatewayServer, make_server, sniff_content_type

from ..helpers import serving
from .conftest import deterministic_bytes, run_node

PNG = b"\x89PNG\r\n\x1a\n" + deterministic_bytes(4000, seed=1)
SMALL_TREE = resolve_params("kubo-v1", chunk_size=1000, max_links=3)


@pytest.fixture()
def gateway(tmp_path: Path) -> Iterator[tuple[str, Blockstore]]:
    store = Blockstore.open(tmp_path / "blocks")
    server: GatewayServer = make_server(store, port=0)
    with serving(server) as url:
        yield url, store


def test_ipld_car_client_verifies_car_and_raw_responses(gateway: tuple[str, Blockstore]) -> None:
    base, store = gateway
    root = add_bytes(PNG, store=store, params=SMALL_TREE).cid
    report = json.loads(run_node("gateway_fetch.mjs", None, base, root))
    expected = [str(cid) for cid, _ in walk_dag(store, root)]
    for label in ("car_accept", "car_query"):
        car = report[label]
        assert car["status"] == 200
        assert car["type"].startswith("application/vnd.ipld.car")
        assert car["cors"] == "*"
        assert car["roots"] == [root]
        assert [b["cid"] for b in car["blocks"]] == expected
        assert all(b["ok"] for b in car["blocks"])
    assert report["raw"] == {"status": 200, "type": "application/vnd.ipld.raw", "ok": True}


def test_plain_responses_have_sniffed_types(
    gateway: tuple[str, Blockstore], tmp_path: Path
) -> None:
    base, store = gateway
    png = add_bytes(PNG, store=store, params=SMALL_TREE).cid
    response = httpx.get(f"{base}/ipfs/{png}")
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/png"
    assert response.content == PNG
    assert response.headers["access-control-allow-origin"] == "*"

    folder = tmp_path / "site"
    folder.mkdir()
    (folder / "meta.json").write_bytes(b'{"name": "x"}')
    (folder / "art.png").write_bytes(PNG)
    directory = add_path(folder, store=store).cid
    meta = httpx.get(f"{base}/ipfs/{directory}/meta.json")
    assert meta.headers["content-type"] == "application/json"
    assert meta.json() == {"name": "x"}
    assert httpx.get(f"{base}/ipfs/{directory}/art.png").content == PNG
    listing = httpx.get(f"{base}/ipfs/{directory}")
    assert listing.status_code == 200 and "meta.json" in listing.text
    head = httpx.head(f"{base}/ipfs/{png}")
    assert head.status_code == 200 and head.headers["content-length"] == str(len(PNG))


def test_plain_file_responses_are_sandboxed(
    gateway: tuple[str, Blockstore], tmp_path: Path
) -> None:
    """Stored HTML or SVG must not run script in the gateway's origin (or a page's that serves it)."""
    base, store = gateway
    html = add_bytes(b"<!doctype html><script>alert(1)</script>", store=store).cid
    svg = add_bytes(
        b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', store=store
    ).cid
    folder = tmp_path / "site"
    folder.mkdir()
    (folder / "index.html").write_bytes(b"<!doctype html><script>alert(1)</script>")
    site = add_path(folder, store=store).cid
    for url in (
        f"{base}/ipfs/{html}",
        f"{base}/ipfs/{svg}",
        f"{base}/ipfs/{site}",
        f"{base}/ipfs/{site}/index.html",
    ):
        response = httpx.get(url)
        assert response.status_code == 200, url
        assert response.headers["content-security-policy"] == "sandbox", url
        assert response.headers["x-content-type-options"] == "nosniff", url


def test_errors(gateway: tuple[str, Blockstore]) -> None:
    base, store = gateway
    present = add_bytes(b"hello", store=store).cid
    missing = add_bytes(b"not stored", store=None).cid
    assert httpx.get(f"{base}/ipfs/not-a-cid").status_code == 400
    assert httpx.get(f"{base}/ipfs/{missing}").status_code == 404
    assert httpx.get(f"{base}/ipfs/{missing}?format=raw").status_code == 404
    assert httpx.get(f"{base}/ipfs/{present}?format=zip").status_code == 400
    assert httpx.get(f"{base}/elsewhere").status_code == 404
    assert httpx.get(f"{base}/ipfs/{present}/no/such/path").status_code == 404
    options = httpx.options(f"{base}/ipfs/{present}")
    assert options.status_code == 204 and options.headers["access-control-allow-origin"] == "*"


def test_corrupted_store_answers_500_not_bytes(gateway: tuple[str, Blockstore]) -> None:
    base, store = gateway
    cid = add_bytes(PNG, store=store, params=SMALL_TREE).cid
    leaf = [c for c, _ in walk_dag(store, cid) if c.codec == 0x55][1]
    path = store._path(leaf)
    path.chmod(0o644)
    path.write_bytes(b"X" * len(path.read_bytes()))
    response = httpx.get(f"{base}/ipfs/{cid}")
    assert response.status_code == 500
    assert str(leaf) in response.text


@pytest.mark.parametrize(
    ("head", "name", "expected"),
    [
        (PNG[:64], "", "image/png"),
        (b"\xff\xd8\xff\xe0....JFIF", "", "image/jpeg"),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 ", "", "image/webp"),
        (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>', "", "image/svg+xml"),
        (b'{"name": "x"}', "", "text/plain; charset=utf-8"),
        (b'{"name": "x"}', "metadata.json", "application/json"),
        (b"\x00\x01\x02binary", "", "application/octet-stream"),
    ],
)
def test_sniff_content_type(head: bytes, name: str, expected: str) -> None:
    assert sniff_content_type(head, name) == expected
