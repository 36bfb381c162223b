"""Issue 21: anyone, anywhere, gets the right answer about a work.

The artist mints on a real anvil and serves the gallery; a checker on another machine (a fresh
PROVENANCE_HOME) verifies the file by ``--gallery URL`` alone; copies are named as copies (same
pixels, resized JPEG, light crop, same model and seed) and a different picture is no copy; an
unreachable gateway is "could not check" (exit 4); a text file is bad input (exit 2); read-only
commands on an empty home exit 3, start nothing and create nothing."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from provenance.chain.accounts import dev_accounts
from provenance.workflows.session import open_session

from .conftest import invoke, one_line_error, run_cli

DONOR = dev_accounts(2)[1].address
MODEL = "ab" * 32
MESSAGE = "Merci — from far away ✨"


def _picture(seed: int, size: int = 96) -> np.ndarray[Any, Any]:
    """A smooth picture (blobs of colour), as a GAN work is: perceptual codes see its shapes."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:size, 0:size] / size
    image = np.zeros((size, size, 3))
    for _ in range(6):
        cx, cy, r = rng.random(3) * [1, 1, 0.3] + [0, 0, 0.1]
        blob = np.exp(-((x - cx) ** 2 + (y - cy) ** 2) / r**2)
        image += blob[..., None] * rng.random(3)
    return (255 * image / image.max()).astype(np.uint8)


@pytest.fixture(scope="module")
def artist(home: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    from gan.pngrecord import make_record, write_png

    folder = tmp_path_factory.mktemp("art")
    art = folder / "art.png"
    write_png(_picture(1), art, make_record(MODEL, 7))
    from eth_keys.datatypes import PrivateKey

    pubkey = str(PrivateKey(bytes(dev_accounts(2)[1].key)).public_key.to_hex())
    minted = invoke(
        "mint", str(art), "--donor", DONOR, "--message", MESSAGE, "--donor-pubkey", pubkey, "--json"
    )
    assert minted.exit_code == 0, minted.output
    # A token minted before fingerprints were recorded: its metadata has none, so the gallery's
    # copy index computes its codes from the image (hash-checked against the chain).
    from provenance.content.metadata import canonical_json

    from .test_hostile_tokens import metadata_for, mint_raw

    older = io.BytesIO()
    Image.fromarray(_picture(3)).save(older, "PNG")
    old_token = mint_raw(home, canonical_json(metadata_for(older.getvalue())), older.getvalue())
    from provenance.gallery import make_gallery_server

    server = make_gallery_server(open_session(), port=0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield {
            "art": art,
            "folder": folder,
            "short": json.loads(minted.stdout)["token_hex"][2:10],
            "older": older.getvalue(),
            "older_short": f"{old_token:064x}"[:8],
            "url": f"http://127.0.0.1:{server.server_address[1]}/",
        }
    finally:
        server.shutdown()
        server.server_close()


def _fresh(tmp_path: Path, *args: str) -> tuple[int, str, str]:
    """The CLI in a fresh home, as a journalist on another machine runs it."""
    result = run_cli(*args, env={"PROVENANCE_HOME": str(tmp_path / "fresh")})
    return result.returncode, result.stdout, result.stderr


def test_a_file_and_its_copies_checked_from_a_fresh_home(
    artist: dict[str, Any], tmp_path: Path
) -> None:
    url, short, folder = artist["url"], artist["short"], artist["folder"]
    original = Image.open(artist["art"])
    code, out, err = _fresh(tmp_path, "verify", str(artist["art"]), "--gallery", url, "--json")
    assert code == 0, (out, err)
    report = json.loads(out)
    assert report["outcome"] == "authentic" and report["collection"].endswith("provenance.json")
    assert all(c["ok"] is not False for c in report["checks"])
    fresh = tmp_path / "fresh"
    # Nothing was started or deployed for the checker: no devnet, only the copy-index cache.
    assert not (fresh / "devnet").exists() and not (fresh / "deployments.json").exists()

    resaved = folder / "resaved.png"
    original.save(resaved, compress_level=1)  # same pixels, other bytes (a messenger app)
    jpeg = folder / "resized.jpg"
    original.convert("RGB").resize((384, 384), Image.Resampling.BICUBIC).save(jpeg, quality=85)
    cropped = folder / "cropped.png"
    w, h = original.size
    original.crop((2, 2, w - 2, h - 2)).save(cropped)
    from gan.pngrecord import make_record, write_png

    reseeded = folder / "same-seed.png"  # other pixels (another platform), the same record
    write_png(_picture(1)[::-1].copy(), reseeded, make_record(MODEL, 7))
    expected = {
        resaved: f"a copy of token {short} with identical pixels; its bytes differ, so it is"
        " not the minted file",
        jpeg: f"looks like token {short} (perceptual distance",
        cropped: f"looks like token {short} (perceptual distance",
        reseeded: f"generated from the model and seed (7) of token {short}",
    }
    for path, sentence in expected.items():
        code, out, err = _fresh(tmp_path, "verify", str(path), "--gallery", url)
        assert code == 1, (path.name, out, err)
        assert sentence in out, (path.name, out)
    older = folder / "older-resaved.png"
    Image.open(io.BytesIO(artist["older"])).save(older, compress_level=9, optimize=True)
    code, out, _ = _fresh(tmp_path, "verify", str(older), "--gallery", url)
    assert code == 1 and f"a copy of token {artist['older_short']} with identical pixels" in out
    other = folder / "other.png"
    Image.fromarray(_picture(2)).save(other)
    code, out, _ = _fresh(tmp_path, "verify", str(other), "--gallery", url, "--json")
    assert code == 1
    assert "kind" not in json.loads(out)["copy"], out  # a different picture copies nothing


def test_the_donor_reads_the_message_by_the_gallery_alone(
    artist: dict[str, Any], tmp_path: Path
) -> None:
    result = run_cli(
        "decrypt",
        artist["short"],
        "--gallery",
        artist["url"],
        "--private-key-env",
        "K",
        env={
            "PROVENANCE_HOME": str(tmp_path / "donor"),
            "K": "0x" + bytes(dev_accounts(2)[1].key).hex(),
        },
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == MESSAGE
    assert not (tmp_path / "donor" / "devnet").exists()


def test_unreachable_content_is_could_not_check(artist: dict[str, Any], tmp_path: Path) -> None:
    code, out, err = _fresh(
        tmp_path,
        "verify",
        str(artist["art"]),
        "--gallery",
        artist["url"],
        "--gateway",
        "http://127.0.0.1:9",
    )
    assert code == 4, (out, err)
    assert "could not check" in err and "NOT" not in out
    code, _, err = _fresh(
        tmp_path, "verify", str(artist["art"]), "--gallery", "http://127.0.0.1:9/"
    )
    assert code == 4 and "could not check" in one_line_error(err)
    contract = "0x5FbDB2315678afecb367f032d93F642f64180aa3"
    code, _, err = _fresh(
        tmp_path,
        "verify",
        str(artist["art"]),
        "--rpc-url",
        "http://127.0.0.1:9",
        "--contract",
        contract,
    )  # the chain itself down: no verdict either
    assert code == 4 and one_line_error(err).startswith("Error: could not check: cannot reach")


def test_a_text_file_is_bad_input(artist: dict[str, Any], tmp_path: Path) -> None:
    note = tmp_path / "note.txt"
    note.write_text("not a picture\n")
    code, out, err = _fresh(tmp_path, "verify", str(note), "--gallery", artist["url"])
    assert code == 2 and out == ""
    assert "not an image" in one_line_error(err)


@pytest.mark.parametrize(
    "args",
    [
        ("verify", "3f2a91c0"),
        ("decrypt", "3f2a91c0", "--private-key-env", "K"),
        ("tokens", "list"),
        ("donations",),
        ("offer", "list"),
        ("gallery", "build", "-o", "{out}"),
        ("gallery", "serve", "--port", "0"),
    ],
)
def test_read_only_commands_on_an_empty_home_start_nothing(
    tmp_path: Path, args: tuple[str, ...]
) -> None:
    home = tmp_path / "empty"
    filled = [a.replace("{out}", str(tmp_path / "site")) for a in args]
    result = run_cli(
        *filled, env={"PROVENANCE_HOME": str(home), "K": "0x" + "11" * 32, "PROVENANCE_RPC_URL": ""}
    )
    assert result.returncode == 3, (result.stdout, result.stderr)
    line = one_line_error(result.stderr)
    assert "--gallery" in line and "--contract" in line
    assert not home.exists() or not any(home.iterdir()), list(home.iterdir())
    assert not (tmp_path / "site").exists()
    # No anvil (or anything else) runs with this home in its command line.
    running = subprocess.run(["pgrep", "-f", str(home)], capture_output=True, check=False)
    assert running.returncode == 1, running.stdout


def test_the_benchmark_runs_in_smoke_mode() -> None:
    from ..conftest import ROOT

    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts/bench_verify_gallery.py"), "--smoke"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={k: v for k, v in os.environ.items() if k != "PROVENANCE_HOME"},
    )
    assert result.returncode == 0, result.stderr
    figures = json.loads(result.stdout)
    assert figures["works"] == 8 and figures["copy_index_bytes"] > 0
    assert figures["fresh_home_copy_lookup_after_index_load_s"] > 0
