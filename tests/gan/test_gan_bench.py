from __future__ import annotations

import pytest

from gan.configs.default import Config


def test_peak_and_profile_measure_what_they_name(tiny_config: Config) -> None:
    """The matmul peak covers both f32 backends and is their best; the per-op profile of the
    training step finds its convolutions and dots (if a JAX upgrade renames the compute threads
    or the ops, this fails instead of the benchmark printing an empty breakdown)."""
    import jax

    from gan.bench import MATMUL_BACKENDS, matmul_peaks, op_time_breakdown, prepare_train_step

    if jax.default_backend() != "cpu":
        pytest.skip("the profile reads XLA:CPU's thread names")
    peaks = matmul_peaks(n=256)
    assert set(peaks) == {*MATMUL_BACKENDS, "best"}
    assert all(v > 0 for v in peaks.values())
    assert peaks["best"] == max(peaks[name] for name in MATMUL_BACKENDS)

    window, gflop = prepare_train_step(tiny_config)
    assert gflop > 0  # XLA's cost analysis of the step, the numerator of GFLOP/s
    ms = op_time_breakdown(window, steps=1)
    assert {"convolution", "dot", "layout copy"} <= set(ms), ms
    assert all(v > 0 for v in ms.values())
    assert list(ms.values()) == sorted(ms.values(), reverse=True)
