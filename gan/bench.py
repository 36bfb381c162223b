"""Throughput measurement shared by ``provenance gan bench`` and scripts/bench_gan_*.py."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import jax
import jax.numpy as jnp
import numpy as np

from gan.configs.default import Config
from gan.train import _init_state, jit_train_step

__all__ = ["Throughput", "matmul_peak_gflops", "prepare_train_step", "train_throughput"]


@dataclass(frozen=True)
class Throughput:
    resolution: int
    batch_size: int
    steps: int
    seconds: float
    images_per_s: float  # real images consumed per second (one D + one G update per batch)
    gflop_per_step: float  # from XLA's cost analysis of the compiled step
    gflops: float


def prepare_train_step(
    config: Config, *, tuned: bool = True
) -> tuple[Callable[[int], float], float]:
    """Compile the jitted training step (state donated, compiler options as in training, or XLA's
    defaults with ``tuned=False``) and run two warm-up steps; returns ``(window, gflop_per_step)``
    where ``window(steps)`` runs that many steps and returns the wall seconds. Benchmarks
    interleave windows of different implementations."""
    state, g_def, d_def = _init_state(config)
    step = jit_train_step(config, g_def, d_def, tuned=tuned)
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
    box = {"state": state, "i": 0}

    def window(steps: int) -> float:
        st = box["state"]
        start = time.perf_counter()
        for _ in range(steps):
            box["i"] = int(box["i"]) + 1  # type: ignore[call-overload]
            st, m = step(st, real, jax.random.fold_in(key, int(box["i"])), key, t0)  # type: ignore[call-overload]
        jax.block_until_ready(m)  # type: ignore[no-untyped-call]
        box["state"] = st
        return time.perf_counter() - start

    window(2)
    return window, flops / 1e9


def train_throughput(
    config: Config, *, steps: int = 10, warmup: int = 2, rounds: int = 1
) -> Throughput:
    """Images/s of the jitted training step: the best of ``rounds`` timed windows of ``steps``
    (the best window is the least disturbed one on a shared machine)."""
    window, gflop = prepare_train_step(config)
    for _ in range(max(0, warmup - 2)):
        window(1)
    seconds = min(window(steps) for _ in range(rounds))
    return Throughput(
        config.resolution,
        config.batch_size,
        steps,
        seconds,
        config.batch_size * steps / seconds,
        gflop,
        gflop * steps / seconds,
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
