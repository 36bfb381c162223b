"""`provenance publish` against the real js-ipfs RPC server and the Pinning Service API's reference
mock: every block the exhibition needs arrives (the contract-level JSON and cover, each token's
metadata, image, multi-block animation, model and ONNX files, an open offer's content), pins are
checked, a re-run sends nothing, a missing block is one line and exit 1."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest

from provenance.chain.accounts import dev_accounts
from provenance.ipfs import Blockstore, KuboClient
from provenance.ipfs.cid import CID

from ..workflows.conftest import home, invoke, make_artwork, one_line_error, run_cli
from .conftest import JsIpfs, PinningService

__all__ = ["home"]

DONOR = dev_accounts(2)[1]


def ok(*args: str, env: dict[str, str] | None = None) -> Any:
    result = invoke(*args, "--json", env=env)
    assert result.exit_code == 0, (result.stdout, result.stderr)
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def exhibition(home: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    from gan.pngrecord import make_record, write_png

    art = tmp_path_factory.mktemp("publish")
    model = art / "model.msgpack"
    model.write_bytes(np.random.default_rng(1).bytes(1_200_000))
    sha = hashlib.sha256(model.read_bytes()).hexdigest()
    onnx = art / "g.onnx"
    onnx.write_bytes(b"an export naming its model " + sha.encode())
    face = art / "face.png"
    from provenance.content.generation import model_cid

    # As `gan generate` writes it: the record names the model's sha256 and CID.
    cid = model_cid(model, sha, model.stat().st_size)
    write_png(np.full((32, 32, 3), 90, np.uint8), face, make_record(sha, 2, cid=cid))
    # A GIF larger than one chunk: a multi-block animation.
    from PIL import Image

    frames = [
        Image.fromarray((np.random.default_rng(i).random((200, 200, 3)) * 255).astype(np.uint8))
        for i in range(24)
    ]
    walk = art / "walk.gif"
    frames[0].save(walk, save_all=True, append_images=frames[1:], duration=100, loop=0)
    assert walk.stat().st_size > 1 << 20
    ok(
        "collection",
        "set",
        "--name",
        "Published",
        "--image",
        str(make_artwork(art / "cover.png", seed=2)),
    )
    minted = ok(
        "mint",
        str(face),
        "--donor",
        DONOR.address,
        "--animation",
        str(walk),
        "--model",
        str(model),
        "--onnx",
        str(onnx),
    )
    offer = ok(
        "offer",
        str(make_artwork(art / "offered.png", seed=4)),
        "--min-donation",
        "0.01ether",
        "-o",
        str(art / "offer.json"),
    )
    yield {"minted": minted, "offer": offer, "art": art}


def test_publish_to_js_ipfs_and_the_pinning_mock(
    exhibition: dict[str, Any],
    home: Path,
    jsipfs: JsIpfs,
    pinning_service: PinningService,
) -> None:
    env = {"PIN_TOKEN": pinning_service.token}
    args = [
        "publish",
        "--kubo-api",
        jsipfs.api,
        "--pinning-endpoint",
        pinning_service.endpoint,
        "--pinning-token-env",
        "PIN_TOKEN",
    ]
    first = ok(*args, env=env)
    minted = exhibition["minted"]
    cids = {item["what"]: item["cid"] for item in first["items"]}
    token = f"token {minted['token_id']}"
    assert cids[f"{token} animation"] == minted["animation_cid"]
    assert cids[f"{token} model"] == minted["model_cid"]
    assert cids[f"{token} ONNX model"] == minted["onnx_cid"]
    assert cids[f"{token} image"] == minted["image_cid"]
    assert cids[f"{token} metadata"] == minted["metadata_cid"]
    assert {"collection metadata (contractURI)", "collection cover"} <= cids.keys()
    assert any(w.startswith("offer ") and w.endswith(" image") for w in cids)
    assert len(first["items"]) == 9
    assert first["failed"] == 0 and first["sent"] == 18 and first["present"] == 0
    # js-ipfs serves the very bytes, read back through its own RPC (verified block by block).
    kubo = KuboClient(jsipfs.api)
    store = Blockstore.open(home / "ipfs" / "blocks")
    for cid in cids.values():
        assert kubo.cat(cid) == store.cat(cid)
    # The pinning service holds one request per root, named for what it is.
    listed = httpx.get(
        f"{pinning_service.endpoint}/pins",
        params={"status": "queued,pinning,pinned", "limit": 1000},
        headers={"Authorization": f"Bearer {pinning_service.token}"},
        timeout=30,
    ).json()
    names = {r["pin"]["name"] for r in listed["results"]}
    assert {f"{token} model", "collection cover"} <= names
    # A re-run sends nothing.
    again = ok(*args, env=env)
    assert again["sent"] == 0 and again["present"] == 18 and again["failed"] == 0


def test_publish_reports_a_missing_block_in_one_line(
    exhibition: dict[str, Any], home: Path, jsipfs: JsIpfs
) -> None:
    store = Blockstore.open(home / "ipfs" / "blocks")
    offer_meta = json.loads(store.cat(exhibition["offer"]["metadata_cid"]))
    image = offer_meta["provenance"]["image"]["cid"]
    path = store._path(CID.parse(image))  # the test removes one block on purpose
    saved = path.read_bytes()
    # js-ipfs already holds it from the first test; a fresh publish to a new pin set is simulated
    # by asking only for a CID it does not have pinned: unpin it there first.
    httpx.post(f"{jsipfs.api}/api/v0/pin/rm", params={"arg": image}, timeout=30)
    path.unlink()
    try:
        proc = run_cli("publish", "--kubo-api", jsipfs.api)
    finally:
        path.write_bytes(saved)
    assert proc.returncode == 1
    errors = [line for line in proc.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "image" in errors[0] and image in errors[0], proc.stderr
    fixed = run_cli("publish", "--kubo-api", jsipfs.api, "--json")
    assert fixed.returncode == 0, fixed.stderr
    assert json.loads(fixed.stdout)["sent"] == 1


def test_publish_needs_a_destination(home: Path) -> None:
    proc = run_cli("publish")
    assert proc.returncode == 2 and "--kubo-api" in one_line_error(proc.stderr)
    proc = run_cli(
        "publish", "--pinning-endpoint", "http://127.0.0.1:9", "--pinning-token-env", "NOPE"
    )
    assert proc.returncode == 2 and "NOPE" in one_line_error(proc.stderr)
    assert "NOPE" not in os.environ
