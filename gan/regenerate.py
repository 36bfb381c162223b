"""Regenerate an artwork from its PNG generation record and compare pixels, for
``provenance verify --regenerate``."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["RegenerateResult", "regenerate_and_compare"]


@dataclass(frozen=True)
class RegenerateResult:
    match: bool
    max_abs_diff: int  # over all pixels and channels; 255 when the shapes differ
    record: dict[str, Any]
    model_sha256: str
    reason: str | None = None  # why it does not match, when it does not


def regenerate_and_compare(
    png_path: str | os.PathLike[str], model_path: str | os.PathLike[str]
) -> RegenerateResult:
    """Read the record from ``png_path``, regenerate with ``model_path`` and compare pixels.

    Raises ``gan.errors.GanError`` (or ``ModelFileError``) when the PNG has no record or the model
    cannot be read; returns ``match=False`` with a reason when the model's sha256 is not the one
    recorded or the pixels differ.
    """
    from gan.pngrecord import read_record
    from gan.sample import generate, load_model, upscale

    record, pixels = read_record(Path(png_path))
    recorded = (
        record.get("model", {}).get("sha256") if isinstance(record.get("model"), dict) else None
    )
    # A run folder holds every export its runs made: the one the record names is the model.
    model = load_model(model_path, sha256=recorded if isinstance(recorded, str) else None)
    if recorded != model.export.sha256:
        return RegenerateResult(
            False,
            255,
            record,
            model.export.sha256,
            reason=f"record names model sha256 {recorded}, file is {model.export.sha256}",
        )
    truncation = record.get("truncation")
    image = generate(model, int(record["seed"]), truncation=truncation)
    enlarged = record.get("upscale")
    if isinstance(enlarged, dict):  # its shape is checked by parse_generation_record
        image = upscale(image, int(enlarged["factor"]), str(enlarged["filter"]))
    if image.shape != pixels.shape:
        return RegenerateResult(
            False,
            255,
            record,
            model.export.sha256,
            reason=f"image is {pixels.shape}, model generates {image.shape}",
        )
    diff = int(np.max(np.abs(image.astype(np.int16) - pixels.astype(np.int16))))
    return RegenerateResult(
        diff == 0,
        diff,
        record,
        model.export.sha256,
        reason=None if diff == 0 else f"pixels differ (max abs diff {diff})",
    )
