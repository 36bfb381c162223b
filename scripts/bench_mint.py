#!/usr/bin/env python3
"""Benchmark the main job on the devnet, from the shell as a user runs it.

    .venv/bin/python scripts/bench_mint.py [--batch 200] [--runs 5]

Measures, in one run on a private PROVENANCE_HOME with a running devnet:
  * `provenance --help` wall time (target <= 0.4 s), next to `python -c pass` (the floor);
  * a single `provenance mint` with a sealed message (target <= 1.5 s, interpreter start included);
  * `provenance mint-batch` of N artworks (target >= 20 mints/s) and its peak RSS.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from eth_keys.datatypes import PrivateKey
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable


def timed(args: list[str], env: dict[str, str]) -> tuple[float, subprocess.CompletedProcess[str]]:
    start = time.perf_counter()
    result = subprocess.run(args, capture_output=True, text=True, env=env, cwd=ROOT, check=False)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed: {result.stderr.strip()}")
    return elapsed, result


def art(path: Path, seed: int) -> Path:
    pixels = (np.random.default_rng(seed).random((64, 64, 3)) * 255).astype("uint8")
    Image.fromarray(pixels).save(path)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--batch", type=int, default=200)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--smoke", action="store_true", help="one run of a batch of 3: check the script works"
    )
    options = parser.parse_args()
    if options.smoke:
        options.batch, options.runs = 3, 1
    cli = [PY, "-m", "provenance"]
    with tempfile.TemporaryDirectory() as tmp:
        tmpdir = Path(tmp)
        env = {**os.environ, "PROVENANCE_HOME": str(tmpdir / "home")}
        sys.path.insert(0, str(ROOT))
        from provenance.chain.accounts import dev_accounts

        donor = dev_accounts(2)[1]
        pubkey = PrivateKey(bytes(donor.key)).public_key.to_hex()
        try:
            timed([*cli, "chain", "up"], env)
            # Warm-up: deploys the collection and fills the OS page cache.
            timed([*cli, "mint", str(art(tmpdir / "warm.png", 0)), "--donor", donor.address], env)

            floor = [timed([PY, "-c", "pass"], env)[0] for _ in range(options.runs)]
            helps = [timed([*cli, "--help"], env)[0] for _ in range(options.runs)]
            mints = []
            for i in range(options.runs):
                path = art(tmpdir / f"single{i}.png", 1000 + i)
                mints.append(
                    timed(
                        [
                            *cli,
                            "mint",
                            str(path),
                            "--donor",
                            donor.address,
                            "--message",
                            "Thank you!",
                            "--donor-pubkey",
                            pubkey,
                        ],
                        env,
                    )[0]
                )

            batches = []
            # Two sizes: memory that stays flat from N/4 to N artworks is what "flat" means here.
            for size in (options.batch // 4, options.batch):
                folder = tmpdir / f"batch{size}"
                folder.mkdir()
                with open(tmpdir / f"donors{size}.csv", "w", newline="") as handle:
                    writer = csv.writer(handle)
                    writer.writerow(["artwork", "donor", "message", "donor_pubkey"])
                    for i in range(size):
                        art(folder / f"a{i:04}.png", 100_000 * size + i)
                        writer.writerow([f"a{i:04}.png", donor.address, f"message {i}", pubkey])
                wall, result = timed(
                    [
                        "/usr/bin/time",
                        "-f",
                        "%M",
                        *cli,
                        "mint-batch",
                        str(folder),
                        "--donors",
                        str(tmpdir / f"donors{size}.csv"),
                        "--json",
                    ],
                    env,
                )
                report = json.loads(result.stdout)
                peak_kib = int(result.stderr.strip().splitlines()[-1])
                batches.append((size, wall, report, peak_kib))
        finally:
            subprocess.run([*cli, "chain", "down"], env=env, capture_output=True, check=False)

    def row(name: str, values: list[float], target: str) -> None:
        print(
            f"{name:<44} median {statistics.median(values):6.3f} s  "
            f"min {min(values):6.3f} s  target {target}"
        )

    print(f"machine: {os.cpu_count()} cores; python {sys.version.split()[0]}")
    row("python -c pass (interpreter floor)", floor, "-")
    row("provenance --help", helps, "<= 0.4 s")
    row("provenance mint (sealed message)", mints, "<= 1.5 s")
    for size, wall, report, peak_kib in batches:
        print(
            f"{f'provenance mint-batch ({size} artworks)':<44} {report['minted']} mints in"
            f" {report['seconds']:.2f} s = {report['mints_per_second']:.1f} mints/s (target >= 20),"
            f" wall {wall:.2f} s, peak RSS {peak_kib / 1024:.0f} MiB"
        )


if __name__ == "__main__":
    main()
