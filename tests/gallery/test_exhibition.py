"""The exhibition: `collection set` (ERC-7572 contractURI through the outbox), and the gallery as a
visitor sees it in a real Chromium at 1280 and 390 px: the collection's name, statement and cover,
open offers first ("reserved for 0x.."), animations playing muted and looping from verified bytes
(a multi-block one included), stills at an integer multiple of their size, shortened addresses with
a copy control, a favicon, no horizontal scrolling on a phone. And the running gallery survives
`chain down` / `chain up`. Screenshots go to tests/artifacts/exhibition-*.png."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest

from provenance.chain.accounts import dev_accounts
from provenance.chain.token_id import token_hex
from provenance.gallery import make_gallery_server
from provenance.workflows.session import open_session

from ..conftest import ROOT
from ..helpers import serve_in_thread
from ..workflows.conftest import invoke, make_artwork, one_line_error, run_cli

CHROMIUM = Path("/usr/bin/chromium")
SCRIPT = ROOT / "tests/js/exhibition_check.mjs"
ARTIFACTS = ROOT / "tests/artifacts"
DONOR, OTHER = dev_accounts(3)[1:3]
NAME = "Faces that never were"
STATEMENT = "A small GAN dreams of faces.\n\nEach portrait was given to someone who gave."

needs_browser = pytest.mark.skipif(
    not CHROMIUM.exists()
    or shutil.which("node") is None
    or not (ROOT / "node_modules/playwright-core").is_dir(),
    reason="needs /usr/bin/chromium, node and node_modules/playwright-core (scripts/setup)",
)


def ok(*args: str, env: dict[str, str] | None = None) -> Any:
    result = invoke(*args, "--json", env=env)
    assert result.exit_code == 0, (result.stdout, result.stderr)
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def exhibition(home: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    pytest.importorskip("imageio_ffmpeg")
    from gan.animate import encode_animation
    from gan.pngrecord import make_record, write_png

    art = tmp_path_factory.mktemp("exhibition")
    # Before `collection set`: a plain title, never "Collection 0x... on chain 31337".
    from provenance.gallery.data import collect

    collection = open_session()
    plain = collect(collection, collection.store)
    assert plain.info is None and not plain.name.startswith("Collection")

    cover = make_artwork(art / "cover.png", seed=3, size=96)
    collection_set = ok(
        "collection",
        "set",
        "--name",
        NAME,
        "--description",
        STATEMENT,
        "--image",
        str(cover),
        "--external-link",
        "https://example.org/artist",
    )
    # A GAN-sized still (32 px) with its generation record, and a walk of 256 px frames that is
    # larger than one IPFS chunk (a multi-block file).
    pixels = (np.random.default_rng(1).random((32, 32, 3)) * 255).astype(np.uint8)
    face = art / "Portrait of nobody.png"
    write_png(pixels, face, make_record("ab" * 32, 4))
    frames = (np.random.default_rng(2).random((40, 256, 256, 3)) * 255).astype(np.uint8)
    walk = art / "walk.mp4"
    encode_animation(frames, walk, fps=10.0)
    assert walk.stat().st_size > 1 << 20
    living = ok(
        "mint",
        str(face),
        "--donor",
        DONOR.address,
        "--description",
        "A face from seed 4, walking.",
        "--animation",
        str(walk),
    )
    still = ok(
        "mint", str(make_artwork(art / "Still life.png", seed=5, size=48)), "--donor", OTHER.address
    )
    reserved = ok(
        "offer",
        str(make_artwork(art / "For a friend.png", seed=6, size=40)),
        "--min-donation",
        "0.02ether",
        "--to",
        OTHER.address,
        "-o",
        str(art / "reserved.json"),
    )
    return {"set": collection_set, "living": living, "still": still, "reserved": reserved}


@pytest.fixture(scope="module")
def gallery_url(exhibition: dict[str, Any]) -> Iterator[str]:
    server = make_gallery_server(open_session(), port=0)
    serve_in_thread(server)
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def look(url: str, name: str, width: int, tmp_path: Path, view: str = "") -> dict[str, Any]:
    ARTIFACTS.mkdir(exist_ok=True)
    result = subprocess.run(
        [
            "node",
            str(SCRIPT),
            url,
            str(ARTIFACTS / f"{name}.png"),
            str(tmp_path / name),
            str(width),
            *([view] if view else []),
        ],
        capture_output=True,
        text=True,
        timeout=180,
        cwd=ROOT,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    report: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["foreign"] == [] and report["errors"] == [], report
    return report


def integer_scaled(media: dict[str, Any]) -> bool:
    ratio = media["shown"] / media["natural"]
    return ratio >= 1 and abs(ratio - round(ratio)) < 0.01


def test_collection_set_is_idempotent_and_checked(
    exhibition: dict[str, Any], home: Path, tmp_path: Path
) -> None:
    first = exhibition["set"]
    assert first["tx_hash"] and first["contract_uri"] == f"ipfs://{first['metadata_cid']}"
    assert open_session().contract.call("contractURI") == first["contract_uri"]
    again = ok(
        "collection",
        "set",
        "--name",
        NAME,
        "--description",
        STATEMENT,
        "--image",
        str(tmp_path.parent / "exhibition0" / "cover.png")
        if (tmp_path.parent / "exhibition0" / "cover.png").exists()
        else str(make_artwork(tmp_path / "cover.png", seed=3, size=96)),
        "--external-link",
        "https://example.org/artist",
    )
    assert again["tx_hash"] is None and again["metadata_cid"] == first["metadata_cid"]
    document = json.loads(run_cli_bytes("ipfs", "cat", first["metadata_cid"]))
    assert document == {
        "name": NAME,
        "description": STATEMENT,
        "image": f"ipfs://{first['image_cid']}",
        "external_link": "https://example.org/artist",
    }
    bad = run_cli("collection", "set", "--name", "x", "--image", str(tmp_path / "none.png"))
    assert bad.returncode == 2 and "not found" in one_line_error(bad.stderr)
    stranger = run_cli(
        "collection",
        "set",
        "--name",
        "Mine now",
        "--image",
        str(make_artwork(tmp_path / "c.png", seed=9)),
        "--private-key-env",
        "K",
        env={"K": "0x" + bytes(OTHER.key).hex()},
    )
    assert stranger.returncode == 1 and "not the admin" in one_line_error(stranger.stderr)
    assert open_session().contract.call("contractURI") == first["contract_uri"]


def run_cli_bytes(*args: str) -> bytes:
    import sys

    return subprocess.run(
        [sys.executable, "-m", "provenance", *args], capture_output=True, timeout=120, check=True
    ).stdout


@needs_browser
@pytest.mark.parametrize("width", [1280, 390])
def test_index_as_a_visitor_sees_it(
    gallery_url: str, exhibition: dict[str, Any], tmp_path: Path, width: int
) -> None:
    report = look(gallery_url + "/", f"exhibition-index-{width}", width, tmp_path)
    assert report["siteName"] == NAME and report["title"] == NAME
    assert "dreams of faces" in report["statement"] and report["cover"] == 96
    assert report["favicon"].endswith("/static/favicon.svg")
    assert report["badges"] and all(b == "authentic" for b in report["badges"]), report[
        "badgeTexts"
    ]
    assert report["firstSection"] == "Open for donation"
    assert report["reserved"] == [f"Reserved for {OTHER.address[:6]}…{OTHER.address[-4:]}Copy"]
    assert report["copies"] >= 3  # owners, the reserved recipient, the contract
    [video] = report["animations"]
    assert video["tag"] == "video" and video["playing"] and video["muted"] and video["loop"]
    assert integer_scaled(video) or video["scale"] == "fit"
    for still in report["stills"]:
        if still["visible"]:
            assert integer_scaled(still), still
            assert still["pixelated"] == (round(still["shown"] / still["natural"]) >= 2)
    assert any("donated" in o or "given by the artist" in o for o in report["owners"])
    assert not report["overflow"], "the page scrolls sideways"


@needs_browser
@pytest.mark.parametrize("width", [1280, 390])
def test_work_page_shows_the_living_work(
    gallery_url: str, exhibition: dict[str, Any], tmp_path: Path, width: int
) -> None:
    token = exhibition["living"]["token_id"]
    report = look(
        f"{gallery_url}/work/{token_hex(token)}.html", f"exhibition-work-{width}", width, tmp_path
    )
    assert report["title"].startswith("Portrait of nobody") and report["badges"] == ["authentic"]
    # A viewer: one stage, the animation on it (no live portrait without an ONNX model), the
    # still one click away; the chain by name, the token id with a copy control.
    assert report["tabs"] == [
        {"view": "animation", "selected": True},
        {"view": "still", "selected": False},
    ]
    [video] = report["animations"]
    assert video["playing"] and video["muted"] and video["loop"] and video["natural"] == 256
    assert video["shown"] >= report["stageWidth"] * 0.8
    [still] = report["stills"]
    assert not still["visible"]
    assert report["tokenLine"].startswith("Token ") and report["tokenLine"].endswith(
        "Copy on devnet"
    )
    assert not report["overflow"]
    report = look(
        f"{gallery_url}/work/{token_hex(token)}.html",
        f"exhibition-work-still-{width}",
        width,
        tmp_path,
        view="still",
    )
    [still] = report["stills"]
    assert still["natural"] == 32 and still["visible"] and still["pixelated"]
    assert still["shown"] >= 32 * (8 if width == 1280 else 4)
    [video] = report["animations"]
    assert not video["visible"] and not video["playing"]  # hidden media pause
    assert not report["overflow"]


def test_gallery_survives_chain_down_and_up(
    gallery_url: str, exhibition: dict[str, Any], home: Path
) -> None:
    from provenance.chain.devnet import Devnet

    before = httpx.get(gallery_url + "/index.html", timeout=60)
    assert before.status_code == 200 and NAME in before.text
    devnet = Devnet(home / "devnet")
    port = devnet.info().port  # type: ignore[union-attr]
    assert run_cli("chain", "down").returncode == 0
    token = exhibition["living"]["token_id"]
    down = httpx.get(f"{gallery_url}/work/{token_hex(token)}.html", timeout=60)
    assert down.status_code in (200, 502)  # cached, or "cannot read the collection" in a line
    assert run_cli("chain", "up").returncode == 0
    assert devnet.info().port == port  # type: ignore[union-attr]
    after = httpx.get(gallery_url + "/index.html", timeout=60)
    assert after.status_code == 200 and NAME in after.text
    rpc = httpx.post(
        gallery_url + "/rpc",
        json={"jsonrpc": "2.0", "id": 1, "method": "eth_blockNumber", "params": []},
        timeout=60,
    )
    assert rpc.status_code == 200 and "result" in rpc.json()


def test_live_portrait_only_where_a_record_names_an_onnx_model(exhibition: dict[str, Any]) -> None:
    from provenance.gallery.data import collect
    from provenance.gallery.live import ort_dist_dir
    from provenance.gallery.site import render_site

    if ort_dist_dir() is None:
        pytest.skip("onnxruntime-web is not installed (npm ci)")
    collection = open_session()
    data = collect(collection, collection.store)
    living = next(w for w in data.works if w.token_id == exhibition["living"]["token_id"])
    assert living.generator is not None
    living.generator = {**living.generator, "onnx": {"cid": living.image_cid, "sha256": "ab" * 32}}
    files = render_site(data, "http://127.0.0.1:1")
    live_page = files[f"work/{living.hex_id}.html"].decode()
    assert "data-live-portrait" in live_page and 'data-seed="4"' in live_page
    assert "script-src &#x27;self&#x27; &#x27;wasm-unsafe-eval&#x27;" in live_page
    # The screen runs the same generator (WebAssembly) because this work names one.
    live_pages = {f"work/{living.hex_id}.html", "screen/index.html"}
    assert b"wasm-unsafe-eval" in files["screen/index.html"]
    for name, body in files.items():
        if name.endswith(".html") and name not in live_pages:
            assert b"wasm-unsafe-eval" not in body and b"data-live-portrait" not in body, name
    assert {"static/live-portrait.js", "static/screen.js", "static/app.js"} <= files.keys()
    assert any(name.startswith("static/ort/") and name.endswith(".wasm") for name in files)
    # Without it, the screen shows the works' animations and stills: no WebAssembly.
    living.generator = {k: v for k, v in living.generator.items() if k != "onnx"}
    plain = render_site(data, "http://127.0.0.1:1")
    assert b"wasm-unsafe-eval" not in plain["screen/index.html"]


@needs_browser
def test_static_build_works_from_another_host(
    exhibition: dict[str, Any], home: Path, tmp_path: Path
) -> None:
    """`gallery build -o DIR --rpc-url URL --gateway URL` served by a plain static server on its
    own port, the gateway being `provenance ipfs serve`: the works are shown and checked."""
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

    from provenance.ipfs import Blockstore
    from provenance.ipfs.server import make_server

    site = tmp_path / "site"
    gateway = make_server(Blockstore.open(home / "ipfs" / "blocks"), port=0)
    serve_in_thread(gateway)
    handler = type(
        "Site",
        (SimpleHTTPRequestHandler,),
        {
            "log_message": lambda *a: None,
            "__init__": lambda self, *a, **k: SimpleHTTPRequestHandler.__init__(
                self, *a, directory=str(site), **k
            ),
        },
    )
    web = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    serve_in_thread(web)
    try:
        gateway_url = f"http://127.0.0.1:{gateway.server_address[1]}"
        opened = open_session()
        rpc_url = opened.chain.rpc.url
        built = ok(
            "gallery",
            "build",
            "-o",
            str(site),
            "--rpc-url",
            rpc_url,
            "--contract",
            opened.contract.address,
            "--gateway",
            gateway_url,
        )
        assert built["works"] == 2
        assert (site / "static/favicon.svg").is_file() and (site / "cover.png").is_file()
        url = f"http://127.0.0.1:{web.server_address[1]}/index.html"
        report = look_from(url, "exhibition-static-index", tmp_path, {gateway_url, rpc_url})
        assert report["siteName"] == NAME and report["cover"] == 96
        assert report["badges"] and all(b == "authentic" for b in report["badges"]), report[
            "badgeTexts"
        ]
        [video] = report["animations"]
        assert video["playing"]
    finally:
        for server in (web, gateway):
            server.shutdown()
            server.server_close()


def look_from(url: str, name: str, tmp_path: Path, allowed: set[str]) -> dict[str, Any]:
    result = subprocess.run(
        ["node", str(SCRIPT), url, str(ARTIFACTS / f"{name}.png"), str(tmp_path / name), "1280"],
        capture_output=True,
        text=True,
        timeout=180,
        cwd=ROOT,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    report: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    foreign = [r for r in report["foreign"] if not any(r.startswith(a) for a in allowed)]
    assert foreign == [] and report["errors"] == [], report
    return report


@needs_browser
@pytest.mark.parametrize("width", [1280, 390])
def test_offer_page_says_who_it_is_reserved_for(
    gallery_url: str, exhibition: dict[str, Any], tmp_path: Path, width: int
) -> None:
    offer = exhibition["reserved"]["id"]
    report = look(f"{gallery_url}/offer/{offer}.html", f"exhibition-offer-{width}", width, tmp_path)
    assert report["title"].startswith("For a friend") and report["badges"] == ["authentic"]
    [still] = report["stills"]
    assert integer_scaled(still) and still["pixelated"]
    assert not report["overflow"]


@needs_browser
def test_the_screen_falls_back_to_animations_then_stills(
    gallery_url: str, exhibition: dict[str, Any], tmp_path: Path
) -> None:
    """No work here names a generator: the screen plays the minted animation (drawn on its
    canvas, which changes) and shows the stills."""
    result = subprocess.run(
        ["node", str(ROOT / "tests/js/screen_check.mjs")],
        input=json.dumps(
            {
                "url": f"{gallery_url}/screen/?dwell=3",
                "profile": str(tmp_path / "profile"),
                "width": 1280,
                "height": 720,
                "seconds": 10,
                "sample": 0.5,
            }
        ),
        capture_output=True,
        text=True,
        timeout=240,
        cwd=ROOT,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    samples = report["samples"]
    modes = {s["title"]: s["mode"] for s in samples}
    assert len(modes) == 3 and modes.pop("Portrait of nobody") == "animation", modes
    assert set(modes.values()) == {"still"}, modes  # the still life and the open offer
    moving = [s["hash"] for s in samples if s["mode"] == "animation"]
    assert len(set(moving)) > 1  # the animation plays on the canvas
    # `gallery serve` without a public URL: the QR codes name the server's own address.
    assert all(s["qr"].startswith(gallery_url + "/") for s in samples)
    assert all(len(s["qrShown"]) == 1 for s in samples)
    assert not report["overflow"] and report["cursor"] == "none"
