"""The toolkit's port of the ISCC Image-Code (content/iscc_image.py) gives iscc-core's code, to
the bit: on random pixels, on constant and tied images (where the median and ``>`` decide), and on
real faces prepared as content/fingerprint.py prepares them. Every test runs twice: the plain
Python DCT (a single mint) and the numpy one (``use_numpy``, what mint-batch uses)."""

from __future__ import annotations

import random

import pytest

from provenance.content import iscc_image
from provenance.content.iscc_image import image_code_v0_64, image_codes_v0_64

iscc_core = pytest.importorskip("iscc_core")  # the dev extra: the independent implementation


@pytest.fixture(autouse=True, params=["python", "numpy"])
def dct(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setattr(iscc_image, "_numpy", None)
    if request.param == "numpy":
        iscc_image.use_numpy()
        assert iscc_image._numpy is not None
    return str(request.param)


def reference(pixels: list[int]) -> str:
    return str(iscc_core.gen_image_code_v0(pixels, bits=64)["iscc"])


def test_random_images() -> None:
    rng = random.Random(24138)
    for _ in range(300):
        pixels = [rng.randrange(256) for _ in range(1024)]
        assert image_code_v0_64(pixels) == reference(pixels)


@pytest.mark.parametrize("value", [0, 1, 127, 128, 254, 255])
def test_constant_images(value: int) -> None:
    pixels = [value] * 1024
    assert image_code_v0_64(pixels) == reference(pixels)


def tied_images() -> list[list[int]]:
    rng = random.Random(601)
    images = [
        [255 * ((x // 16 + y // 16) % 2) for y in range(32) for x in range(32)],  # 2x2 checkers
        [255 * (x % 2) for y in range(32) for x in range(32)],  # stripes
        [255 * (y >= 16) for y in range(32) for x in range(32)],  # half black, half white
        [x * 8 for y in range(32) for x in range(32)],  # horizontal ramp: columns all alike
        [(x + y) * 4 for y in range(32) for x in range(32)],  # diagonal ramp
        [255 if (x, y) == (5, 9) else 0 for y in range(32) for x in range(32)],  # one dot
    ]
    for levels in (2, 3, 4):  # a few grey levels: many equal coefficients
        for _ in range(50):
            images.append([rng.randrange(levels) * 85 for _ in range(1024)])
    for _ in range(50):  # blocky images: runs of equal pixels, many coefficients exactly zero
        block = rng.choice((2, 4, 8, 16))
        cells = [[rng.randrange(256) for _ in range(32 // block)] for _ in range(32 // block)]
        images.append([cells[y // block][x // block] for y in range(32) for x in range(32)])
    return images


def test_images_with_many_ties() -> None:
    for pixels in tied_images():
        assert image_code_v0_64(pixels) == reference(pixels)


def test_many_images_at_once_give_each_one_its_code() -> None:
    """What mint-batch does with a window: the DCTs of many images computed together."""
    rng = random.Random(64)
    images = [bytes(p) for p in tied_images()]
    images += [bytes(rng.randrange(256) for _ in range(1024)) for _ in range(40)]
    assert image_codes_v0_64(images) == [reference(list(p)) for p in images]
    assert image_codes_v0_64(images[:1]) == [reference(list(images[0]))]
    assert image_codes_v0_64([]) == []
    with pytest.raises(ValueError, match="1024"):
        image_codes_v0_64([images[0], images[1][:1000]])


def test_bytes_and_lists_give_the_same_code() -> None:
    pixels = [random.Random(7).randrange(256) for _ in range(1024)]
    assert image_code_v0_64(bytes(pixels)) == image_code_v0_64(pixels) == reference(pixels)


def test_lfw_faces_prepared_as_fingerprint_prepares_them() -> None:
    np = pytest.importorskip("numpy")
    data = pytest.importorskip("skimage.data")
    from PIL import Image

    from provenance.content.fingerprint import fingerprint_of_image

    faces = data.lfw_subset()[:60]
    for face in faces:
        image = Image.fromarray((face * 255).astype(np.uint8)).resize((128, 128))
        rgb = image.convert("RGB")
        small = rgb.convert("L").resize((32, 32), Image.Resampling.BICUBIC)
        pixels = list(small.tobytes())
        assert image_code_v0_64(pixels) == reference(pixels)
        assert fingerprint_of_image(rgb).iscc == reference(pixels)


def test_rejects_a_wrong_number_of_pixels() -> None:
    with pytest.raises(ValueError, match="1024"):
        image_code_v0_64([0] * 1023)
