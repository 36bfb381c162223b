#!/usr/bin/env python3
"""`provenance verify --regenerate` next to `provenance verify` of the same token, in one run.

    .venv/bin/python scripts/bench_regenerate.py [--runs 5] [--smoke]

On a private PROVENANCE_HOME with its devnet: the shipped default model generates a work (seed 3),
it is minted, then `verify TOKEN` and `verify TOKEN --regenerate --model ...` run alternately as
fresh processes, after one warm-up of each (the warm-up fills JAX's persistent compilation cache
under PROVENANCE_HOME/cache/jax, as a user's first regeneration does). Also timed, as the floor a
regeneration cannot go under while it runs the model in JAX: `python -c "import jax, flax.nnx"`.
Medians of RUNS. --smoke: one run of each (checks the script works). Prints one JSON document.
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
            plain_s, regen_s, floor_s = [], [], []
            for run in range(-1, runs):  # run -1 is the warm-up
                plain = timed(verify, env)[0]
                regen = timed(regenerate, env)[0]
                floor = timed([PY, "-c", "import jax, flax.nnx"], env)[0]
                if run >= 0:
                    plain_s.append(plain)
                    regen_s.append(regen)
                    floor_s.append(floor)
        finally:
            timed([*cli, "chain", "down"], env)
        cache = home / "cache" / "jax"
        cached = len(list(cache.iterdir())) if cache.is_dir() else 0
    figures = {
        "runs": runs,
        "verify_s": round(statistics.median(plain_s), 3),
        "verify_regenerate_s": round(statistics.median(regen_s), 3),
        "regenerate_over_verify": round(statistics.median(regen_s) / statistics.median(plain_s), 2),
        "import_jax_flax_s": round(statistics.median(floor_s), 3),
        "compilation_cache_entries": cached,
    }
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
