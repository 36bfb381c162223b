"""scripts/gpu-check runs end to end (on CPU with --cpu-smoke; the accelerator run is the same
path at 128 px)."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_gpu_check_cpu_smoke() -> None:
    env = {**os.environ, "JAX_PLATFORMS": "cpu"}
    proc = subprocess.run(
        [str(ROOT / "scripts" / "gpu-check"), "--cpu-smoke", "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=280,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = json.loads(proc.stdout)
    assert out["backend"] == "cpu" and out["steps"] == 4 and out["images_per_s"] > 0
    assert out["works"] == out["regenerated_on_cpu"] == 8 and out["max_abs_diff"] == 0
    assert out["numpy_max_abs_diff"] <= 1 and out["numpy_differing_values"] <= 0.01


def test_gpu_check_without_accelerator_says_so() -> None:
    env = {**os.environ, "JAX_PLATFORMS": "cpu"}
    proc = subprocess.run(
        [str(ROOT / "scripts" / "gpu-check")],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 3
    assert "no accelerator" in proc.stderr and "--cpu-smoke" in proc.stderr
