"""The 64-bit ISCC Image-Code (ISO 24138) of 32x32 grey pixels, with the standard library only.

A port of iscc-core 1.5.0 (https://github.com/iscc/iscc-core, Copyright Titusz Pan, Apache
License 2.0): ``soft_hash_image_v0`` (``code_content_image.py``), ``alg_dct`` (``dct.py``, after
nayuki.io's fast DCT) and, for the one case this toolkit uses (MainType CONTENT, SubType IMAGE,
Version V0, 64 bits), ``encode_component`` (``codec.py``). The DCT keeps iscc-core's algorithm
as written, so that the floating-point operations happen in the same order and round the same
way; the median and the ``> median`` comparison are iscc-core's too.

Why a port: ``import iscc_core`` loads pydantic and about 140 modules (0.3 s) on every ``mint``
and ``verify``, whose start-up the toolkit keeps small (tests/workflows/test_import_budget.py).
iscc-core stays a development dependency: tests/test_iscc_image.py checks this port against
``iscc_core.gen_image_code_v0`` on random, tied and real (LFW) images.

The DCT costs about 4 ms an image in plain Python: nothing for one ``mint``, most of a batch's
time per work. :func:`use_numpy` (called by ``mint-batch``, which fingerprints thousands) runs the
same algorithm on whole rows of the image at once with numpy: the same additions, subtractions and
divisions of the same float64 operands (IEEE 754 rounds each the same way in numpy and in Python),
with the divisors computed by ``math.cos`` as iscc-core computes them, so the same bits. numpy is
imported only then: it costs 0.12 s and 184 modules, more than a single ``mint`` may load.
"""

from __future__ import annotations

import base64
import functools
import math
from collections.abc import Sequence
from statistics import median
from types import ModuleType
from typing import Any

__all__ = ["image_code_v0_64", "image_codes_v0_64", "use_numpy"]

#: The header of a 64-bit Image-Code: the nibbles MainType CONTENT (2), SubType IMAGE (1),
#: Version V0 (0) and length 1 (64 bits = 2 chunks of 32, encoded as 2 - 1).
_HEADER = bytes([0x21, 0x01])
_SIDE = 32
_numpy: ModuleType | None = None


def use_numpy() -> None:
    """Compute later codes with numpy (see the module docstring): for callers that fingerprint
    many images in one process."""
    global _numpy
    import numpy

    _numpy = numpy


@functools.cache
def _halving_factors(n: int) -> tuple[float, ...]:
    """The divisors of ``alg_dct``'s odd half for a vector of length ``n``, as it computes them."""
    return tuple(math.cos((i + 0.5) * math.pi / n) * 2.0 for i in range(n // 2))


@functools.cache
def _divisors(np: Any, n: int) -> Any:
    """``_halving_factors(n)`` as a float64 array (made once: an image needs ten of them)."""
    return np.array(_halving_factors(n), dtype=np.float64)


def _dct_rows(np: Any, matrix: Any) -> Any:
    """``_dct`` of every row of a float64 matrix at once, operation for operation.

    The recursion taken breadth-first: going down, every sub-vector of one length is split at
    once (``alpha = v[i] + v[-(i + 1)]``, ``beta = (v[i] - v[-(i + 1)]) / divisor``) into an
    alpha child and a beta child; coming up, every pair is merged at once (alpha's values at the
    even places, ``beta[i] + beta[i + 1]`` at the odd ones, beta's last value last). Ten numpy
    steps a matrix instead of 63 calls a row."""
    rows, n = matrix.shape
    x = matrix.reshape(rows, 1, n)
    lengths = []
    length = n
    while length > 1:
        if length % 2 != 0:
            raise ValueError(f"DCT of a vector of length {length}")
        half = length // 2
        head, mirrored = x[..., :half], x[..., : half - 1 : -1]  # v[i] and v[-(i + 1)]
        alpha = head + mirrored
        beta = (head - mirrored) / _divisors(np, length)
        x = np.stack([alpha, beta], axis=-2).reshape(rows, -1, half)  # children: alpha, beta
        lengths.append(length)
        length = half
    for length in reversed(lengths):
        pairs = x.reshape(rows, -1, 2, length // 2)
        alpha, beta = pairs[..., 0, :], pairs[..., 1, :]
        merged = np.empty((*pairs.shape[:-2], length), dtype=np.float64)
        merged[..., 0::2] = alpha
        merged[..., 1:-1:2] = beta[..., :-1] + beta[..., 1:]
        merged[..., -1] = beta[..., -1]
        x = merged
    return x.reshape(rows, n)


def _top_left_numpy(np: Any, pixels: Sequence[int]) -> list[float]:
    grey = np.frombuffer(bytes(pixels), dtype=np.uint8)  # 0-255, as the caller promises
    grid = grey.astype(np.float64).reshape(_SIDE, _SIDE)
    rows = _dct_rows(np, grid)
    # Only the top-left 8x8 coefficients are kept: the DCTs of the first 8 columns suffice (each
    # column's DCT is computed alone, so the values are the same bits as with all 32).
    columns = _dct_rows(np, np.ascontiguousarray(rows.T[0:8]))
    return [float(value) for value in columns.T[0:8, 0:8].ravel()]


def _dct(v: Sequence[float]) -> list[float]:
    """iscc-core's ``alg_dct``: the recursive fast DCT-II (unscaled), operation for operation."""
    n = len(v)
    if n == 1:
        return list(v)
    if n == 0 or n % 2 != 0:
        raise ValueError(f"DCT of a vector of length {n}")
    half = n // 2
    alpha = [(v[i] + v[-(i + 1)]) for i in range(half)]
    beta = [(v[i] - v[-(i + 1)]) / (math.cos((i + 0.5) * math.pi / n) * 2.0) for i in range(half)]
    alpha = _dct(alpha)
    beta = _dct(beta)
    result: list[float] = []
    for i in range(half - 1):
        result.append(alpha[i])
        result.append(beta[i] + beta[i + 1])
    result.append(alpha[-1])
    result.append(beta[-1])
    return result


def _top_lefts_numpy(np: Any, images: Sequence[Sequence[int]]) -> list[list[float]]:
    """``_top_left_numpy`` of many images at once: their rows stacked into one matrix (each row's
    DCT is computed alone, so the values are the same bits as one image at a time)."""
    count = len(images)
    grey = np.frombuffer(b"".join(bytes(pixels) for pixels in images), dtype=np.uint8)
    rows = _dct_rows(np, grey.astype(np.float64).reshape(count * _SIDE, _SIDE))
    firsts = rows.reshape(count, _SIDE, _SIDE).transpose(0, 2, 1)[:, 0:8]  # 8 columns each
    columns = _dct_rows(np, np.ascontiguousarray(firsts).reshape(count * 8, _SIDE))
    tops = columns.reshape(count, 8, _SIDE)[:, :, 0:8].transpose(0, 2, 1)  # [image, row, column]
    return [[float(value) for value in top.ravel()] for top in tops]


def _check_size(pixels: Sequence[int]) -> None:
    if len(pixels) != _SIDE * _SIDE:
        raise ValueError(f"expected {_SIDE * _SIDE} grey pixels, got {len(pixels)}")


def _hash_of(flat: list[float]) -> bytes:
    """The top-left 8x8 coefficients (row-major), each 1 where it is above their median."""
    med = median(flat)
    bits = "".join("1" if value > med else "0" for value in flat)
    return int(bits, 2).to_bytes(8, "big")


def _code(soft_hash: bytes) -> str:
    return "ISCC:" + base64.b32encode(_HEADER + soft_hash).decode("ascii").rstrip("=")


def soft_hash_image_64(pixels: Sequence[int]) -> bytes:
    """The 8-byte hash: DCT of each row, then of each column; the top-left 8x8 coefficients
    (row-major), each 1 where it is above their median."""
    _check_size(pixels)
    if _numpy is not None:
        flat = _top_left_numpy(_numpy, pixels)
    else:
        rows = [_dct(pixels[start : start + _SIDE]) for start in range(0, _SIDE * _SIDE, _SIDE)]
        columns = [_dct(column) for column in zip(*rows)]
        matrix = list(zip(*columns))  # back to rows
        flat = [value for row in matrix[0:8] for value in row[0:8]]
    return _hash_of(flat)


def image_code_v0_64(pixels: Sequence[int]) -> str:
    """``iscc_core.gen_image_code_v0(pixels, bits=64)["iscc"]``: 1024 grey values (0-255) of a
    32x32 image, row-major, to ``ISCC:`` and 16 base32 characters (RFC 4648, no padding)."""
    return _code(soft_hash_image_64(pixels))


def image_codes_v0_64(images: Sequence[Sequence[int]]) -> list[str]:
    """``image_code_v0_64`` of each image. With numpy (:func:`use_numpy`) their DCTs are computed
    together: a window of a batch costs one image's numpy steps, not one image's each."""
    for pixels in images:
        _check_size(pixels)
    if _numpy is None or len(images) < 2:
        return [image_code_v0_64(pixels) for pixels in images]
    return [_code(_hash_of(flat)) for flat in _top_lefts_numpy(_numpy, images)]
