"""Throughput measurement shared by ``provenance gan bench`` and scripts/bench_gan_*.py."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from gan.configs.default import Config
from gan.train import _init_state, jit_train_step

__all__ = [
    "MATMUL_BACKENDS",
    "Throughput",
    "matmul_peak_gflops",
    "matmul_peaks",
    "op_time_breakdown",
    "prepare_train_step",
    "train_throughput",
]


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


# XLA:CPU runs a plain f32 dot with its own (Eigen) kernels; with ``xla_cpu_use_onednn`` it calls
# oneDNN's GEMM instead, which on this AVX-512 CPU reaches ~1.7x more. A peak that ignored the
# faster library would flatter every percentage measured against it, so both are measured.
MATMUL_BACKENDS: dict[str, dict[str, Any] | None] = {
    "xla": None,
    "onednn": {"xla_cpu_use_onednn": True},
}


def matmul_peak_gflops(
    *, n: int = 1024, repeats: int = 10, windows: int = 3, backend: str = "xla"
) -> float:
    """Achieved float32 ``n x n`` matmul GFLOP/s with ``backend``'s kernels: the best of
    ``windows`` timed windows of ``repeats`` products (the least disturbed one: a peak)."""
    options = MATMUL_BACKENDS[backend] if jax.default_backend() == "cpu" else None
    a = jnp.ones((n, n), jnp.float32)
    f = jax.jit(lambda x: x @ x, compiler_options=options)
    f(a).block_until_ready()
    best = float("inf")
    for _ in range(windows):
        start = time.perf_counter()
        for _ in range(repeats):
            out = f(a)
        out.block_until_ready()
        best = min(best, time.perf_counter() - start)
    return 2 * n**3 * repeats / best / 1e9


def matmul_peaks(*, n: int = 1024) -> dict[str, float]:
    """The float32 matmul peak of each backend in ``MATMUL_BACKENDS`` (GFLOP/s), and ``best``."""
    peaks = {name: matmul_peak_gflops(n=n, backend=name) for name in MATMUL_BACKENDS}
    return {**peaks, "best": max(peaks.values())}


def op_time_breakdown(window: Callable[[int], float], steps: int = 3) -> dict[str, float]:
    """Milliseconds per step spent in each kind of XLA:CPU operation while ``window(steps)`` runs,
    from a ``jax.profiler`` trace (thread time summed over the compute threads): convolutions,
    dots, layout copies (transposes), pads/slices/concatenations, reductions and other fusions.
    Says where the time goes that the matmul peak does not explain."""
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory(prefix="gan-profile-") as tmp:
        jax.profiler.start_trace(tmp)
        window(steps)
        jax.profiler.stop_trace()  # type: ignore[no-untyped-call]
        trace = next(Path(tmp).rglob("*.xplane.pb"))
        data = jax.profiler.ProfileData.from_file(str(trace))
        kinds: dict[str, float] = {}
        for plane in data.planes:
            for line in plane.lines:
                if "XLAEigen" not in line.name:  # the intra-op threads that run the thunks
                    continue
                for event in line.events:
                    kind = _op_kind(event.name)
                    if kind is not None:
                        kinds[kind] = kinds.get(kind, 0.0) + event.duration_ns / 1e6 / steps
    return dict(sorted(kinds.items(), key=lambda kv: -kv[1]))


def _op_kind(name: str) -> str | None:
    if name.startswith("ThunkExecutor"):
        return None  # the envelope around the operations, not one of them
    if name.startswith(("convolution", "conv_general")):
        return "convolution"
    if name.startswith("dot") or "_dot" in name:
        return "dot"
    if "transpose" in name or name.startswith("copy"):
        return "layout copy"
    if "reduce" in name:
        return "reduction"
    if any(k in name for k in ("concatenate", "pad", "slice")):
        return "pad/slice/concatenate"
    return "other elementwise"
