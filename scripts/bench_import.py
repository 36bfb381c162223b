#!/usr/bin/env python3
"""Why the toolkit keeps its own thin JSON-RPC client: what `import web3` alone would cost, next
to a whole `provenance mint`, measured in the same run.

    .venv/bin/python scripts/bench_import.py [--runs 5]

Each figure is the median wall time of fresh processes, as a user runs them from the shell:
  * `python -c pass` (the interpreter's floor);
  * `python -c "import web3"` (web3.py 8, a dev dependency here: the tests' independent client);
  * `provenance mint` of a new artwork on a running devnet, interpreter start included.
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

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable
DONOR = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"  # dev account 1


def timed(args: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    result = subprocess.run(args, capture_output=True, text=True, env=env, cwd=ROOT, check=False)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed: {result.stderr.strip()}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--smoke", action="store_true", help="one run: check the script works")
    parsed = parser.parse_args()
    runs = 1 if parsed.smoke else parsed.runs

    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "PROVENANCE_HOME": home}
        timed([PY, "-m", "provenance", "chain", "up"], env)
        try:
            floor = [timed([PY, "-c", "pass"], env) for _ in range(runs)]
            web3 = [timed([PY, "-c", "import web3"], env) for _ in range(runs)]
            timed([PY, "-m", "provenance", "deploy"], env)  # a read (tokens list) never deploys
            mints = []
            for run in range(runs):
                art = Path(home) / f"bench-{run}.png"
                pixels = (np.random.default_rng(run).random((64, 64, 3)) * 255).astype("uint8")
                Image.fromarray(pixels).save(art)
                mints.append(
                    timed([PY, "-m", "provenance", "mint", str(art), "--donor", DONOR], env)
                )
        finally:
            timed([PY, "-m", "provenance", "chain", "down"], env)
    figures = {
        "runs": runs,
        "python_pass_s": round(statistics.median(floor), 3),
        "import_web3_s": round(statistics.median(web3), 3),
        "import_web3_over_floor_s": round(statistics.median(web3) - statistics.median(floor), 3),
        "provenance_mint_s": round(statistics.median(mints), 3),
    }
    print(json.dumps(figures, indent=2))
    print(
        f"import web3 alone: {figures['import_web3_s']} s; a whole mint (its own interpreter,"
        f" RPC, IPFS store, signing, receipt): {figures['provenance_mint_s']} s",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
