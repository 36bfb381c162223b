#!/usr/bin/env python
"""Weight gradients of the GAN training step's convolutions with a real TN GEMM that reads the NHWC
maps in place (numpy's OpenBLAS), against XLA:CPU's own (a transposed copy of the activation, then
its Eigen convolution): issue 22, goal 6's last experiment. Not kept in training; docs/gan.md.

The BLAS form ("flat shift"): x zero-padded to (n, hp, wp, ci) and flattened to (L, ci) rows, dy
placed in a zero (n, hp, wp, co) map flattened to (L, co); tap (i, j) of the kernel gradient is
``xf[off : off + L'].T @ dyf[:L']`` with off = i * wp + j: one sgemm with transA per tap, no copy
of either operand. D's 4x4 stride-2 convs go through space-to-depth first (one reordering copy).

Two parts, each interleaved in one process (medians, [min, max] over rounds, load averages):
  shapes  the step's weight-gradient convolutions alone (batch 32): XLA's jitted VJP (the training
          step's compiler options) against numpy's TN sgemms with fresh pads, with pads into kept
          zero buffers, and the sgemms alone, at 1 and 2 BLAS threads;
  --step  the whole jitted training step as training compiles it, against the same step with the
          weight gradients of G's one-conv sub-pixel convs and D's strided convs computed by the
          sgemms, through ``jax.pure_callback`` (numpy) and through ``jax.ffi`` (a C++ handler,
          scripts/bench_gan_wgrad_blas_ffi.cc, compiled here with g++ against jaxlib's headers).
    .venv/bin/python scripts/bench_gan_wgrad_blas.py [--rounds 7] [--step [--profile]]"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, NoReturn

import numpy as np

REPO = Path(__file__).resolve().parent.parent
FFI_SOURCE = REPO / "scripts" / "bench_gan_wgrad_blas_ffi.cc"
# The whole-step arms besides XLA's own: numpy through jax.pure_callback, and the C++ handlers
# (taps in the calling thread with OpenBLAS's threads; taps as tasks on XLA's own thread pool).
FFI_TARGETS = {"ffi": "bench_flat_shift_wgrad", "ffi_pool": "bench_flat_shift_wgrad_pool"}
BLAS_ARMS = ("callback", *FFI_TARGETS)

# (name, n, h, w, ci, co, k, stride, pad): the weight-gradient convolutions of the default config
# (ngf = ndf = 32, batch 32) and how often each runs per training step.
SHAPES = {
    "32": [
        ("G up32 one-conv sub-pixel (16 px map), 1 per step", 32, 18, 18, 64, 256, 2, 1, 0),
        ("G up16 phase conv (8 px map), 4 per step", 32, 9, 9, 128, 128, 2, 1, 0),
        ("G to_rgb 3x3 (32 px), 1 per step", 32, 32, 32, 32, 3, 3, 1, 1),
        ("D from_rgb 3x3 (32 px), 2 per step", 32, 32, 32, 3, 32, 3, 1, 1),
        ("D down16 4x4/2 (32 px), 2 per step", 32, 32, 32, 32, 64, 4, 2, 1),
        ("D down8 4x4/2 (16 px), 2 per step", 32, 16, 16, 64, 128, 4, 2, 1),
    ],
    "64": [
        ("G up64 one-conv sub-pixel (32 px map), 1 per step", 32, 34, 34, 32, 128, 2, 1, 0),
        ("G to_rgb 3x3 (64 px), 1 per step", 32, 64, 64, 16, 3, 3, 1, 1),
        ("D from_rgb 3x3 (64 px), 2 per step", 32, 64, 64, 3, 16, 3, 1, 1),
        ("D down32 4x4/2 (64 px), 2 per step", 32, 64, 64, 16, 32, 4, 2, 1),
    ],
}


def configuration_error(message: str) -> NoReturn:
    print(f"bench_gan_wgrad_blas: {message}", file=sys.stderr)
    raise SystemExit(3)


class Blas:
    """numpy's bundled OpenBLAS: its ILP64 cblas_sgemm's address (for the C++ handler) and its
    thread count (numpy's matmul and the handler call the same library)."""

    def __init__(self) -> None:
        libs = sorted((Path(np.__file__).parent.parent / "numpy.libs").glob("libscipy_openblas*"))
        if not libs:
            configuration_error("numpy's bundled OpenBLAS not found")
        self.lib = ctypes.CDLL(str(libs[0]))  # already loaded by numpy: the same handle
        self.sgemm = ctypes.cast(self.lib.scipy_cblas_sgemm64_, ctypes.c_void_p).value

    def threads(self, n: int) -> None:
        self.lib.scipy_openblas_set_num_threads64_(ctypes.c_int(n))


def flat_shift_gemms(xf: np.ndarray, dyf: np.ndarray, k: int, wp: int) -> np.ndarray:
    """dW (k, k, ci, co) from the flattened padded maps; dyf's last (k-1)(wp+1) rows are zeros."""
    rows = dyf.shape[0] - ((k - 1) * wp + (k - 1))
    out = np.empty((k, k, xf.shape[1], dyf.shape[1]), np.float32)
    for i in range(k):
        for j in range(k):
            off = i * wp + j
            np.matmul(xf[off : off + rows].T, dyf[:rows], out=out[i, j])
    return out


def flat_shift_wgrad(
    x: np.ndarray, dy: np.ndarray, k: int, pad: int, kept: dict[str, np.ndarray] | None = None
) -> np.ndarray:
    """dW of a stride-1 conv of x padded by ``pad``; ``kept``: zero buffers reused between calls
    (only their interiors are written) instead of fresh ones."""
    n, h, w, ci = x.shape
    _, ho, wo, co = dy.shape
    hp, wp = h + 2 * pad, w + 2 * pad
    buffers = {} if kept is None else kept
    if "xp" not in buffers:
        buffers["xp"] = np.zeros((n, hp, wp, ci), np.float32)
        buffers["dyp"] = np.zeros((n, hp, wp, co), np.float32)
    xp, dyp = buffers["xp"], buffers["dyp"]
    xp[:, pad : pad + h, pad : pad + w] = x
    dyp[:, :ho, :wo] = dy
    return flat_shift_gemms(xp.reshape(-1, ci), dyp.reshape(-1, co), k, wp)


def space_to_depth(xp: Any) -> Any:
    """(n, h, w, c) -> (n, h/2, w/2, 4c) in (a, b, c) order; numpy or JAX arrays."""
    n, h, w, c = xp.shape
    s = xp.reshape(n, h // 2, 2, w // 2, 2, c).transpose(0, 1, 3, 2, 4, 5)
    return s.reshape(n, h // 2, w // 2, 4 * c)  # numpy: a contiguous copy


def kernel_from_space_to_depth(g: Any) -> Any:
    """(2, 2, 4c, co) over (p, q, a, b, c) -> the 4x4 kernel gradient (4, 4, c, co)."""
    c, co = g.shape[2] // 4, g.shape[3]
    return g.reshape(2, 2, 2, 2, c, co).transpose(0, 2, 1, 3, 4, 5).reshape(4, 4, c, co)


def strided_wgrad(
    x: np.ndarray, dy: np.ndarray, kept: dict[str, np.ndarray] | None = None
) -> np.ndarray:
    """dW (4, 4, ci, co) of a 4x4, stride 2, pad 1 conv: space-to-depth, then 4 TN sgemms."""
    s = space_to_depth(np.pad(x, ((0, 0), (1, 1), (1, 1), (0, 0))))
    return kernel_from_space_to_depth(flat_shift_wgrad(s, dy, 2, 0, kept))  # type: ignore[no-any-return]


def median_ratio(num: list[float], den: list[float]) -> list[float]:
    r = [a / b for a, b in zip(num, den, strict=True)]
    return [round(float(np.median(r)), 2), round(min(r), 2), round(max(r), 2)]


def bench_shapes(todo: list[tuple[Any, ...]], rounds: int, reps: int, blas: Blas) -> None:
    for shape in todo:
        print(json.dumps(bench_shape(*shape, rounds=rounds, reps=reps, blas=blas)), flush=True)


def bench_shape(
    name: str,
    n: int,
    h: int,
    w: int,
    ci: int,
    co: int,
    k: int,
    stride: int,
    pad: int,
    *,
    rounds: int,
    reps: int,
    blas: Blas,
) -> dict[str, Any]:
    """One weight-gradient convolution: XLA's against the BLAS arms, interleaved."""
    import jax
    import jax.numpy as jnp

    from gan.train import TRAIN_COMPILER_OPTIONS

    rng = np.random.default_rng(0)
    x = rng.standard_normal((n, h, w, ci), np.float32)
    ho, wo = (h + 2 * pad - k) // stride + 1, (w + 2 * pad - k) // stride + 1
    dy = rng.standard_normal((n, ho, wo, co), np.float32)
    kernel = jnp.zeros((k, k, ci, co), jnp.float32)
    window = ((pad, pad), (pad, pad))

    def wgrad(xx: Any, gg: Any) -> Any:
        def conv(kk: Any) -> Any:
            return jax.lax.conv_general_dilated(
                xx, kk, (stride, stride), window, dimension_numbers=("NHWC", "HWIO", "NHWC")
            )

        return jax.vjp(conv, kernel)[1](gg)[0]

    xla = jax.jit(wgrad, compiler_options=TRAIN_COMPILER_OPTIONS)
    xj, dyj = jnp.asarray(x), jnp.asarray(dy)
    kept: dict[str, np.ndarray] = {}
    if stride == 1:
        hp, wp = h + 2 * pad, w + 2 * pad

        def fresh() -> np.ndarray:
            return flat_shift_wgrad(x, dy, k, pad)

        def reused() -> np.ndarray:
            return flat_shift_wgrad(x, dy, k, pad, kept)
    else:  # space-to-depth: a 2x2 stride-1 conv of 4 ci channels
        hp, wp, k, ci = h // 2 + 1, w // 2 + 1, 2, 4 * ci

        def fresh() -> np.ndarray:
            return strided_wgrad(x, dy)

        def reused() -> np.ndarray:
            return strided_wgrad(x, dy, kept)

    xf, dyf = np.zeros((n * hp * wp, ci), np.float32), np.zeros((n * hp * wp, co), np.float32)
    ref = np.asarray(xla(xj, dyj))
    err = float(np.max(np.abs(fresh() - ref)) / np.max(np.abs(ref)))
    if not err < 1e-4:
        raise SystemExit(f"bench_gan_wgrad_blas: {name}: the BLAS gradient is off by {err:.2g}")
    arms: dict[str, tuple[int, Callable[[], Any]]] = {
        "xla": (0, lambda: xla(xj, dyj).block_until_ready())
    }
    for t in (1, 2):
        arms[f"blas_fresh_pads_{t}t"] = (t, fresh)
        arms[f"blas_kept_pads_{t}t"] = (t, reused)
        arms[f"blas_sgemms_only_{t}t"] = (t, lambda: flat_shift_gemms(xf, dyf, k, wp))
    times: dict[str, list[float]] = {a: [] for a in arms}
    load = [os.getloadavg()[0]]
    for threads, fn in arms.values():  # warm-up: compilation, first-touch of the buffers
        blas.threads(max(threads, 1))
        fn()
    for _ in range(rounds):
        for arm, (threads, fn) in arms.items():
            blas.threads(max(threads, 1))
            start = time.perf_counter()
            for _ in range(reps):
                fn()
            times[arm].append((time.perf_counter() - start) / reps)
    load.append(os.getloadavg()[0])
    flop = 2 * n * ho * wo * k * k * ci * co  # strided: its 16 taps of ci = 4 taps of 4 ci
    med = {a: float(np.median(v)) for a, v in times.items()}
    return {
        "shape": name,
        "gflop": round(flop / 1e9, 3),
        "ms_median": {a: round(v * 1e3, 2) for a, v in med.items()},
        "gflops": {a: round(flop / v / 1e9, 1) for a, v in med.items()},
        "speedup_over_xla_median_min_max": {
            a: median_ratio(times["xla"], times[a]) for a in arms if a != "xla"
        },
        "max_rel_err": err,
        "load_before_after": load,
    }


@contextlib.contextmanager
def blas_weight_gradients(kind: str, blas: Blas) -> Iterator[None]:
    """While tracing: G's one-conv sub-pixel convs and D's strided convs (gan.models) take their
    kernel gradients from the sgemms, through ``jax.pure_callback`` or ``jax.ffi``."""
    import jax
    import jax.numpy as jnp

    import gan.models as m

    def wgrad(xp: Any, dyp: Any, k: int) -> Any:
        out = jax.ShapeDtypeStruct((k, k, xp.shape[-1], dyp.shape[-1]), jnp.float32)
        if kind in FFI_TARGETS:
            call = jax.ffi.ffi_call(FFI_TARGETS[kind], out)
            return call(xp, dyp, k=np.int64(k), sgemm=np.int64(blas.sgemm))
        host = lambda a, b: flat_shift_gemms(
            np.asarray(a).reshape(-1, a.shape[-1]),
            np.asarray(b).reshape(-1, b.shape[-1]),
            k,
            a.shape[2],
        )
        return jax.pure_callback(host, out, xp, dyp)

    conv = m._conv

    @jax.custom_vjp
    def conv_blas(x: Any, k: Any) -> Any:
        return conv(x, k)

    def conv_fwd(x: Any, k: Any) -> Any:
        return conv(x, k), (x, k)

    def conv_bwd(res: Any, dy: Any) -> Any:
        x, k = res
        dx = jax.vjp(lambda v: conv(v, k), x)[1](dy)[0]
        kk = k.shape[0]
        return dx, wgrad(x, jnp.pad(dy, ((0, 0), (0, kk - 1), (0, kk - 1), (0, 0))), kk)

    conv_blas.defvjp(conv_fwd, conv_bwd)

    def strided_bwd(res: Any, dy: Any) -> Any:
        x, kernel = res
        dx = jax.vjp(lambda v: m._space_to_depth_conv(v, kernel), x)[1](dy)[0]
        s = space_to_depth(jnp.pad(x, ((0, 0), (1, 1), (1, 1), (0, 0))))
        g = wgrad(s, jnp.pad(dy, ((0, 0), (0, 1), (0, 1), (0, 0))), 2)
        return dx, kernel_from_space_to_depth(g)

    # The one-conv branch of upsample_conv3x3 is the only 2x2 conv over maps of 18 px and more
    # whose kernel gradient is used (D's space-to-depth conv only gives its input gradient).
    m._conv = lambda x, k: conv_blas(x, k) if x.shape[1] >= 18 and k.shape[0] == 2 else conv(x, k)
    m._strided_conv4x4.defvjp(m._strided_fwd, strided_bwd)
    try:
        yield
    finally:
        m._conv = conv
        m._strided_conv4x4.defvjp(m._strided_fwd, m._strided_bwd)


def register_ffi(tmp: Path) -> None:
    import jax

    compiler = shutil.which("g++")
    if compiler is None:
        configuration_error("--step needs g++ (the jax.ffi arms are C++)")
    lib = tmp / "libbench_wgrad.so"
    cmd = [compiler, "-O2", "-shared", "-fPIC", "-std=c++17", "-w"]
    cmd += ["-I", jax.ffi.include_dir(), str(FFI_SOURCE), "-o", str(lib)]
    built = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if built.returncode != 0:
        errors = [line for line in built.stderr.splitlines() if "error" in line] or ["?"]
        configuration_error(f"g++ could not build {FFI_SOURCE.name}: {errors[0]}")
    handlers = ctypes.CDLL(str(lib))
    symbols = ("FlatShiftWgrad", "FlatShiftWgradPool")
    for target, symbol in zip(FFI_TARGETS.values(), symbols, strict=True):
        capsule = jax.ffi.pycapsule(getattr(handlers, symbol))
        jax.ffi.register_ffi_target(target, capsule, platform="cpu")


def check_same_gradients(blas: Blas) -> None:
    """The BLAS arms must compute the step's function: gradients of the sub-pixel conv (one-conv
    branch) and of the strided conv against gan.models' own, else exit 1."""
    import jax

    import gan.models as m

    keys = jax.random.split(jax.random.key(0), 5)
    x16, k3 = jax.random.normal(keys[0], (2, 16, 16, 8)), jax.random.normal(keys[1], (3, 3, 8, 6))
    x8, k4 = jax.random.normal(keys[2], (2, 8, 8, 8)), jax.random.normal(keys[3], (4, 4, 8, 6))
    bias = jax.random.normal(keys[4], (6,))

    def grads() -> list[Any]:
        # Fresh functions, so that jit traces them under the current gan.models.
        up = jax.grad(lambda x, k: (m.upsample_conv3x3(x, k) ** 2).sum(), argnums=(0, 1))
        st = jax.grad(lambda x, k, b: (m.strided_conv4x4(x, k, b) ** 2).sum(), argnums=(0, 1, 2))
        return [*jax.jit(up)(x16, k3), *jax.jit(st)(x8, k4, bias)]

    want = grads()
    for kind in BLAS_ARMS:
        blas.threads(1 if kind == "ffi_pool" else 2)
        with blas_weight_gradients(kind, blas):
            got = grads()
        for a, b in zip(got, want, strict=True):
            err = float(np.max(np.abs(np.asarray(a) - np.asarray(b))) / np.max(np.abs(b)))
            if not err < 1e-5:
                raise SystemExit(
                    f"bench_gan_wgrad_blas: the {kind} arm's gradient is off by {err:.2g}"
                )


def bench_step(
    res: int,
    batch: int,
    steps: int,
    rounds: int,
    blas: Blas,
    blas_threads: int,
    tiny: bool,
    profile: bool,
) -> None:
    from gan.bench import op_time_breakdown, prepare_train_step
    from gan.configs.default import get_config

    extra = {"ngf": 8, "ndf": 8, "z_dim": 16} if tiny else {}
    cfg = get_config(resolution=res, batch_size=batch, **extra)
    windows, gflop = {}, {}
    windows["xla"], gflop["xla"] = prepare_train_step(cfg)
    # OpenBLAS's threads per arm: the pooled handler runs one sgemm per XLA thread.
    threads = {"xla": blas_threads, "callback": blas_threads, "ffi": blas_threads, "ffi_pool": 1}
    for kind in BLAS_ARMS:
        blas.threads(threads[kind])
        with blas_weight_gradients(kind, blas):
            windows[kind], gflop[kind] = prepare_train_step(cfg)
    wall: dict[str, list[float]] = {a: [] for a in windows}
    cpu: dict[str, list[float]] = {a: [] for a in windows}
    load = [os.getloadavg()[0]]
    for _ in range(rounds):
        for a, window in windows.items():
            blas.threads(threads[a])
            c0 = time.process_time()
            wall[a].append(window(steps) / steps)
            cpu[a].append((time.process_time() - c0) / steps)
    load.append(os.getloadavg()[0])
    row = {
        "resolution": res,
        "batch_size": batch,
        "ms_per_step_median": {a: round(1e3 * float(np.median(v)), 1) for a, v in wall.items()},
        "ms_per_step_min_max": {
            a: [round(1e3 * min(v), 1), round(1e3 * max(v), 1)] for a, v in wall.items()
        },
        "speedup_over_xla_wall": {
            a: median_ratio(wall["xla"], wall[a]) for a in windows if a != "xla"
        },
        "speedup_over_xla_cpu_time": {
            a: median_ratio(cpu["xla"], cpu[a]) for a in windows if a != "xla"
        },
        # XLA's cost analysis does not see inside a callback or a custom call.
        "xla_counted_gflop_per_step": {a: round(v, 2) for a, v in gflop.items()},
        "load_before_after": load,
    }
    # Thread milliseconds per step by kind of XLA:CPU op (gan.bench's profile): the callback and
    # the in-thread handler count as "other elementwise"; the pooled handler's sgemm tasks run
    # outside any op, so that arm's profile shows what XLA still does around them.
    if profile:
        row["op_ms_per_step"] = {}
        for a, window in windows.items():
            blas.threads(threads[a])
            ops = op_time_breakdown(window, steps)
            row["op_ms_per_step"][a] = {k: round(v, 1) for k, v in ops.items()}
    print(json.dumps(row), flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--rounds", type=int, default=7, help="interleaved timed windows per arm")
    ap.add_argument("--reps", type=int, default=5, help="calls per window (shapes)")
    ap.add_argument("--steps", type=int, default=3, help="training steps per window (--step)")
    ap.add_argument("--resolutions", default="32,64", help="comma-separated: 32 and/or 64")
    ap.add_argument("--step", action="store_true", help="also the whole training step A/B")
    ap.add_argument(
        "--blas-threads", type=int, default=1, help="OpenBLAS threads: --step's callback, ffi"
    )
    ap.add_argument("--profile", action="store_true", help="--step: op time by kind, per arm")
    ap.add_argument("--smoke", action="store_true", help="tiny run: check the script works")
    args = ap.parse_args()
    resolutions = args.resolutions.split(",")
    counts = (args.rounds, args.reps, args.steps, args.blas_threads)
    if not set(resolutions) <= set(SHAPES) or min(counts) < 1:
        ap.error("--resolutions takes 32 and/or 64; the counts must be at least 1")
    sys.path.insert(0, str(REPO))
    blas = Blas()
    todo = [s for r in resolutions for s in SHAPES[r]]
    if args.smoke:
        args.rounds, args.reps, args.steps, args.step, resolutions = 1, 1, 1, True, ["32"]
        args.profile = True
        todo = [SHAPES["32"][0], SHAPES["32"][4]]
    bench_shapes(todo, args.rounds, args.reps, blas)
    if args.step:
        with tempfile.TemporaryDirectory(prefix="bench-wgrad-") as tmp:
            register_ffi(Path(tmp))
            check_same_gradients(blas)
            batch, options = 8 if args.smoke else 32, (args.blas_threads, args.smoke, args.profile)
            for res in resolutions:
                bench_step(int(res), batch, args.steps, args.rounds, blas, *options)


if __name__ == "__main__":
    main()
