from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import rfc8785
from PIL import Image

from gan.errors import ModelFileError
from gan.pngrecord import make_record, write_png
from gan.regenerate import regenerate_and_compare
from gan.sample import generate, load_model


def test_generation_is_deterministic(trained_run: Path) -> None:
    model = load_model(trained_run)
    a = generate(model, 42)
    b = generate(load_model(model.export.path), 42)
    assert a.dtype == np.uint8 and a.shape == (32, 32, 3)
    assert np.array_equal(a, b)
    assert not np.array_equal(a, generate(model, 43))
    t = generate(model, 42, truncation=0.5)
    assert np.array_equal(t, generate(model, 42, truncation=0.5))


def test_png_record_round_trips_through_pillow(tmp_path: Path, trained_run: Path) -> None:
    model = load_model(trained_run)
    record = make_record(model.export.sha256, 7, truncation=0.7, cid="bafkreitest")
    out = tmp_path / "art.png"
    write_png(generate(model, 7, truncation=0.7), out, record)
    with Image.open(out) as img:
        text = img.text["provenance"]
    assert json.loads(text) == record
    assert text.encode() == rfc8785.dumps(record)  # stored canonically
    assert set(record) == {"model", "seed", "truncation", "code"}
    assert record["model"] == {"sha256": model.export.sha256, "cid": "bafkreitest"}

    result = regenerate_and_compare(out, trained_run)
    assert result.match and result.max_abs_diff == 0 and result.record == record

    pixels = np.asarray(Image.open(out).convert("RGB")).copy()
    pixels[3, 4, 0] ^= 0x10
    tampered = tmp_path / "tampered.png"
    write_png(pixels, tampered, record)
    bad = regenerate_and_compare(tampered, trained_run)
    assert not bad.match and bad.max_abs_diff == 16


def test_bad_model_file(tmp_path: Path) -> None:
    junk = tmp_path / "model.msgpack"
    junk.write_bytes(b"\x00not a model")
    with pytest.raises(ModelFileError):
        load_model(junk)
    with pytest.raises(ModelFileError):
        load_model(tmp_path)  # a folder without exports
