"""Sampling from an exported generator: single images and grids (latent walks: ``gan.animate``).

``latent(seed, ...)`` is the only place a seed becomes a latent vector: the generation record's
``seed`` and ``truncation`` mean exactly this function (``gan.numpy_random.latent`` draws the same
numbers without JAX, for regeneration). ``to_uint8`` and ``upscale``
(the display enlargement the record's ``upscale`` names) live in ``gan.pixels``, free of JAX, and
are re-exported here.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
from flax import nnx

from gan.export import ExportedModel, read_export
from gan.models import Generator
from gan.pixels import MAX_UPSCALE, UPSCALE_FILTERS, to_uint8, upscale

__all__ = [
    "MAX_UPSCALE",
    "UPSCALE_FILTERS",
    "LoadedModel",
    "enable_compilation_cache",
    "generate",
    "generate_batch",
    "latent",
    "load_model",
    "save_grid",
    "to_uint8",
    "upscale",
]


def enable_compilation_cache(path: str | os.PathLike[str] | None = None) -> Path:
    """Turn on JAX's persistent compilation cache (default: the user cache dir), so a warm
    ``gan generate`` skips XLA compilation."""
    if path is None:
        import platformdirs

        path = Path(platformdirs.user_cache_dir("provenance")) / "jax"
    cache = Path(path)
    cache.mkdir(parents=True, exist_ok=True)
    jax.config.update("jax_compilation_cache_dir", str(cache))  # type: ignore[no-untyped-call]
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)  # type: ignore[no-untyped-call]
    jax.config.update("jax_persistent_cache_min_entry_size_bytes", 0)  # type: ignore[no-untyped-call]
    return cache


@dataclass(frozen=True)
class LoadedModel:
    export: ExportedModel
    generator: Generator

    @property
    def z_dim(self) -> int:
        return self.export.config.z_dim


def load_model(model: str | os.PathLike[str], *, sha256: str | None = None) -> LoadedModel:
    """An exported generator ready to sample (``sha256`` picks a run folder's export)."""
    exported = read_export(model, sha256=sha256)
    cfg = exported.config
    abstract = nnx.eval_shape(
        lambda: Generator(z_dim=cfg.z_dim, resolution=cfg.resolution, ngf=cfg.ngf, rngs=nnx.Rngs(0))
    )
    graphdef, state = nnx.split(abstract)
    from gan.errors import ModelFileError

    try:
        nnx.replace_by_pure_dict(state, exported.params)
        expected = jax.tree.map(lambda a: a.shape, nnx.to_pure_dict(nnx.split(abstract)[1]))
        got = jax.tree.map(lambda a: a.shape, nnx.to_pure_dict(state))
        if expected != got:
            raise ValueError("parameter shapes differ from the config")
        generator = nnx.merge(graphdef, jax.tree.map(jnp.asarray, state))
    except (KeyError, ValueError, TypeError) as exc:
        raise ModelFileError(f"{exported.path}: parameters do not fit its config: {exc}") from exc
    return LoadedModel(exported, generator)


def latent(seed: int, z_dim: int, *, truncation: float | None = None) -> jax.Array:
    """The latent of ``seed``: a standard normal draw, or a normal truncated to
    [-truncation, truncation] (BigGAN's truncation trick)."""
    key = jax.random.key(int(seed))
    if truncation is None:
        return jax.random.normal(key, (z_dim,))
    if not truncation > 0:
        raise ValueError("truncation must be positive")
    return jax.random.truncated_normal(key, -truncation, truncation, (z_dim,))


@nnx.jit
def _forward(generator: Generator, z: jax.Array) -> jax.Array:
    return generator(z)


def generate_batch(model: LoadedModel, z: jax.Array) -> np.ndarray:
    """(N, z_dim) latents -> (N, R, R, 3) uint8."""
    return to_uint8(np.asarray(_forward(model.generator, z)))


def generate(model: LoadedModel, seed: int, *, truncation: float | None = None) -> np.ndarray:
    """The (R, R, 3) uint8 image of ``seed``: deterministic for a model on one machine."""
    z = latent(seed, model.z_dim, truncation=truncation)
    image: np.ndarray = generate_batch(model, z[None])[0]
    return image


def save_grid(images: np.ndarray, path: Path, *, columns: int | None = None) -> None:
    """Save (N, R, R, 3) images in [-1, 1] (or uint8) as one PNG grid."""
    pixels = images if images.dtype == np.uint8 else to_uint8(images)
    n, h, w, c = pixels.shape
    cols = columns or int(np.ceil(np.sqrt(n)))
    rows = -(-n // cols)
    grid = np.full((rows * (h + 2) + 2, cols * (w + 2) + 2, c), 255, np.uint8)
    for i in range(n):
        r, col = divmod(i, cols)
        grid[2 + r * (h + 2) : 2 + r * (h + 2) + h, 2 + col * (w + 2) : 2 + col * (w + 2) + w] = (
            pixels[i]
        )
    from gan.pngrecord import write_png

    write_png(grid, Path(path), None)
