"""Regenerate an artwork from its PNG generation record and compare pixels, for
``provenance verify --regenerate``.

The generator runs in numpy (``gan.numpy_generator``): no JAX or Flax to import, so a verifier
needs neither the ``gan`` extra nor seconds of start-up, and the answer does not depend on which
CPU (or GPU) XLA compiled for. Its float32 arithmetic sums in a different order from XLA's, so a
value on a rounding edge may land one level away: the comparison accepts every value within
``MAX_LEVEL_DIFF`` of the work (two levels after a Lanczos enlargement, whose kernel weighs two
neighbouring one-level differences up to two) and at most ``MAX_DIFFERING_FRACTION`` of values
differing. Measured over 300 seeds on three models (docs/verify.md,
``scripts/bench_regenerate_pixels.py``): at most 1 level (2 after Lanczos) and 0.11% of values,
with 77-95% of images bit-identical; a wrong seed differs in 97% or more of values by up to
~100-175 levels.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

__all__ = [
    "MAX_DIFFERING_FRACTION",
    "MAX_LEVEL_DIFF",
    "RegenerateResult",
    "level_tolerance",
    "regenerate_and_compare",
]

MAX_LEVEL_DIFF = 1
MAX_DIFFERING_FRACTION = 0.01


def level_tolerance(upscale: dict[str, Any] | None) -> int:
    """How many levels a value may differ for a work with this record's ``upscale``."""
    if isinstance(upscale, dict) and upscale.get("filter") == "lanczos":
        return 2 * MAX_LEVEL_DIFF  # two neighbours a level off can move one output two levels
    return MAX_LEVEL_DIFF


@dataclass(frozen=True)
class RegenerateResult:
    match: bool
    max_abs_diff: int  # over all pixels and channels; 255 when the shapes differ
    record: dict[str, Any]
    model_sha256: str
    reason: str | None = None  # why it does not match, when it does not
    differing_fraction: float = 0.0  # of the uint8 values (pixels x channels) that differ at all

    @property
    def evidence(self) -> str:
        """What was checked, in words (for a match: exactly how close)."""
        if not self.match:
            return self.reason or f"pixels differ (max abs diff {self.max_abs_diff})"
        if self.max_abs_diff == 0:
            return "identical pixels"
        levels = "level" if self.max_abs_diff == 1 else "levels"
        return (
            f"pixels within {self.max_abs_diff} {levels} of the model's output "
            f"(max abs diff {self.max_abs_diff}, {self.differing_fraction:.2%} of values differ)"
        )


def regenerate_and_compare(
    png_path: str | os.PathLike[str], model_path: str | os.PathLike[str]
) -> RegenerateResult:
    """Read the record from ``png_path``, regenerate with ``model_path`` and compare pixels.

    Raises ``gan.errors.GanError`` (or ``ModelFileError``) when the PNG has no record or the model
    cannot be read; returns ``match=False`` with a reason when the model's sha256 is not the one
    recorded or the pixels differ beyond the tolerance.
    """
    from gan.errors import GanError
    from gan.export import read_export
    from gan.numpy_generator import check_params, generate
    from gan.pixels import upscale
    from gan.pngrecord import read_record

    record, pixels = read_record(Path(png_path))
    recorded = (
        record.get("model", {}).get("sha256") if isinstance(record.get("model"), dict) else None
    )
    # A run folder holds every export its runs made: the one the record names is the model.
    export = read_export(model_path, sha256=recorded if isinstance(recorded, str) else None)
    if recorded != export.sha256:
        return RegenerateResult(
            False,
            255,
            record,
            export.sha256,
            reason=f"record names model sha256 {recorded}, file is {export.sha256}",
        )
    arrays = check_params(export.params, export.config)
    truncation = record.get("truncation")
    if truncation is not None and (
        isinstance(truncation, bool) or not isinstance(truncation, (int, float))
    ):
        raise GanError("the record's truncation is not a number")
    try:
        image = generate(arrays, export.config, int(record["seed"]), truncation=truncation)
    except ValueError as exc:  # a seed or truncation JAX refuses as well
        raise GanError(f"the record cannot be regenerated: {exc}") from exc
    enlarged = record.get("upscale")
    if isinstance(enlarged, dict):  # its shape is checked by parse_record
        image = upscale(image, int(enlarged["factor"]), str(enlarged["filter"]))
    if image.shape != pixels.shape:
        return RegenerateResult(
            False,
            255,
            record,
            export.sha256,
            reason=f"image is {pixels.shape}, model generates {image.shape}",
        )
    diff = np.abs(image.astype(np.int16) - pixels.astype(np.int16))
    largest, fraction = int(diff.max()), float(np.count_nonzero(diff)) / diff.size
    within = largest <= level_tolerance(enlarged) and fraction <= MAX_DIFFERING_FRACTION
    reason = None
    if not within:
        reason = f"pixels differ (max abs diff {largest}, {fraction:.2%} of values differ)"
    return RegenerateResult(within, largest, record, export.sha256, reason, fraction)
