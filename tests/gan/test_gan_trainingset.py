"""Training-set provenance: the export and every artwork's record carry the CID of the photographs
(as `provenance ipfs add -r` computes it), how many were used and how they were prepared."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from click.testing import CliRunner
from PIL import Image

from gan.export import read_export
from gan.pngrecord import read_record
from gan.regenerate import regenerate_and_compare
from provenance.cli import cli


def test_training_set_travels_from_photos_to_artwork(tmp_path: Path) -> None:
    photos = tmp_path / "photos"
    (photos / "day2").mkdir(parents=True)
    rng = np.random.default_rng(1)
    for name in ("a.png", "b.jpg", "day2/c.png"):
        Image.fromarray(rng.integers(0, 255, (48, 40, 3), dtype=np.uint8)).save(photos / name)
    (photos / "day2" / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\nbroken")
    run = tmp_path / "run"
    runner = CliRunner()
    trained = runner.invoke(
        cli,
        ["gan", "train", "--data", str(photos), "--steps", "2", "--width", "4"]
        + ["--batch-size", "2", "--out", str(run), "--json"],
    )
    assert trained.exit_code == 0, trained.output
    training = json.loads(trained.stdout)["training"]

    added = runner.invoke(cli, ["ipfs", "add", "-r", "--only-hash", "--json", str(photos)])
    assert added.exit_code == 0, added.output
    assert training == {
        "source": "folder",
        "cid": json.loads(added.stdout)["cid"],
        "cid_profile": "unixfs-v1-2025",
        "images": 3,
        "skipped": 1,
        "preprocessing": {"resolution": 32, "crop": "centre"},
    }
    assert read_export(run).training == training

    art = tmp_path / "art.png"
    made = runner.invoke(
        cli, ["gan", "generate", "--model", str(run), "--seed", "4", "-o", str(art)]
    )
    assert made.exit_code == 0, made.output
    record, _ = read_record(art)
    assert record["training"] == training
    assert regenerate_and_compare(art, run).match
