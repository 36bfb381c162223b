"""The default training configuration.

A frozen dataclass instead of ``ml_collections`` (not a dependency): typed, hashable, and
``dataclasses.replace(config, steps=10)`` shrinks it for tests.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

__all__ = ["Config", "get_config"]

RESOLUTIONS = (32, 64, 128, 256)


@dataclass(frozen=True)
class Config:
    data: str = "builtin:lfw"
    resolution: int = 32
    steps: int = 2000
    batch_size: int = 32
    seed: int = 0
    z_dim: int = 64
    ngf: int = 32  # generator width; channels per stage derive from it
    ndf: int = 32  # discriminator width
    lr_g: float = 2e-4
    lr_d: float = 2e-4
    beta1: float = 0.5
    beta2: float = 0.99
    ema_decay: float = 0.999
    augment: str = "color,translation,cutout,flip"  # "" disables DiffAugment
    align: str = "centre"  # "centre" crop or "faces" (gan.align)
    sample_every: int = 500
    checkpoint_every: int = 500
    log_every: int = 10
    num_samples: int = 16  # images in each sample grid

    def __post_init__(self) -> None:
        if self.resolution not in RESOLUTIONS:
            raise ValueError(f"resolution must be one of {RESOLUTIONS}, got {self.resolution}")
        if self.steps < 1 or self.batch_size < 1:
            raise ValueError("steps and batch_size must be positive")

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> Config:
        known = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in values.items() if k in known})


def get_config(**overrides: Any) -> Config:
    """The default configuration, with ``overrides`` applied."""
    return dataclasses.replace(Config(), **overrides)
