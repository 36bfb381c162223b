"""Hostile tokens on a real anvil (issue 12 items 2, 3, 6, 7, 8): a minter can put any bytes
behind a token. ``verify`` answers a failed check for each, and ``gallery build`` shows that token
with one sentence; nothing exits 70, nothing decodes a bomb, no escape sequence reaches stdout."""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from provenance.chain.accounts import dev_accounts
from provenance.chain.token_id import short_token, token_hex
from provenance.content.metadata import CONTENT_PROFILE, build_metadata, canonical_json
from provenance.ipfs import Blockstore, add_bytes
from provenance.untrusted import UntrustedDataError, load_json
from tests.adversarial.test_hostile_images import png_header_only

from .conftest import run_cli

DONOR = dev_accounts(2)[1].address


def _png(
    seed: int, size: tuple[int, int] = (32, 24), fmt: str = "PNG", record: str | None = None
) -> bytes:
    from PIL.PngImagePlugin import PngInfo

    out = io.BytesIO()
    info = PngInfo()
    if record is not None:
        info.add_itxt("provenance", record)
    Image.new("RGB", size, (seed % 256, 7, 99)).save(out, fmt, pnginfo=info)
    return out.getvalue()


def mint_raw(
    home: Path, metadata: bytes, image: bytes, *, sealed_message: bytes | None = None
) -> int:
    """Mint a token straight through the contract, as a hostile minter would: ``metadata`` and
    ``image`` go into the home's blockstore as they are; the event carries ``sealed_message``
    (by default the metadata's envelope, canonical, or nothing)."""
    from provenance.chain.network import connect, resolve_contract, signer
    from provenance.chain.tx import Sender

    store = Blockstore.open(home / "ipfs" / "blocks")
    add_bytes(metadata, store=store, params=CONTENT_PROFILE)
    add_bytes(image, store=store, params=CONTENT_PROFILE)
    if sealed_message is None:
        try:
            value = load_json(metadata, max_bytes=len(metadata), max_depth=16)
            envelope = value["provenance"].get("sealed_message")
        except (UntrustedDataError, KeyError, TypeError, AttributeError):
            envelope = None
        sealed_message = canonical_json(envelope) if envelope is not None else b""
    chain = connect()
    contract = resolve_contract(chain)
    sender = Sender(chain.rpc, signer(chain), chain_id=chain.chain_id)
    receipt = sender.transact(
        to=contract.address,
        data=contract.mint_calldata(
            to=DONOR,
            metadata_digest=hashlib.sha256(metadata).digest(),
            image_digest=hashlib.sha256(image).digest(),
            sealed_message=sealed_message,
        ),
    )
    return int(contract.minted_from_receipt(receipt).args["tokenId"])


def metadata_for(content: bytes, **fields: Any) -> dict[str, Any]:
    """Honest metadata for ``content`` (a PNG unless ``mime`` says otherwise), then ``fields``
    overriding the top level or, under ``provenance``/``image``, the record's parts."""
    with Image.open(io.BytesIO(content)) as opened:
        width, height = opened.size
    cid = str(add_bytes(content, params=CONTENT_PROFILE).cid)
    value = build_metadata(
        name=fields.pop("name", "hostile"),
        description="",
        image_cid=cid,
        image_sha256=hashlib.sha256(content).digest(),
        mime="image/png",
        size=len(content),
        width=width,
        height=height,
        donor=DONOR,
    )
    value["provenance"].update(fields.pop("provenance", {}))
    value["provenance"]["image"].update(fields.pop("image", {}))
    value.update(fields)
    return value


def verify(token_id: int, *extra: str) -> tuple[int, dict[str, Any], str]:
    result = run_cli("verify", str(token_id), "--json", *extra)
    assert result.returncode in (0, 1), result.stderr
    report = json.loads(result.stdout)
    details = {c["name"]: c for c in report["checks"]}
    return result.returncode, details, result.stderr


NESTED = b"[" * 120_000 + b"]" * 120_000  # 240 KB, valid JSON, one raw block


def test_nested_metadata_is_a_failed_check_not_a_crash(home: Path) -> None:
    token = mint_raw(home, NESTED, b"not an image 1")
    code, checks, _ = verify(token)
    assert code == 1
    assert checks["metadata"]["ok"] is False
    assert "nests 120000 levels deep" in checks["metadata"]["detail"]


def test_gallery_build_shows_a_bad_token_and_every_other(home: Path, tmp_path: Path) -> None:
    good = _png(5)
    honest = mint_raw(home, canonical_json(metadata_for(good, name="the honest one")), good)
    bad = mint_raw(home, NESTED + b" ", b"not an image 2")
    out = tmp_path / "site"
    result = run_cli("gallery", "build", "-o", str(out))
    assert result.returncode == 0, result.stderr
    pages = "".join(p.read_text() for p in out.rglob("*.html"))
    assert "the honest one" in pages
    bad_pages = [p for p in out.rglob("*.html") if f"Token {short_token(bad)}" in p.read_text()]
    assert bad_pages, f"token {bad} has no page"
    assert honest != bad
    # `gallery serve` keeps serving every page while that token exists.
    import os
    import subprocess
    import sys

    import httpx

    server = subprocess.Popen(
        [sys.executable, "-m", "provenance", "gallery", "serve", "--port", "0", "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=os.environ.copy(),
        text=True,
    )
    try:
        assert server.stdout is not None
        lines: list[str] = []
        while not lines or lines[-1] != "}\n":  # emit_json's document, then the server runs
            lines.append(server.stdout.readline())
            assert lines[-1], "gallery serve ended before it printed its URL"
        url = json.loads("".join(lines))["url"]
        index = httpx.get(url, timeout=60)
        assert index.status_code == 200 and "the honest one" in index.text
        page = httpx.get(f"{url}work/{token_hex(honest)}.html", timeout=60)
        assert page.status_code == 200 and "the honest one" in page.text
        broken = httpx.get(f"{url}work/{token_hex(bad)}.html", timeout=60)
        assert broken.status_code == 200 and "metadata unavailable" in broken.text
    finally:
        server.terminate()
        server.wait(10)


@pytest.mark.parametrize(
    "envelope",
    [
        {"version": "secp256k1-ecies", "ciphertext": "not base64!!"},
        {"version": "rot13", "ciphertext": "QUFB"},
        "a string envelope",
        ["secp256k1-ecies"],
        7,
    ],
    ids=["bad-base64", "unknown-version", "string", "list", "number"],
)
def test_a_garbage_envelope_fails_the_sealed_message_check(home: Path, envelope: Any) -> None:
    image = _png(sum(json.dumps(envelope).encode()))
    metadata = metadata_for(image, provenance={"sealed_message": envelope})
    token = mint_raw(home, canonical_json(metadata), image)
    code, checks, _ = verify(token)
    assert code == 1
    assert checks["sealed-message"]["ok"] is False
    assert "envelope is not valid" in checks["sealed-message"]["detail"]


@pytest.mark.parametrize(("width", "height"), [(20_000, 20_000), (13_000, 13_000)])
def test_an_image_bomb_is_a_failed_check(home: Path, width: int, height: int) -> None:
    bomb = png_header_only(width, height)
    cid = str(add_bytes(bomb, params=CONTENT_PROFILE).cid)
    metadata = metadata_for(
        _png(1), image={"cid": cid, "sha256": hashlib.sha256(bomb).hexdigest(), "size": len(bomb)}
    )
    metadata["image"] = f"ipfs://{cid}"
    metadata["provenance"]["image"].update(width=width, height=height)
    token = mint_raw(home, canonical_json(metadata), bomb)
    code, checks, _ = verify(token)
    assert code == 1
    assert checks["image"]["ok"] is False
    assert "more than the 89478485 allowed" in checks["image"]["detail"]


def test_declared_type_and_size_are_held_to_the_image(home: Path) -> None:
    jpeg = _png(3, size=(40, 30), fmt="JPEG")
    metadata = metadata_for(jpeg, image={"mime": "image/png", "width": 4096, "height": 4096})
    token = mint_raw(home, canonical_json(metadata), jpeg)
    code, checks, _ = verify(token)
    assert code == 1
    detail = checks["image"]["detail"]
    assert "mime: declared 'image/png', the image has image/jpeg" in detail
    assert "width: declared 4096, the image has 40" in detail
    assert "height: declared 4096, the image has 30" in detail


def test_untrusted_text_is_shown_inert(home: Path) -> None:
    hostile = "[/]\x1b[2J\x1b]8;;http://evil.example/\x07click\x1b]8;;\x07[bold]x"
    generator = {"model": {"sha256": "[/]\x1b]8;;h\x07\x1b[2J"}, "seed": 1, "code": "[/]"}
    image = _png(77, record=json.dumps(generator))
    metadata = metadata_for(image, name=hostile, provenance={"generator": generator})
    token = mint_raw(home, canonical_json(metadata), image)
    result = run_cli("verify", str(token))
    assert result.returncode == 0, result.stderr  # consistent, only hostile to a terminal
    assert "model sha256 [/]..., seed 1" in result.stdout
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout
    assert "internal error" not in result.stderr
    shown = run_cli("tokens", "list")
    assert shown.returncode == 0, shown.stderr
    assert "\x1b" not in shown.stdout


@pytest.mark.parametrize("option", ["--gateway", "--kubo-api"])
def test_verify_evidence_names_no_credentials(home: Path, option: str) -> None:
    image = _png(200 + len(option))
    token = mint_raw(home, canonical_json(metadata_for(image)), image)
    url = "http://reader:hunter2@127.0.0.1:9/sekrit-path/?token=sekrit-token"
    for extra in (("--json",), ()):
        result = run_cli("verify", str(token), option, url, *extra)
        assert result.returncode == 4, result.stderr  # unreachable content: could not check
        shown = result.stdout + result.stderr
        assert "127.0.0.1:9" in shown
        for secret in ("hunter2", "sekrit"):
            assert secret not in shown


@pytest.mark.parametrize(
    "sealed",
    [
        b"[" * 100_000 + b"]" * 100_000,  # a nesting bomb in the mint event
        b'{"version":"secp256k1-ecies","ciphertext":"not base64!!"}',
        b'"a string envelope"',
        b"\xff\xfe garbage",
    ],
    ids=["bomb", "bad-base64", "string", "garbage"],
)
def test_a_garbage_envelope_in_the_mint_event_fails_the_check(
    home: Path, tmp_path: Path, sealed: bytes
) -> None:
    """Issue 12 item 6, event bytes: an open offer redeemed straight through the contract with
    hostile bytes as its sealed message (the contract takes any bytes)."""
    from provenance.chain.network import connect, resolve_contract, signer
    from provenance.chain.tx import Sender
    from provenance.content.offer import load_offer

    art = tmp_path / "event.png"
    art.write_bytes(_png(sum(sealed[:64]) + len(sealed)))
    path = tmp_path / "offer.json"
    made = run_cli("offer", str(art), "--min-donation", "1gwei", "-o", str(path))
    assert made.returncode == 0, made.stderr
    offer = load_offer(path)
    chain = connect()
    contract = resolve_contract(chain)
    sender = Sender(chain.rpc, signer(chain), chain_id=chain.chain_id)
    receipt = sender.transact(
        to=contract.address,
        data=contract.abi.encode_call("redeem", offer.voucher.as_tuple(), offer.signature, sealed),
        value=offer.voucher.min_donation,
    )
    token = int(contract.minted_from_receipt(receipt).args["tokenId"])
    code, checks, _ = verify(token)
    assert code == 1
    assert checks["sealed-message"]["ok"] is False
    assert "not a canonical envelope" in checks["sealed-message"]["detail"]
