"""A batch stores exactly what ``mint`` would: the same image CIDs, metadata bytes, fingerprints
and ISCC codes, whatever the batch does to be fast (one decode a work, block files written once,
the window's sync off the staging thread).

The works cover what a decoder and the fingerprint's conversions treat differently: RGB, RGBA
with transparency, grey, palette and 16-bit PNGs, a JPEG whose EXIF orientation turns it, a
lossless WebP, a PNG carrying a generation record, a title and description in several scripts.
Their metadata digests are pinned: they were computed by the toolkit before the batch was made
faster (commit ab04717) and must never change for the same inputs, since they are what the
tokens of earlier batches commit to.
"""

from __future__ import annotations

import csv
import hashlib
import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from provenance.chain.accounts import dev_accounts
from provenance.content.metadata import canonical_json
from provenance.content.token import token_spec
from provenance.ipfs import Blockstore
from provenance.ipfs.cid import raw_cid_for_sha256

from .conftest import run_cli

DONOR = dev_accounts(2)[1].address

# sha256 of each work's metadata, as `mint-batch` stored it at commit ab04717 (before the batch's
# staging was reworked), for the works `make_works` writes.
PINNED = {
    "rgb.png": "4b4cdff47761bcb7b7c93be199472dced59dfaff0c29ab3a1c18fa297d24e453",
    "rgba.png": "eab5c8ac95de4c8989080fde6fc67ce4d49cdbbc28057dfbe993ac1182a77b56",
    "grey.png": "72ce561a25c844ba84b91c8b119f7212a2000a0081ce8c6cca497de8efcedbaf",
    "palette.png": "cd6fa363e46dc277efaa8eeee363f31ad1d68d6c65743d1aa4833d188a7c9c50",
    "deep.png": "fa8134953e538e1215d06303ddfc3cfe0f752fa54a08936dadf675db20ddb19b",
    "turned.jpg": "658cdafdf0f2e3263783a433fd4d0bf299eac63a7c8c41c482a1cb473c1b7526",
    "lossless.webp": "ba9cbf7e5e31adc74aa3004b323a4c2845483e29814e6897aa90e3f53bf60af0",
    "generated.png": "b9d1623fa27864ec94550042a26f5656c86ddb63b490d57863220ed9f01bbb56",
}


def make_works(folder: Path) -> Path:
    """The works above (deterministic pixels) and their donors.csv; returns the CSV."""
    rng = np.random.default_rng(22)
    rgb = rng.integers(0, 256, (40, 56, 3), dtype=np.uint8)
    Image.fromarray(rgb).save(folder / "rgb.png")
    rgba = np.dstack([rgb, rng.integers(0, 256, (40, 56), dtype=np.uint8)])
    rgba[:10, :, 3] = 0  # a fully transparent band: composited onto white for the ISCC
    Image.fromarray(rgba, "RGBA").save(folder / "rgba.png")
    Image.fromarray(rgb[:, :, 0]).save(folder / "grey.png")
    Image.fromarray(rgb).quantize(16).save(folder / "palette.png")
    deep = (rng.integers(0, 65536, (33, 47), dtype=np.uint16)).astype(np.int32)
    Image.fromarray(deep, "I").convert("I;16").save(folder / "deep.png")
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90 degrees clockwise to show it
    Image.fromarray(rgb).save(folder / "turned.jpg", quality=90, exif=exif)
    Image.fromarray(rgb[::-1]).save(folder / "lossless.webp", lossless=True)
    from gan.pngrecord import make_record, write_png

    write_png(rgb[:32, :32], folder / "generated.png", make_record("3" * 64, 7))
    donors = folder / "donors.csv"
    with donors.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["artwork", "donor", "name", "description"])
        for name in PINNED:
            writer.writerow([name, DONOR, f"Étude {name} — 習作 🎨", 'line one\nline "two"\t\\'])
    return donors


def test_a_batch_stores_what_mint_would_byte_for_byte(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from provenance.content import iscc_image

    # The reference below is the plain-Python ISCC of a single mint (the batch, in its own
    # process, uses numpy): whatever another test switched on in this process.
    monkeypatch.setattr(iscc_image, "_numpy", None)
    folder = tmp_path / "works"
    folder.mkdir()
    donors = make_works(folder)
    assert run_cli("chain", "up").returncode == 0
    result = run_cli("mint-batch", str(folder), "--donors", str(donors), "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["minted"] == len(PINNED), report
    store = Blockstore.open(home / "ipfs" / "blocks")
    pins = set(store.pins())
    for row in report["rows"]:
        name = Path(row["artwork"]).name
        data = (folder / name).read_bytes()
        image_cid = raw_cid_for_sha256(hashlib.sha256(data).digest())
        metadata = _stored_metadata(home, row["token_id"], store)
        doc = json.loads(metadata)
        # The reference: the metadata a single `mint` builds, its fingerprint from the file's
        # bytes by the plain-Python ISCC (checked against iscc-core in tests/test_iscc_image.py).
        reference = token_spec(folder / name, name=doc["name"], description=doc["description"])
        expected = canonical_json(reference.metadata(image_cid=image_cid, donor=DONOR))
        assert metadata == expected, name
        assert hashlib.sha256(metadata).hexdigest() == PINNED[name], name
        assert store.cat(image_cid) == data, name
        assert {image_cid, raw_cid_for_sha256(hashlib.sha256(metadata).digest())} <= pins
    # Every block file holds the bytes its name promises (a block written in place is whole).
    for path in (home / "ipfs" / "blocks").rglob("*.data"):
        assert path.stat().st_mode & 0o222 == 0, path  # blocks are read-only, as before
    assert not list((home / "ipfs" / "blocks").rglob("*.tmp"))


def _stored_metadata(home: Path, token_id: int, store: Blockstore) -> bytes:
    from provenance.chain.network import connect, resolve_contract

    contract = resolve_contract(connect(start=False), deploy_if_missing=False)
    digest = contract.record_of(token_id).metadata_digest
    return store.cat(raw_cid_for_sha256(digest))
