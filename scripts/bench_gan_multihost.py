#!/usr/bin/env python
"""Multi-host data parallelism on this machine: the same training (32 px, width 16, batch 16,
data_shards 2) as one process and as two processes joined by jax.distributed over loopback (Gloo),
one CPU device each; images/s over the steps after the first (compilation), and the largest loss
difference between the two runs.

    .venv/bin/python scripts/bench_gan_multihost.py --steps 100   # writes docs/gan/multihost.json
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

_WORKER = """
import dataclasses, json, sys, time
from gan.distributed import Processes, initialize
count, index = int(sys.argv[2]), int(sys.argv[3])
initialize(Processes(sys.argv[1] if count > 1 else None, count, index))
import jax
from gan.configs.default import Config
from gan.input_pipeline import load_dataset
from gan.train import train_and_evaluate
cfg = Config.from_dict(json.loads(sys.argv[4]))
data = load_dataset("builtin:lfw", cfg.resolution, shard=(index, count))
stamps = []
res = train_and_evaluate(cfg, sys.argv[5], dataset=data,
                         on_step=lambda s, v: stamps.append(time.perf_counter()))
rate = (len(stamps) - 1) * cfg.batch_size / (stamps[-1] - stamps[0])
print(json.dumps({"images_per_s": rate, "history": res.history, "devices": len(jax.devices())}))
"""


def run(count: int, cfg: dict[str, object], folder: Path) -> list[dict[str, object]]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**os.environ, "JAX_PLATFORMS": "cpu"}
    env.pop("XLA_FLAGS", None)
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _WORKER, f"127.0.0.1:{port}", str(count), str(i)]
            + [json.dumps(cfg), str(folder)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for i in range(count)
    ]
    out = []
    for p in procs:
        stdout, stderr = p.communicate(timeout=3600)
        if p.returncode != 0:
            raise SystemExit(stderr[-3000:])
        out.append(json.loads(stdout.strip().splitlines()[-1]))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--steps", type=int, default=100)
    ap.add_argument("--out", type=Path, default=Path("docs/gan/multihost.json"))
    ap.add_argument(
        "--smoke", action="store_true", help="tiny run into a temp file: check the script works"
    )
    args = ap.parse_args()
    if args.smoke:
        args.steps, args.out = 4, Path(tempfile.mkdtemp(prefix="bench-smoke-")) / "multihost.json"
    from gan.configs.default import get_config

    cfg = get_config(
        data="builtin:lfw",
        resolution=32,
        steps=args.steps,
        batch_size=16,
        ngf=16,
        ndf=16,
        data_shards=2,
        sample_every=10**9,
        checkpoint_every=10**9,
        log_every=10**9,
    ).to_dict()
    with tempfile.TemporaryDirectory() as tmp:
        one = run(1, cfg, Path(tmp) / "one")[0]
        two = run(2, cfg, Path(tmp) / "two")
    diff = max(
        abs(float(a[k]) - float(b[k]))
        for a, b in zip(one["history"], two[0]["history"], strict=True)  # type: ignore[arg-type]
        for k in ("d_loss", "g_loss")
    )
    summary = {
        "config": {k: cfg[k] for k in ("resolution", "batch_size", "ngf", "steps", "data_shards")},
        "one_process_images_per_s": round(float(one["images_per_s"]), 1),  # type: ignore[arg-type]
        "two_processes_images_per_s": round(float(two[0]["images_per_s"]), 1),  # type: ignore[arg-type]
        "max_loss_difference": diff,
        "cpus": os.cpu_count(),
        "load_average": os.getloadavg(),
        "note": "both processes share this machine's CPUs: this measures the protocol's cost, "
        "not the speed-up two hosts would give",
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(summary, indent=2) + "\n")
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
