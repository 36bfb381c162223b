"""Security review, round three: bad input that ended in exit 70 or did the wrong thing quietly.
Each is one line on stderr, the documented exit status, and nothing written or sent."""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest

from provenance.chain.accounts import dev_accounts

from .conftest import make_artwork, one_line_error, run_cli

DONOR = dev_accounts(2)[1].address


@pytest.fixture(scope="module")
def devnet(home: Path) -> Path:
    up = run_cli("chain", "up")
    assert up.returncode == 0, up.stderr
    return home


@pytest.fixture()
def art(tmp_path: Path) -> Path:
    return make_artwork(tmp_path / "ART.png", seed=secrets.randbelow(10**9))


def minted_count() -> int:
    listed = run_cli("tokens", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    return listed.stdout.count('"token_id"')


def test_offer_never_overwrites_a_file_it_did_not_create(devnet: Path, art: Path) -> None:
    artwork = art.read_bytes()
    offers = devnet / "offers"
    before = sorted(offers.glob("*")) if offers.is_dir() else []
    # -o ART.json puts the QR code at ART.png: the artwork itself.
    result = run_cli(
        "offer", str(art), "--min-donation", "1gwei", "-o", str(art.with_suffix(".json"))
    )
    assert result.returncode == 2, result.stderr
    line = one_line_error(result.stderr)
    assert str(art) in line and "--qr-png" in line
    assert art.read_bytes() == artwork and not art.with_suffix(".json").exists()
    assert (sorted(offers.glob("*")) if offers.is_dir() else []) == before  # nothing signed
    # Nor an existing offer file, nor an existing --qr-png.
    notes = art.parent / "notes.txt"
    notes.write_text("mine")
    for extra in (["-o", str(notes)], ["-o", str(art.parent / "o.json"), "--qr-png", str(notes)]):
        result = run_cli("offer", str(art), "--min-donation", "1gwei", *extra)
        assert result.returncode == 2 and str(notes) in one_line_error(result.stderr)
        assert notes.read_text() == "mine" and not (art.parent / "o.json").exists()
    # A fresh pair of names works, and the QR code is a PNG beside the offer.
    made = run_cli("offer", str(art), "--min-donation", "1gwei", "-o", str(art.parent / "o.json"))
    assert made.returncode == 0, made.stderr
    assert (art.parent / "o.png").read_bytes().startswith(b"\x89PNG")
    assert art.read_bytes() == artwork
