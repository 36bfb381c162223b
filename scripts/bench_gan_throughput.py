#!/usr/bin/env python
"""Training throughput of the GAN (one D update + one G update + EMA per batch, DiffAugment on)
in JAX and in a PyTorch reference implementation of the same architecture, at 32 and 64 px with
the same batch, side by side in one run; plus achieved GFLOP/s (XLA cost analysis of the JAX step)
against a float32 matmul peak measured in the same run, and the wall time of a warm-cache
`provenance gan generate` (interpreter start included).

PyTorch is a benchmark-only dependency, not a project one. One command installs the CPU build of
PyTorch 2.13 into its own venv (.bench-torch/, once) and runs this script with it:
    scripts/bench-gan-torch [--steps 5] [--rounds 9] [--batch-size 32] [--resolutions 32,64]
Run with .venv/bin/python alone, the PyTorch arms are left out.

The peak is the best float32 1024x1024 matmul of XLA's own kernels and of oneDNN (XLA's
``xla_cpu_use_onednn``), measured before and after the arms; ``--profile`` adds where the JAX
step's time goes by kind of operation (a jax.profiler trace).

The arms (JAX as training compiles it, JAX with XLA's default CPU compiler options, PyTorch,
PyTorch with the same sub-pixel / space-to-depth rewrite as JAX) run in interleaved windows;
medians and [min, max] over the rounds are reported.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parent.parent


def torch_prepare(  # type: ignore[no-untyped-def]
    resolution: int, batch: int, z_dim: int, ngf: int, ndf: int, *, subpixel: bool = False
):
    """A window(steps) -> seconds runner of the PyTorch reference, or None without torch.

    ``subpixel`` computes the generator's upsample + 3x3 conv as gan/models.py does in training:
    four 2x2 sub-pixel convs on small maps, one conv with the four phase kernels side by side from
    ``ONE_CONV_MIN_SIZE`` up, so that both frameworks do the same arithmetic. The discriminator's
    4x4 stride-2 conv stays PyTorch's own in both arms: JAX runs it the same way except for its
    input gradient (through space-to-depth, XLA:CPU's transposed conv being slow), which oneDNN
    computes directly."""
    try:
        import torch
        import torch.nn.functional as F
        from torch import nn
    except ImportError:
        return None
    torch.set_num_threads(os.cpu_count() or 1)
    torch.manual_seed(0)
    from gan.models import ONE_CONV_MIN_SIZE, d_channels, g_channels, sle_pairs, stages

    def groups(c: int) -> int:
        return 8 if c % 8 == 0 else 1

    class Up(nn.Module):
        def __init__(self, cin: int, cout: int) -> None:
            super().__init__()
            self.conv = nn.Conv2d(cin, cout * 2, 3, padding=1, bias=False)
            self.norm = nn.GroupNorm(groups(cout * 2), cout * 2)

        def forward(self, x):  # type: ignore[no-untyped-def]
            if not subpixel:
                h = self.conv(F.interpolate(x, scale_factor=2, mode="nearest"))
                return F.glu(self.norm(h), dim=1)
            k, xp, (hh, ww) = self.conv.weight, F.pad(x, [1, 1, 1, 1]), x.shape[2:]
            rows = (
                torch.stack([k[:, :, 0], k[:, :, 1] + k[:, :, 2]], 2),
                torch.stack([k[:, :, 0] + k[:, :, 1], k[:, :, 2]], 2),
            )
            kernels = []
            for a in (0, 1):
                kr = rows[a]
                kernels += [
                    torch.stack([kr[..., 0], kr[..., 1] + kr[..., 2]], -1),
                    torch.stack([kr[..., 0] + kr[..., 1], kr[..., 2]], -1),
                ]
            if hh >= ONE_CONV_MIN_SIZE:
                out, co = F.conv2d(xp, torch.cat(kernels, 0)), k.shape[0]
                ph = [
                    out[:, i * co : (i + 1) * co, a : a + hh, b : b + ww]
                    for i, (a, b) in enumerate(((0, 0), (0, 1), (1, 0), (1, 1)))
                ]
            else:
                ph = [
                    F.conv2d(xp[:, :, a : a + hh + 1, b : b + ww + 1], kernels[2 * a + b])
                    for a in (0, 1)
                    for b in (0, 1)
                ]
            h = F.pixel_shuffle(torch.stack(ph, 2).flatten(1, 2), 2)
            return F.glu(self.norm(h), dim=1)

    class SLE(nn.Module):
        def __init__(self, lo: int, hi: int) -> None:
            super().__init__()
            self.c4, self.c1 = nn.Conv2d(lo, lo, 4), nn.Conv2d(lo, hi, 1)

        def forward(self, low, high):  # type: ignore[no-untyped-def]
            g = torch.sigmoid(self.c1(F.silu(self.c4(F.adaptive_avg_pool2d(low, 4)))))
            return high * g

    class G(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            c4 = g_channels(4, ngf)
            self.init = nn.Linear(z_dim, 16 * c4 * 2)
            self.norm = nn.GroupNorm(groups(c4 * 2), c4 * 2)
            self.sizes = stages(resolution)
            self.ups = nn.ModuleDict(
                {str(r): Up(g_channels(r // 2, ngf), g_channels(r, ngf)) for r in self.sizes[1:]}
            )
            self.pairs = sle_pairs(resolution)
            self.sles = nn.ModuleDict(
                {f"{a}_{b}": SLE(g_channels(a, ngf), g_channels(b, ngf)) for a, b in self.pairs}
            )
            self.rgb = nn.Conv2d(g_channels(resolution, ngf), 3, 3, padding=1)

        def forward(self, z):  # type: ignore[no-untyped-def]
            z = z * torch.rsqrt((z * z).mean(-1, keepdim=True) + 1e-8)
            x = F.glu(self.norm(self.init(z).view(z.shape[0], -1, 4, 4)), dim=1)
            feats = {4: x}
            for r in self.sizes[1:]:
                x = self.ups[str(r)](x)
                for a, b in self.pairs:
                    if b == r:
                        x = self.sles[f"{a}_{b}"](feats[a], x)
                feats[r] = x
            return torch.tanh(self.rgb(x))

    class Down(nn.Module):
        def __init__(self, cin: int, cout: int) -> None:
            super().__init__()
            self.conv, self.skip = nn.Conv2d(cin, cout, 4, 2, 1), nn.Conv2d(cin, cout, 1)

        def forward(self, x):  # type: ignore[no-untyped-def]
            main = self.conv(x)
            return (F.leaky_relu(main, 0.2) + F.leaky_relu(self.skip(F.avg_pool2d(x, 2)), 0.2)) / 2

    class D(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.rgb = nn.Conv2d(3, d_channels(resolution, ndf), 3, padding=1)
            sizes = stages(resolution)[::-1]
            self.downs = nn.Sequential(
                *[Down(d_channels(r * 2, ndf), d_channels(r, ndf)) for r in sizes[1:]]
            )
            self.logit = nn.Conv2d(d_channels(4, ndf), 1, 4)

        def forward(self, x):  # type: ignore[no-untyped-def]
            return self.logit(self.downs(F.leaky_relu(self.rgb(x), 0.2))).view(-1)

    def augment(x):  # type: ignore[no-untyped-def]
        n, _, h, w = x.shape
        flip = torch.rand(n, 1, 1, 1) < 0.5
        x = torch.where(flip, x.flip(3), x)
        x = x + (torch.rand(n, 1, 1, 1) - 0.5)
        m = x.mean(1, keepdim=True)
        x = (x - m) * (torch.rand(n, 1, 1, 1) * 2) + m
        m = x.mean((1, 2, 3), keepdim=True)
        x = (x - m) * (torch.rand(n, 1, 1, 1) + 0.5) + m
        s = int(h * 0.125 + 0.5)
        sy, sx = torch.randint(-s, s + 1, (n, 1, 1)), torch.randint(-s, s + 1, (n, 1, 1))
        gy, gx = torch.meshgrid(torch.arange(h), torch.arange(w), indexing="ij")
        gy = torch.clamp(gy[None] - sy + 1, 0, h + 1)
        gx = torch.clamp(gx[None] - sx + 1, 0, w + 1)
        pad = F.pad(x, [1, 1, 1, 1])
        x = pad.permute(0, 2, 3, 1)[torch.arange(n)[:, None, None], gy, gx].permute(0, 3, 1, 2)
        c = int(h * 0.5 + 0.5)
        cy, cx = torch.randint(0, h, (n, 1, 1)), torch.randint(0, w, (n, 1, 1))
        yy, xx = torch.arange(h)[None, :, None], torch.arange(w)[None, None, :]
        inside = ((yy - cy).abs() < c // 2 + 0.5) & ((xx - cx).abs() < c // 2 + 0.5)
        return x * (~inside).unsqueeze(1).float()

    g, d, ema = G(), D(), G()
    ema.load_state_dict(g.state_dict())
    og = torch.optim.Adam(g.parameters(), 2e-4, betas=(0.5, 0.99))
    od = torch.optim.Adam(d.parameters(), 2e-4, betas=(0.5, 0.99))
    real = torch.rand(batch, 3, resolution, resolution) * 2 - 1

    def step() -> None:
        with torch.no_grad():
            fake = g(torch.randn(batch, z_dim))
        ld = F.relu(1 - d(augment(real))).mean() + F.relu(1 + d(augment(fake))).mean()
        od.zero_grad(set_to_none=True)
        ld.backward()
        od.step()
        lg = -d(augment(g(torch.randn(batch, z_dim)))).mean()
        og.zero_grad(set_to_none=True)
        lg.backward()
        og.step()
        with torch.no_grad():
            for pe, p in zip(ema.parameters(), g.parameters(), strict=True):
                pe.lerp_(p, 1 - 0.999)

    def window(steps: int) -> float:
        t0 = time.perf_counter()
        for _ in range(steps):
            step()
        return time.perf_counter() - t0

    window(2)
    return window


def generate_wall(repetitions: int = 3) -> list[float]:
    """Wall seconds of `provenance gan generate` on a freshly trained tiny run, warm cache."""
    cli = Path(sys.executable).with_name("provenance")
    if not cli.exists():  # run by scripts/bench-gan-torch's venv: the CLI lives in .venv
        cli = REPO / ".venv" / "bin" / "provenance"
    with tempfile.TemporaryDirectory() as tmp:
        from gan.configs.default import get_config
        from gan.train import train_and_evaluate

        train_and_evaluate(
            get_config(data="builtin:digits", steps=2, batch_size=8, sample_every=1000), tmp
        )
        # A fresh user cache dir: the first call compiles (cold), the next ones hit the cache.
        env = {**os.environ, "XDG_CACHE_HOME": f"{tmp}/xdg-cache"}
        times = []
        for i in range(repetitions + 1):
            t0 = time.perf_counter()
            subprocess.run(
                [
                    str(cli),
                    "gan",
                    "generate",
                    "--model",
                    tmp,
                    "--seed",
                    str(i),
                    "-o",
                    f"{tmp}/a{i}.png",
                ],
                check=True,
                capture_output=True,
                env=env,
            )
            times.append(time.perf_counter() - t0)
        return times


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--rounds", type=int, default=7, help="interleaved timed windows per arm")
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--resolutions", default="32,64", help="comma-separated, e.g. 32,64")
    ap.add_argument(
        "--profile", action="store_true", help="add the JAX step's time per kind of operation"
    )
    ap.add_argument("--out", type=Path, default=REPO / "docs" / "gan" / "throughput.json")
    ap.add_argument(
        "--smoke", action="store_true", help="tiny run into a temp file: check the script works"
    )
    args = ap.parse_args()
    if args.smoke:
        args.steps, args.rounds, args.batch_size, args.resolutions = 1, 1, 8, "32"
        args.profile = True  # so that the smoke run exercises the profile's parsing too
        args.out = Path(tempfile.mkdtemp(prefix="bench-smoke-")) / "throughput.json"
    sys.path.insert(0, str(REPO))
    from gan.bench import matmul_peaks, op_time_breakdown, prepare_train_step
    from gan.configs.default import get_config

    try:
        resolutions = [int(r) for r in args.resolutions.split(",")]
        for size in resolutions:
            get_config(resolution=size)
    except ValueError as exc:
        ap.error(f"--resolutions: {exc}")
    rows = []
    peaks = matmul_peaks()
    for res in resolutions:
        cfg = get_config(resolution=res, batch_size=args.batch_size)
        jax_window, gflop = prepare_train_step(cfg)
        # "jax_xla_defaults": the same step compiled with XLA's default CPU options (YNNPACK
        # convolutions), to show what gan.train.TRAIN_COMPILER_OPTIONS is worth in the same run.
        arms = {"jax": jax_window, "jax_xla_defaults": prepare_train_step(cfg, tuned=False)[0]}
        tp = [
            torch_prepare(res, args.batch_size, cfg.z_dim, cfg.ngf, cfg.ndf, subpixel=sp)
            for sp in (False, True)
        ]
        if tp[0] is not None:
            arms["torch"], arms["torch_subpixel"] = tp[0], tp[1]
        # Interleaved (ABCABC...) windows: the other users' load hits every arm alike; the median
        # over rounds is reported, with the min and max.
        times: dict[str, list[float]] = {k: [] for k in arms}
        for _ in range(args.rounds):
            for name, window in arms.items():
                times[name].append(window(args.steps))
        ips = {k: [args.batch_size * args.steps / t for t in v] for k, v in times.items()}
        med = {k: float(np.median(v)) for k, v in ips.items()}
        row: dict[str, Any] = {
            "resolution": res,
            "batch_size": args.batch_size,
            "images_per_s_median": {k: round(v, 1) for k, v in med.items()},
            "images_per_s_min_max": {
                k: [round(min(v), 1), round(max(v), 1)] for k, v in ips.items()
            },
            "jax_gflop_per_step": round(gflop, 2),
            "jax_gflops_median": round(gflop * med["jax"] / args.batch_size, 1),
        }
        if args.profile:
            row["jax_op_ms_per_step"] = {
                k: round(v, 1) for k, v in op_time_breakdown(jax_window).items()
            }
        if "torch" in med:
            # Per-round ratios of adjacent windows, then their median: robust to slow drifts.
            for ref in ("torch", "torch_subpixel", "jax_xla_defaults"):
                r = [a / b for a, b in zip(ips["jax"], ips[ref], strict=True)]
                row[f"jax_over_{ref}_median"] = round(float(np.median(r)), 2)
                row[f"jax_over_{ref}_min_max"] = [round(min(r), 2), round(max(r), 2)]
        rows.append(row)
        print(json.dumps(row), flush=True)
    after = matmul_peaks()
    peak = max(peaks["best"], after["best"])
    for row in rows:
        # Against the best f32 matmul of the run, and against XLA's own (Eigen) matmul alone.
        row["jax_percent_of_peak"] = round(100 * row["jax_gflops_median"] / peak, 1)
        xla = max(peaks["xla"], after["xla"])
        row["jax_percent_of_xla_matmul"] = round(100 * row["jax_gflops_median"] / xla, 1)
    walls = generate_wall(1 if args.smoke else 3)
    summary = {
        "rows": rows,
        "matmul_peak_gflops": round(peak, 1),
        "matmul_gflops_before_after": {
            k: [round(peaks[k], 1), round(after[k], 1)] for k in ("xla", "onednn")
        },
        "generate_wall_s": {"cold": round(walls[0], 2), "warm": [round(w, 2) for w in walls[1:]]},
        "load_average": os.getloadavg(),
        "cpus": os.cpu_count(),
        "steps_per_window": args.steps,
        "rounds": args.rounds,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(summary, indent=2) + "\n")
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
