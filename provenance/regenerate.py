"""``verify --regenerate``: ask the GAN to reproduce an artwork from its generation record.

The only place the toolkit reaches into ``gan`` (and so into jax), imported on demand.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from provenance.errors import InputError

__all__ = ["regenerate_check"]


def regenerate_check(image_bytes: bytes, model: Path) -> tuple[bool, str]:
    """(pixels identical, evidence). The model's sha256 must be the one the record names."""
    if not model.exists():
        raise InputError(f"model not found: {model}")
    try:
        from gan.errors import GanError
        from gan.regenerate import regenerate_and_compare
    except ImportError as exc:  # the gan extra is not installed
        raise InputError(
            f"--regenerate needs the GAN installed (pip install '.[gan]'): {exc}"
        ) from exc
    with tempfile.NamedTemporaryFile(suffix=".png") as handle:
        handle.write(image_bytes)
        handle.flush()
        try:
            result = regenerate_and_compare(handle.name, model)
        except GanError as exc:
            return False, f"cannot regenerate: {exc}"
    if result.match:
        return True, "identical pixels"
    return False, result.reason or f"pixels differ (max abs diff {result.max_abs_diff})"
