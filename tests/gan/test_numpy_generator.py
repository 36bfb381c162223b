"""The numpy generator that ``verify --regenerate`` runs, held to JAX (the reference) over many
seeds: the same latent bits, pixels within the tolerance ``gan.regenerate`` accepts (with a wide
margin), a wrong seed nowhere near it. The long measurement (300 seeds, the default model, 32 and
64 px) is ``scripts/bench_regenerate_pixels.py``."""

from __future__ import annotations

from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from gan import numpy_generator, numpy_random
from gan.configs.default import get_config
from gan.export import export_generator, read_export
from gan.pixels import to_uint8, upscale
from gan.pngrecord import make_record, write_png
from gan.regenerate import (
    MAX_DIFFERING_FRACTION,
    MAX_LEVEL_DIFF,
    level_tolerance,
    regenerate_and_compare,
)
from gan.sample import generate, generate_batch, latent, load_model

SEEDS = 40


def test_latent_draws_the_same_bits_as_jax() -> None:
    for seed in (0, 1, 7, 2**31 - 1, 2**31, 2**32 + 5, -1, -(2**31) - 1, -(2**63), 2**63 - 1):
        expected = np.asarray(jax.random.bits(jax.random.key(seed), (64,)))
        assert np.array_equal(numpy_random.random_bits(seed, 64), expected), seed
    for truncation in (None, 0.7, 2.5):
        for seed in range(SEEDS):
            mine = numpy_random.latent(seed, 64, truncation=truncation)
            theirs = np.asarray(latent(seed, 64, truncation=truncation))
            assert mine.dtype == np.float32
            # XLA's log1p and polynomial evaluation differ from numpy's in the last bits: a few
            # units in the last place (measured: up to 7, in erfinv's tail).
            np.testing.assert_allclose(mine, theirs, rtol=2e-6, atol=1e-7)
    with pytest.raises(ValueError, match="64-bit"):
        numpy_random.latent(2**63, 8)  # JAX refuses it too (OverflowError)


def _random_model(tmp_path: Path, resolution: int) -> Path:
    """A freshly initialised generator (every stage and skip-layer excitation at this size)."""
    from flax import nnx

    from gan.models import Generator

    config = get_config(resolution=resolution, z_dim=16, ngf=8, ndf=8, steps=1)
    generator = Generator(z_dim=16, resolution=resolution, ngf=8, rngs=nnx.Rngs(3))
    params = nnx.to_pure_dict(nnx.state(generator))
    return export_generator(params, config, tmp_path, step=1)


def test_numpy_pixels_match_jax_within_the_tolerance(tmp_path: Path, trained_run: Path) -> None:
    for model_path in (read_export(trained_run).path, _random_model(tmp_path, 64)):
        model, export = load_model(model_path), read_export(model_path)
        arrays = numpy_generator.check_params(export.params, export.config)
        identical = 0
        for truncation in (None, 0.7):
            z = np.stack([numpy_random.latent(s, 16, truncation=truncation) for s in range(SEEDS)])
            mine = to_uint8(numpy_generator.forward(arrays, export.config, z))
            theirs = generate_batch(
                model, jnp.stack([latent(s, 16, truncation=truncation) for s in range(SEEDS)])
            )
            for i in range(SEEDS):
                wrong = np.abs(mine[i].astype(np.int16) - theirs[(i + 1) % SEEDS])
                assert np.count_nonzero(wrong > 2 * MAX_LEVEL_DIFF) / wrong.size > 0.5
                identical += int(np.array_equal(mine[i], theirs[i]))
                for enlargement in (None, {"factor": 4, "filter": "lanczos"},
                                    {"factor": 4, "filter": "nearest"}):  # fmt: skip
                    a, b = mine[i], theirs[i]
                    if enlargement is not None:
                        a, b = (upscale(x, 4, enlargement["filter"]) for x in (a, b))
                    diff = np.abs(a.astype(np.int16) - b)
                    assert diff.max() <= level_tolerance(enlargement)
                    # Measured worst: 0.11% of values; the tolerance is 1%.
                    assert np.count_nonzero(diff) / diff.size <= MAX_DIFFERING_FRACTION / 4
        assert identical >= SEEDS  # most images are bit-identical (the rest differ by a level)
        # The whole regeneration path agrees with the per-image one.
        assert np.array_equal(
            numpy_generator.generate(arrays, export.config, 3, truncation=0.7), mine[3]
        )


def test_reading_an_export_needs_no_flax(trained_run: Path) -> None:
    from flax import serialization

    export = read_export(trained_run)
    reference = serialization.msgpack_restore(export.path.read_bytes())["params"]
    flat = numpy_generator.check_params(export.params, export.config)
    assert flat.keys() == numpy_generator.check_params(reference, export.config).keys()
    for name, value in numpy_generator.check_params(reference, export.config).items():
        assert np.array_equal(flat[name], value)


def test_a_model_that_does_not_fit_its_config_is_refused(trained_run: Path) -> None:
    from gan.errors import ModelFileError

    export = read_export(trained_run)
    params = {k: v for k, v in export.params.items() if k != "to_rgb"}
    with pytest.raises(ModelFileError, match="to_rgb"):
        numpy_generator.check_params(params, export.config)
    bigger = get_config(resolution=64, z_dim=export.config.z_dim, ngf=export.config.ngf)
    with pytest.raises(ModelFileError):
        numpy_generator.check_params(export.params, bigger)


def test_regeneration_accepts_a_level_and_says_so(tmp_path: Path, trained_run: Path) -> None:
    model = load_model(trained_run)
    record = make_record(model.export.sha256, 11)
    pixels = generate(model, 11)

    def check(image: np.ndarray) -> tuple[bool, str]:
        path = tmp_path / "work.png"
        write_png(image, path, record)
        result = regenerate_and_compare(path, trained_run)
        return result.match, result.evidence

    regenerated = numpy_generator.generate(
        numpy_generator.check_params(model.export.params, model.export.config),
        model.export.config,
        11,
    )
    assert check(regenerated) == (True, "identical pixels")
    one = regenerated.copy()
    one[5, 6, 1] = one[5, 6, 1] + 1 if one[5, 6, 1] < 255 else 254
    ok, evidence = check(one)
    assert ok and evidence.startswith(
        "pixels within 1 level of the model's output (max abs diff 1,"
    )
    two = regenerated.copy()
    two[5, 6, 1] = two[5, 6, 1] + 2 if two[5, 6, 1] < 254 else 253
    assert check(two) == (False, "pixels differ (max abs diff 2, 0.03% of values differ)")
    many = regenerated.astype(np.int16)
    flat = many.reshape(-1)
    flat[:: len(flat) // 40] ^= 1  # 40 values a level off: 1.3%, beyond the 1% tolerance
    ok, evidence = check(many.astype(np.uint8))
    assert not ok and evidence.startswith("pixels differ (max abs diff 1, 1.")
    assert check(pixels)[0]  # JAX's own image passes too
