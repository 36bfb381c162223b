from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import rfc8785
from PIL import Image

from gan.errors import ModelFileError
from gan.pngrecord import make_record, write_png
from gan.regenerate import MAX_LEVEL_DIFF, regenerate_and_compare
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
    assert result.match and result.max_abs_diff <= MAX_LEVEL_DIFF and result.record == record

    pixels = np.asarray(Image.open(out).convert("RGB")).copy()
    pixels[3, 4, 0] ^= 0x10
    tampered = tmp_path / "tampered.png"
    write_png(pixels, tampered, record)
    bad = regenerate_and_compare(tampered, trained_run)
    assert not bad.match and bad.max_abs_diff >= 16 - MAX_LEVEL_DIFF


def test_bad_model_file(tmp_path: Path) -> None:
    junk = tmp_path / "model.msgpack"
    junk.write_bytes(b"\x00not a model")
    with pytest.raises(ModelFileError):
        load_model(junk)
    with pytest.raises(ModelFileError):
        load_model(tmp_path)  # a folder without exports


def test_upscaled_works_regenerate_and_say_how(tmp_path: Path, trained_run: Path) -> None:
    """`gan generate --upscale N --filter smooth|nearest` writes a work N times larger, records the
    enlargement, and the work still regenerates (within a level: see gan.regenerate); a record that lies about the
    enlargement, or one malformed, is caught."""
    from click.testing import CliRunner

    from gan.errors import GanError
    from provenance.cli import cli

    model = load_model(trained_run)
    small = generate(model, 5)
    outputs = {}
    for filter_name in ("nearest", "smooth"):
        out = tmp_path / f"{filter_name}.png"
        run = CliRunner().invoke(
            cli,
            ["gan", "generate", "--model", str(trained_run), "--seed", "5", "--upscale", "4",
             "--filter", filter_name, "-o", str(out), "--json"],
        )  # fmt: skip
        assert run.exit_code == 0, run.output
        record = json.loads(run.output)["record"]
        recorded = {"nearest": "nearest", "smooth": "lanczos"}[filter_name]
        assert record["upscale"] == {"factor": 4, "filter": recorded}
        pixels = np.asarray(Image.open(out).convert("RGB"))
        assert pixels.shape == (128, 128, 3)
        result = regenerate_and_compare(out, trained_run)
        assert result.match and result.max_abs_diff <= MAX_LEVEL_DIFF, result.reason
        outputs[filter_name] = (pixels, record)
    sharp, _ = outputs["nearest"]
    assert np.array_equal(sharp, np.repeat(np.repeat(small, 4, axis=0), 4, axis=1))
    smooth, smooth_record = outputs["smooth"]
    assert not np.array_equal(smooth, sharp)
    # Without --upscale the record is as before (no upscale field).
    plain = tmp_path / "plain.png"
    run = CliRunner().invoke(
        cli, ["gan", "generate", "--model", str(trained_run), "--seed", "5", "-o", str(plain)]
    )
    assert run.exit_code == 0, run.output
    assert "upscale" not in json.loads(Image.open(plain).text["provenance"])  # type: ignore[attr-defined]

    lying = tmp_path / "lying.png"
    write_png(smooth, lying, {**smooth_record, "upscale": {"factor": 4, "filter": "nearest"}})
    bad = regenerate_and_compare(lying, trained_run)
    assert not bad.match and bad.max_abs_diff > 0
    for malformed in ({"factor": 4, "filter": "bicubic"}, {"factor": 1000, "filter": "lanczos"},
                      {"factor": True, "filter": "nearest"}, "x4"):  # fmt: skip
        broken = tmp_path / "broken.png"
        write_png(smooth, broken, {**smooth_record, "upscale": malformed})
        with pytest.raises(GanError, match="upscale"):
            regenerate_and_compare(broken, trained_run)


def test_upscale_filters_agree_between_gan_and_toolkit() -> None:
    from gan.pixels import MAX_UPSCALE, UPSCALE_FILTERS
    from provenance.content import generation

    assert tuple(UPSCALE_FILTERS) == generation.UPSCALE_FILTERS
    assert MAX_UPSCALE == generation.MAX_UPSCALE
