#!/usr/bin/env python3
"""`provenance verify --regenerate` next to `provenance verify` of the same token, in one run.

    .venv/bin/python scripts/bench_regenerate.py [--runs 5] [--jax-floor] [--smoke]

On a private PROVENANCE_HOME with its devnet: the shipped default model generates a work (seed 3),
it is minted, then `verify TOKEN` and `verify TOKEN --regenerate --model ...` run alternately as
fresh processes (interleaved rounds, after one warm-up of each), and the regeneration's evidence
is checked. Since issue 22 the regeneration runs the generator in numpy (gan.numpy_generator): no
JAX import, no compilation. Also timed: `python -c "import numpy"` (single-threaded BLAS, as
the regeneration loads it), most of what the regeneration adds to `verify`, and with --jax-floor
`python -c "import jax, flax.nnx"`, what a regeneration in JAX could not go under. Medians of RUNS with [min, max], and the load average
before and after. --smoke: one run of each (checks the script works). Prints one JSON document.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable
MODEL = ROOT / "gan" / "default_model" / "generator.msgpack"
DONOR = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"  # dev account 1


def timed(args: list[str], env: dict[str, str]) -> tuple[float, str]:
    start = time.perf_counter()
    result = subprocess.run(args, capture_output=True, text=True, env=env, cwd=ROOT, check=False)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(args[:4])} ... failed: {result.stderr.strip()[-500:]}")
    return elapsed, result.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--smoke", action="store_true", help="one run of each: check it works")
    parser.add_argument("--jax-floor", action="store_true", help="also time importing jax, flax")
    options = parser.parse_args()
    runs = 1 if options.smoke else options.runs
    cli = [PY, "-m", "provenance"]
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "home"
        env = {**os.environ, "PROVENANCE_HOME": str(home), "PYTHONPYCACHEPREFIX": f"{tmp}/pyc"}
        env.pop("PYTHONDONTWRITEBYTECODE", None)  # as an installed package: bytecode cached
        art = Path(tmp) / "work.png"
        timed([*cli, "gan", "generate", "--model", str(MODEL), "--seed", "3", "-o", str(art)], env)
        try:
            minted = timed([*cli, "mint", str(art), "--donor", DONOR, "--json"], env)[1]
            token = str(json.loads(minted)["token_id"])
            verify = [*cli, "verify", token]
            regenerate = [*verify, "--regenerate", "--model", str(MODEL)]
            plain_s, regen_s, numpy_s, floor_s, ratios = [], [], [], [], []
            load_before = Path("/proc/loadavg").read_text().split()[:3]
            for run in range(-1, runs):  # run -1 is the warm-up
                plain = timed([*verify, "--json"], env)[0]
                regen, out = timed([*regenerate, "--json"], env)
                numpy = timed([PY, "-c", "import numpy"], {**env, "OPENBLAS_NUM_THREADS": "1"})[0]
                if options.jax_floor:
                    floor = timed([PY, "-c", "import jax, flax.nnx"], env)[0]
                checks = {c["name"]: c for c in json.loads(out)["checks"]}
                if "regenerated:" not in checks["generation"]["detail"]:
                    raise SystemExit(f"no regeneration in the report: {checks['generation']}")
                if run >= 0:
                    plain_s.append(plain)
                    regen_s.append(regen)
                    numpy_s.append(numpy)
                    if options.jax_floor:
                        floor_s.append(floor)
                    ratios.append(regen / plain)
            load_after = Path("/proc/loadavg").read_text().split()[:3]
        finally:
            timed([*cli, "chain", "down"], env)
        evidence = checks["generation"]["detail"].split("regenerated: ", 1)[1]

    def spread(values: list[float]) -> list[float]:
        return [round(statistics.median(values), 3), round(min(values), 3), round(max(values), 3)]

    figures = {
        "runs": runs,
        "verify_s": spread(plain_s),
        "verify_regenerate_s": spread(regen_s),
        "regenerate_over_verify": round(statistics.median(regen_s) / statistics.median(plain_s), 2),
        "regenerate_over_verify_per_round": spread(ratios),
        "import_numpy_s": spread(numpy_s),
        **({"import_jax_flax_s": spread(floor_s)} if floor_s else {}),
        "evidence": evidence,
        "loadavg": {"before": load_before, "after": load_after},
    }
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
