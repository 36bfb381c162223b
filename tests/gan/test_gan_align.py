"""FFHQ-style face alignment with dlib's five-point model, on scikit-image's astronaut and LFW."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from gan.align import align_face, find_faces
from gan.errors import DataError
from gan.input_pipeline import load_dataset


@pytest.fixture(scope="module")
def astronaut() -> Image.Image:
    from skimage.data import astronaut as load

    return Image.fromarray(load())  # type: ignore[no-untyped-call]


def _eyes(rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    faces = find_faces(rgb)
    assert len(faces) == 1
    return faces[0].eyes


@pytest.mark.parametrize("tilt", [0, 25])
def test_aligned_eyes_are_level_at_fixed_positions(astronaut: Image.Image, tilt: int) -> None:
    photo = astronaut.rotate(tilt, resample=Image.Resampling.BICUBIC, expand=True)
    left, right = _eyes(np.asarray(photo))
    before = np.degrees(np.arctan2(right[1] - left[1], right[0] - left[0]))
    assert abs(before) > tilt - 5  # the photograph's eye line is tilted as much as the head
    aligned = align_face(photo, 256)
    assert aligned.shape == (256, 256, 3) and aligned.dtype == np.uint8
    left, right = _eyes(aligned)
    assert abs(np.degrees(np.arctan2(right[1] - left[1], right[0] - left[0]))) < 3
    # FFHQ's square is four eye distances wide with the eyes just above its centre.
    np.testing.assert_allclose(left / 256, [0.375, 0.47], atol=0.04)
    np.testing.assert_allclose(right / 256, [0.625, 0.47], atol=0.04)


def test_lfw_faces_align() -> None:
    from skimage.data import lfw_subset

    faces = lfw_subset()[:20]  # type: ignore[no-untyped-call]
    aligned = 0
    for gray in faces:
        img = Image.fromarray((gray * 255).astype(np.uint8)).resize((150, 150))
        try:
            out = align_face(img.convert("RGB"), 32)
        except DataError:
            continue
        assert out.shape == (32, 32, 3)
        aligned += 1
    assert aligned >= 15  # the 25x25 crops are tiny: a few are too blurred to detect


def test_no_face_and_several_faces_are_skipped_with_reasons(
    tmp_path: Path, astronaut: Image.Image
) -> None:
    astronaut.save(tmp_path / "astronaut.jpg", quality=95)
    rng = np.random.default_rng(0)
    Image.fromarray(rng.integers(0, 255, (300, 300, 3), dtype=np.uint8)).save(
        tmp_path / "noise.png"
    )
    face = astronaut.crop((120, 20, 330, 230))
    pair = Image.new("RGB", (420, 210))
    pair.paste(face, (0, 0))
    pair.paste(face, (210, 0))
    pair.save(tmp_path / "pair.png")
    ds = load_dataset(str(tmp_path), 64, align="faces")
    assert ds.used_files == ("astronaut.jpg",)
    assert {s.path: s.reason for s in ds.skipped_files} == {
        "noise.png": "no face found",
        "pair.png": "2 faces found (one per photograph)",
    }
    assert ds.preprocessing == {"resolution": 64, "crop": "faces"}
