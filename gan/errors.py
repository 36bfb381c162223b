"""Errors the GAN raises on purpose. ``gan`` never imports ``provenance``; the CLI layer
translates these into the toolkit's ``ProvenanceError`` tree, once, at its boundary.

    GanError
    ├── DataError         no usable images, unknown built-in set, bad folder
    ├── ModelFileError    an exported model file that cannot be read or is not ours
    └── TrainingDiverged  a NaN or infinite loss (carries the step)

(The artist's C2PA identity and its errors live on the toolkit's side: ``provenance.identity``.)
"""

from __future__ import annotations

__all__ = [
    "DataError",
    "GanError",
    "ModelFileError",
    "TrainingDiverged",
]


class GanError(Exception):
    """Root of the GAN's deliberate errors."""


class DataError(GanError):
    """The training or evaluation data is missing, empty or unusable."""


class ModelFileError(GanError):
    """An exported generator file is missing, corrupt or of an unknown format."""


class TrainingDiverged(GanError):
    """A loss became NaN or infinite; training stops instead of writing garbage."""

    def __init__(self, message: str, *, step: int) -> None:
        super().__init__(message)
        self.step = step
