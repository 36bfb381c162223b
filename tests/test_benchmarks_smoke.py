"""Benchmarks that do not rot: every ``scripts/bench_*.py`` has a ``--smoke`` mode, and this test
runs them, so a change that breaks a benchmark fails the build instead of the next measurement.

The fast ones run in the default suite, two at a time (about a minute on the shared 2-core box).
The GAN benchmarks, the regeneration, the screen and the demo take half a minute to minutes
(XLA compiles a training step for one to three minutes on that box), so they run when
``PROVENANCE_SMOKE_SLOW=1`` is set
(``PROVENANCE_SMOKE_SLOW=1 .venv/bin/python -m pytest tests/test_benchmarks_smoke.py -m slow``);
the demo itself is also checked by ``tests/test_demo.py``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FAST = [
    "bench_cli_startup.py",
    "bench_donate.py",
    "bench_gallery_scale.py",
    "bench_gas.py",
    "bench_import.py",
    "bench_ipfs.py",
    "bench_mint.py",
    "bench_mint_batch.py",
    "bench_pins.py",
    "bench_seal.py",
]
SLOW = [
    "bench_demo.py",
    "bench_gan_data_efficiency.py",
    "bench_gan_faces.py",
    "bench_gan_multihost.py",
    "bench_gan_steps.py",
    "bench_gan_throughput.py",
    "bench_gan_wgrad_blas.py",  # compiles three 32 px training steps (XLA, callback, jax.ffi)
    "bench_regenerate.py",
    "bench_regenerate_pixels.py",  # trains a 32 px model 2 steps: XLA compiles a step first
    "bench_screen.py",  # two models in Chromium for 4 s each: about 30 s on the shared machine
]
# Smoke-run by their own end-to-end tests in the default suite (not run twice).
ELSEWHERE = {
    "bench_live_portrait.py": "tests/gan/test_gan_animate_live.py",
    "bench_face_rate.py": "tests/gan/test_gan_face_rate.py",
    "bench_verify_gallery.py": "tests/workflows/test_proof_travels.py",
}


def smoke(script: str) -> str | None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / script), "--smoke"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=900,
        check=False,
    )
    if result.returncode != 0:
        return f"{script} --smoke exited {result.returncode}: {result.stderr.strip()[-800:]}"
    return None


def test_every_benchmark_is_listed_here() -> None:
    scripts = {p.name for p in (ROOT / "scripts").glob("bench_*.py")}
    assert scripts == set(FAST) | set(SLOW) | set(ELSEWHERE)
    for name in scripts:
        assert "--smoke" in (ROOT / "scripts" / name).read_text(), f"{name} has no --smoke"
    for name, test in ELSEWHERE.items():
        text = (ROOT / test).read_text()
        assert name in text and "--smoke" in text, f"{test} does not smoke-run {name}"


def test_fast_benchmarks_run_in_smoke_mode() -> None:
    with ThreadPoolExecutor(max_workers=2) as pool:
        failures = [f for f in pool.map(smoke, FAST) if f]
    assert not failures, "\n".join(failures)


@pytest.mark.slow
@pytest.mark.skipif(
    os.environ.get("PROVENANCE_SMOKE_SLOW") != "1", reason="minutes: set PROVENANCE_SMOKE_SLOW=1"
)
@pytest.mark.parametrize("script", SLOW)
def test_slow_benchmarks_run_in_smoke_mode(script: str) -> None:
    assert smoke(script) is None
