"""provenance's Kubo RPC client, gateway fetcher and pinning client against independent servers
running offline on loopback: js-ipfs 0.66.1 (the same /api/v0 RPC as Kubo, and a gateway) and
the Pinning Service API's reference mock. CIDs, blocks and CARs are compared with the ones this
project computes itself."""

from __future__ import annotations

import io
import random
from pathlib import Path

import httpx
import pytest

from provenance.errors import IntegrityError, IPFSError
from provenance.ipfs import Blockstore, GatewayFetcher, KuboClient, PinningClient, add_bytes
from provenance.ipfs.car import export_car
from provenance.ipfs.cid import CID
from provenance.ipfs.params import resolve_params

from .conftest import JsIpfs, PinningService

SMALL = random.Random(1).randbytes(5_000)
MULTI_CHUNK = random.Random(2).randbytes(3 * 1024 * 1024 + 123)  # 4 chunks of 1 MiB, 13 of 256 KiB
PROFILES = ["unixfs-v1-2025", "kubo-v1", "unixfs-v0-2015"]
BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def _base58btc_cid_bytes(text: str) -> bytes:
    """A multibase 'z' (base58btc) CID's bytes: how js-ipfs prints CIDv1."""
    assert text.startswith("z")
    number = 0
    for char in text[1:]:
        number = number * 58 + BASE58.index(char)
    return number.to_bytes((number.bit_length() + 7) // 8, "big")


def _rpc_add(api: str, data: bytes, profile: str) -> str:
    """``add`` straight over the RPC with the profile's parameters (CIDv1 printed in base32)."""
    params = resolve_params(profile)
    query = {
        "cid-version": str(params.cid_version),
        "raw-leaves": str(params.raw_leaves).lower(),
        "chunker": f"size-{params.chunk_size}",
        "hash": "sha2-256",
        "pin": "false",
        "quieter": "true",
    }
    if params.cid_version == 1:  # js-ipfs prints CIDv1 in base58btc unless asked; v0 has no base
        query["cid-base"] = "base32"
    response = httpx.post(
        f"{api}/api/v0/add", params=query, files={"file": ("f", data)}, timeout=60
    )
    response.raise_for_status()
    return str(response.json()["Hash"])


@pytest.fixture()
def kubo(jsipfs: JsIpfs) -> KuboClient:
    return KuboClient(jsipfs.api, retries=0)


def test_version_is_accepted(kubo: KuboClient, jsipfs: JsIpfs) -> None:
    assert kubo.version() == jsipfs.version == "0.18.1"


@pytest.mark.parametrize("profile", PROFILES)
@pytest.mark.parametrize("data", [SMALL, MULTI_CHUNK], ids=["one-chunk", "multi-chunk"])
def test_add_gives_our_cids(jsipfs: JsIpfs, profile: str, data: bytes) -> None:
    ours = add_bytes(data, params=profile).cid
    assert CID.parse(_rpc_add(jsipfs.api, data, profile)) == CID.parse(str(ours))


def test_kubo_client_add_cidv0(kubo: KuboClient) -> None:
    ours = str(add_bytes(MULTI_CHUNK, params="unixfs-v0-2015").cid)
    assert kubo.add(MULTI_CHUNK, params="unixfs-v0-2015") == ours


@pytest.mark.xfail(
    strict=True,
    raises=IntegrityError,
    reason="js-ipfs prints CIDv1 in base58btc ('z...') unless asked for cid-base=base32, and"
    " KuboClient.add neither asks for base32 nor parses base58btc: the same CID reads as a mismatch",
)
def test_kubo_client_add_cidv1(kubo: KuboClient) -> None:
    assert kubo.add(SMALL, params="unixfs-v1-2025") == str(add_bytes(SMALL).cid)


def test_the_cidv1_it_prints_is_ours_in_base58(jsipfs: JsIpfs) -> None:
    response = httpx.post(
        f"{jsipfs.api}/api/v0/add",
        params={"cid-version": "1", "raw-leaves": "true", "pin": "false", "quieter": "true"},
        files={"file": ("f", SMALL)},
        timeout=60,
    )
    printed = response.json()["Hash"]
    assert printed.startswith("z")
    ours = str(add_bytes(SMALL, params="kubo-v1").cid)
    assert _base58btc_cid_bytes(printed) == _cid_bytes(ours)


def _cid_bytes(text: str) -> bytes:
    import base64

    assert text.startswith("b")
    body = text[1:].upper()
    return base64.b32decode(body + "=" * (-len(body) % 8))


def test_block_get_cat_and_pins(kubo: KuboClient, tmp_path: Path) -> None:
    data = random.Random(4).randbytes(700_000)  # not added by any other test
    root = kubo.add(data, params="unixfs-v0-2015", pin=False)
    store = Blockstore.open(tmp_path / "blocks")
    ours = add_bytes(data, store=store, params="unixfs-v0-2015").cid
    assert root == str(ours)
    assert kubo.get_block(root) == store.get_block(ours)  # verified against the CID by the client
    assert kubo.cat(root) == data
    assert root not in kubo.pin_ls()
    assert kubo.pin_add(root) == [root]
    assert kubo.pin_ls(root) == {root: "recursive"}
    assert kubo.pin_ls()[root] == "recursive"


@pytest.mark.xfail(
    strict=True,
    reason="js-ipfs lists CIDv1 pins in base58btc and KuboClient.pin_ls passes its keys through:"
    " a pinned bafy... CID is not found among them",
)
def test_pin_ls_names_cidv1_as_we_do(kubo: KuboClient, jsipfs: JsIpfs) -> None:
    data = random.Random(5).randbytes(3_000)
    cid = _rpc_add(jsipfs.api, data, "unixfs-v1-2025")
    kubo.pin_add(cid)
    assert cid in kubo.pin_ls()


def test_dag_import_and_export(kubo: KuboClient, jsipfs: JsIpfs, tmp_path: Path) -> None:
    store = Blockstore.open(tmp_path / "blocks")
    params = resolve_params("kubo-v1", chunk_size=1000, max_links=3)  # a tree three levels deep
    data = random.Random(3).randbytes(20_000)
    root = add_bytes(data, store=store, params=params).cid
    car = io.BytesIO()
    export_car(store, root, car)
    assert kubo.dag_import(car.getvalue()) == [str(root)]
    assert kubo.get_block(str(root)) == store.get_block(root)
    assert kubo.cat(str(root)) == data
    exported = httpx.post(
        f"{jsipfs.api}/api/v0/dag/export", params={"arg": str(root)}, timeout=60
    ).content
    assert exported == car.getvalue()  # the same CARv1, byte for byte


def test_missing_block_waits_for_the_client_timeout(kubo: KuboClient) -> None:
    # js-ipfs does not answer "not found" for a block it lacks, even offline: it waits for one.
    # The client's read timeout ends the wait as an IPFSError (whose text blames the connection).
    absent = str(add_bytes(b"never added anywhere " + random.randbytes(16)).cid)
    with KuboClient(kubo.url, retries=0, timeout=3) as client, pytest.raises(IPFSError) as err:
        client.get_block(absent)
    assert "ReadTimeout" in str(err.value)


def test_gateway_fetcher_against_its_gateway(kubo: KuboClient, jsipfs: JsIpfs) -> None:
    # A file that is one raw block: the gateway's answer is the block, the fetcher accepts it.
    raw = str(add_bytes(SMALL).cid)
    assert CID.parse(_rpc_add(jsipfs.api, SMALL, "unixfs-v1-2025")) == CID.parse(raw)
    with GatewayFetcher([jsipfs.gateway], timeout=10) as fetcher:
        assert fetcher.cat(raw) == SMALL
    # js-ipfs's gateway is not a trustless gateway: asked for a dag-pb node ?format=raw it sends
    # the file's bytes, which do not hash to the CID, and the fetcher refuses them.
    root = kubo.add(MULTI_CHUNK, params="unixfs-v0-2015")
    with (
        GatewayFetcher([jsipfs.gateway], timeout=10) as fetcher,
        pytest.raises(IPFSError, match="do not match the CID"),
    ):
        fetcher.cat(root)


# -- pinning service -------------------------------------------------------------------------

CID_TO_PIN = str(add_bytes(SMALL).cid)
ORIGIN = "/ip4/127.0.0.1/tcp/4001/p2p/12D3KooWSPrzNRBBbvj4mJr2iV7xtPi5xEd3ETbZ8AjFGMyTG2x5"


@pytest.fixture()
def pins(pinning_service: PinningService) -> PinningClient:
    return PinningClient(pinning_service.endpoint, pinning_service.token, timeout=10)


def test_pin_create_list_remove(pins: PinningClient) -> None:
    status = pins.add(CID_TO_PIN, name="work-1", origins=[ORIGIN], meta={"token": "1"})
    assert (status.status, status.cid, status.name) == ("queued", CID_TO_PIN, "work-1")
    assert pins.get(status.requestid).requestid == status.requestid
    every = ("queued", "pinning", "pinned", "failed")
    listed = pins.list(cids=[CID_TO_PIN], statuses=every, limit=100)
    assert status.requestid in [p.requestid for p in listed]
    assert status.requestid not in [p.requestid for p in pins.list(statuses=("pinned",))]
    pins.remove(status.requestid)
    with pytest.raises(IPFSError) as err:
        pins.get(status.requestid)
    assert err.value.context.get("status") == 404


def test_wait_until_pinned_or_failed(pins: PinningClient) -> None:
    pinned = pins.add(CID_TO_PIN, name="pinned-work")
    assert pins.wait(pinned.requestid, timeout=10, interval=0.1).status == "pinned"
    failed = pins.add(CID_TO_PIN, name="failed-work")
    with pytest.raises(IPFSError, match="failed to pin"):
        pins.wait(failed.requestid, timeout=10, interval=0.1)
    queued = pins.add(CID_TO_PIN, name="queued-work")
    with pytest.raises(IPFSError, match="still queued"):
        pins.wait(queued.requestid, timeout=0.3, interval=0.1)


def test_wrong_token_is_refused_without_echoing_it(pinning_service: PinningService) -> None:
    wrong = "not-the-token-" + "x" * 8
    with PinningClient(pinning_service.endpoint, wrong) as client, pytest.raises(IPFSError) as err:
        client.list()
    assert "401" in str(err.value) and wrong not in str(err.value)
    assert pinning_service.token not in str(err.value)
