"""Throughput measurement shared by ``provenance gan bench`` and scripts/bench_gan_*.py."""

from __future__ import annotations

import time
from dataclasses import dataclass

import jax
import jax.numpy as jnp
import numpy as np

from gan.configs.default import Config
from gan.train import _init_state, make_train_step

__all__ = ["Throughput", "matmul_peak_gflops", "train_throughput"]


@dataclass(frozen=True)
class Throughput:
    resolution: int
    batch_size: int
    steps: int
    seconds: float
    images_per_s: float  # real images consumed per second (one D + one G update per batch)
    gflop_per_step: float  # from XLA's cost analysis of the compiled step
    gflops: float


def train_throughput(
    config: Config, *, steps: int = 10, warmup: int = 2, rounds: int = 1
) -> Throughput:
    """Images/s of the jitted training step: the best of ``rounds`` timed windows of ``steps``
    (the best window is the least disturbed one on a shared machine)."""
    state, g_def, d_def = _init_state(config)
    step = jax.jit(make_train_step(config, g_def, d_def), donate_argnums=(0,))
    real = jnp.asarray(
        np.random.default_rng(0).uniform(
            -1, 1, (config.batch_size, config.resolution, config.resolution, 3)
        ),
        jnp.float32,
    )
    key = jax.random.key(0)
    t0 = jnp.float32(0)
    compiled = step.lower(state, real, key, key, t0).compile()
    cost = compiled.cost_analysis()
    if isinstance(cost, list):
        cost = cost[0]
    flops = float(cost.get("flops", 0.0)) if cost else 0.0
    for i in range(warmup):
        state, m = step(state, real, jax.random.fold_in(key, i), key, t0)
    jax.block_until_ready(m)  # type: ignore[no-untyped-call]
    seconds = float("inf")
    for r in range(rounds):
        start = time.perf_counter()
        for i in range(steps):
            state, m = step(state, real, jax.random.fold_in(key, 1000 * r + 100 + i), key, t0)
        jax.block_until_ready(m)  # type: ignore[no-untyped-call]
        seconds = min(seconds, time.perf_counter() - start)
    return Throughput(
        config.resolution,
        config.batch_size,
        steps,
        seconds,
        config.batch_size * steps / seconds,
        flops / 1e9,
        flops * steps / seconds / 1e9,
    )


def matmul_peak_gflops(*, n: int = 1024, repeats: int = 10) -> float:
    """Achieved float32 matmul GFLOP/s (the practical peak of this machine, right now)."""
    a = jnp.ones((n, n), jnp.float32)
    f = jax.jit(lambda x: x @ x)
    f(a).block_until_ready()
    start = time.perf_counter()
    for _ in range(repeats):
        out = f(a)
    out.block_until_ready()
    return 2 * n**3 * repeats / (time.perf_counter() - start) / 1e9
