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
PRECISIONS = ("f32", "bf16")


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
    # "f32", or "bf16": forward and backward passes in bfloat16 on accelerators, while parameters,
    # optimizer state, EMA and the losses stay float32 (mixed precision).
    precision: str = "f32"
    # The batch is drawn as data_shards equal parts, part k from the images with index % shards == k
    # (one part per process in multi-host training). 1 = one draw from all images.
    data_shards: int = 1
    sample_every: int = 500
    checkpoint_every: int = 500
    log_every: int = 10
    num_samples: int = 16  # images in each sample grid

    def __post_init__(self) -> None:
        if self.resolution not in RESOLUTIONS:
            raise ValueError(f"resolution must be one of {RESOLUTIONS}, got {self.resolution}")
        if self.steps < 1 or self.batch_size < 1:
            raise ValueError("steps and batch_size must be positive")
        if self.precision not in PRECISIONS:
            raise ValueError(f"precision must be one of {PRECISIONS}, got {self.precision!r}")
        if self.data_shards < 1 or self.batch_size % self.data_shards:
            raise ValueError(
                f"batch size {self.batch_size} must split into {self.data_shards} equal parts"
            )

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> Config:
        known = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in values.items() if k in known})


def get_config(**overrides: Any) -> Config:
    """The default configuration, with ``overrides`` applied."""
    return dataclasses.replace(Config(), **overrides)
