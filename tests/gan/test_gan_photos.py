"""Photographs as a camera or an editor writes them (EXIF orientation, ICC profiles, CMYK, 16-bit,
greyscale, palette, alpha) and every skipped file named with its reason."""

from __future__ import annotations

import io
import struct
from pathlib import Path

import numpy as np
from PIL import Image, ImageCms

from gan.input_pipeline import load_dataset, to_srgb

RED, BLUE = (255, 0, 0), (0, 0, 255)


def _only(folder: Path, resolution: int = 32) -> np.ndarray:
    ds = load_dataset(str(folder), resolution)
    assert ds.skipped == 0, ds.skipped_files
    return np.rint((ds.images[0] + 1.0) * 127.5).astype(int)


def test_exif_orientation_is_applied(tmp_path: Path) -> None:
    # Stored landscape, left half red and right half blue; EXIF 6 = "rotate 90 clockwise to view".
    stored = np.zeros((40, 80, 3), np.uint8)
    stored[:, :40] = RED
    stored[:, 40:] = BLUE
    exif = Image.Exif()
    exif[0x0112] = 6
    Image.fromarray(stored).save(tmp_path / "portrait.jpg", exif=exif, quality=95)
    with Image.open(tmp_path / "portrait.jpg") as img:
        assert to_srgb(img).size == (40, 80)  # upright: a portrait
    px = _only(tmp_path)
    assert px[2].mean(0)[0] > 200 and px[2].mean(0)[2] < 60  # top rows red
    assert px[-3].mean(0)[2] > 200 and px[-3].mean(0)[0] < 60  # bottom rows blue


def _swapped_primaries_profile() -> bytes:
    """sRGB with its red and blue colorant tags swapped: a valid RGB profile in which (255, 0, 0)
    means sRGB blue."""
    data = bytearray(ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes())
    (count,) = struct.unpack(">I", data[128:132])
    entries = {}
    for i in range(count):
        at = 132 + 12 * i
        entries[bytes(data[at : at + 4])] = at
    r, b = entries[b"rXYZ"], entries[b"bXYZ"]
    data[r + 4 : r + 12], data[b + 4 : b + 12] = data[b + 4 : b + 12], data[r + 4 : r + 12]
    return bytes(data)


def test_icc_profile_is_converted_to_srgb(tmp_path: Path) -> None:
    Image.new("RGB", (32, 32), RED).save(
        tmp_path / "a.png", icc_profile=_swapped_primaries_profile()
    )
    px = _only(tmp_path)
    assert px[..., 2].mean() > 200 and px[..., 0].mean() < 60


def test_cmyk_sixteen_bit_palette_and_alpha(tmp_path: Path) -> None:
    Image.new("CMYK", (32, 32), (0, 255, 255, 0)).save(tmp_path / "cmyk.jpg", quality=95)
    ramp = np.tile(np.linspace(0, 65535, 32).astype(np.uint16), (32, 1))
    Image.fromarray(ramp).save(tmp_path / "grey16.png")
    pal = Image.new("P", (32, 32), 1)
    pal.putpalette([0, 0, 0, 0, 255, 0] + [0] * 762)
    pal.save(tmp_path / "palette.png", transparency=1)  # index 1 is transparent
    rgba = np.zeros((32, 32, 4), np.uint8)
    rgba[..., 0] = 255
    rgba[:, 16:, 3] = 255  # left half transparent
    Image.fromarray(rgba).save(tmp_path / "alpha.png")
    ds = load_dataset(str(tmp_path), 32)
    assert ds.skipped == 0
    px = {n: np.rint((im + 1.0) * 127.5) for n, im in zip(ds.used_files, ds.images, strict=True)}
    assert px["cmyk.jpg"][..., 0].mean() > 200 and px["cmyk.jpg"][..., 1].mean() < 60
    grey = px["grey16.png"][..., 0]
    assert grey[:, 0].mean() < 20 and 100 < grey[:, 15:17].mean() < 156 and grey[:, -1].mean() > 235
    assert px["palette.png"].min() > 240  # transparent -> white, not black or green
    alpha = px["alpha.png"]
    assert (
        alpha[:, :10].min() > 240 and alpha[:, 22:, 0].min() > 240 and alpha[:, 22:, 1].max() < 15
    )


def test_skipped_files_are_named_with_reasons(tmp_path: Path) -> None:
    Image.new("RGB", (32, 32), RED).save(tmp_path / "good.png")
    (tmp_path / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\nbroken")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "notes.jpg").write_bytes(b"not a jpeg at all")
    buf = io.BytesIO()
    Image.new("RGB", (64, 64), BLUE).save(buf, format="JPEG")
    (tmp_path / "cut.jpg").write_bytes(buf.getvalue()[:200])
    ds = load_dataset(str(tmp_path), 32, cache_dir=tmp_path / ".cache")
    reasons = {s.path: s.reason for s in ds.skipped_files}
    assert set(reasons) == {"broken.png", "sub/notes.jpg", "cut.jpg"}
    assert "not an image" in reasons["sub/notes.jpg"]
    assert "truncated" in reasons["cut.jpg"]
    assert ds.used_files == ("good.png",)
    again = load_dataset(str(tmp_path), 32, cache_dir=tmp_path / ".cache")
    assert again.cached and again.skipped_files == ds.skipped_files
