#!/usr/bin/env python3
"""A cold `provenance mint` next to `cast send` of the same contract call, and `ipfs add
--only-hash` next to `openssl dgst -sha256` of the same file, measured in one run.

    .venv/bin/python scripts/bench_cli_startup.py [--runs 7] [--size-mib 256] [--smoke]

On a private PROVENANCE_HOME with its devnet (anvil mines at once):
  * `provenance mint ART --donor D` of a new 64x64 PNG, a fresh process each time (interpreter,
    imports, IPFS store, journal, signing, RPC, receipt);
  * reference: Foundry's `cast send CONTRACT "mint(address,bytes32,bytes32,bytes)" ...` of the
    same call from the same dev account (fresh digests each time), which also waits for the receipt;
  * `provenance ipfs add --only-hash FILE` of SIZE MiB of random bytes, whole command, against
    `openssl dgst -sha256 FILE` (both read the file from the page cache and hash all of it).
Wall times and CPU times (user + system, of the process and its children: for cast, the node's
signing is in anvil, not counted) are both reported: the machine is shared, and under load the
wall times stretch while CPU times hold. Each figure is the median of RUNS fresh processes, after one warm-up of each (Python's bytecode
cache, written under a temporary PYTHONPYCACHEPREFIX, as an installed package has it). --smoke: 1 run, 4 MiB (checks the script works).
Prints one JSON document. cast sends from anvil's unlocked dev account 0 (`--unlocked`, ETH_FROM):
the node signs, so no key is on a command line; `provenance mint` signs locally, as it must.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import secrets
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
CAST = ROOT / "node_modules/@foundry-rs/cast-linux-amd64/bin/cast"
DONOR = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"  # dev account 1


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


CPU: dict[str, list[float]] = {}  # CPU seconds (user + system) of each timed process, by label


def timed(args: list[str], env: dict[str, str], label: str = "") -> tuple[float, str]:
    cpu = _children_cpu()
    start = time.perf_counter()
    result = subprocess.run(args, capture_output=True, text=True, env=env, cwd=ROOT, check=False)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(args[:3])} ... failed: {result.stderr.strip()[-500:]}")
    if label:
        CPU.setdefault(label, []).append(_children_cpu() - cpu)
    return elapsed, result.stdout


def median(values: list[float]) -> float:
    return round(statistics.median(values), 3)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--size-mib", type=int, default=256)
    parser.add_argument("--smoke", action="store_true", help="1 run, 4 MiB: check it works")
    options = parser.parse_args()
    runs, size_mib = (1, 4) if options.smoke else (options.runs, options.size_mib)
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "home"
        # As an installed package runs: with its bytecode cached (pip writes it at install), here
        # under a private prefix so the source tree stays clean.
        env = {**os.environ, "PROVENANCE_HOME": str(home), "PYTHONPYCACHEPREFIX": f"{tmp}/pyc"}
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        timed([PY, "-m", "provenance", "chain", "up"], env)
        try:
            timed([PY, "-m", "provenance", "deploy"], env)  # the collection the mints go to
            deployments = json.loads((home / "deployments.json").read_text())
            contract = deployments["devnet"]["ProvenanceArt"]["address"]
            rpc_url = json.loads(
                timed([PY, "-m", "provenance", "chain", "status", "--json"], env)[1]
            )["rpc_url"]
            sys.path.insert(0, str(ROOT))
            from provenance.chain.accounts import dev_accounts

            cast_env = {**env, "ETH_FROM": dev_accounts(1)[0].address}
            mint_s, cast_s = [], []
            for run in range(-1, runs):  # run -1 warms the bytecode cache and cast: not counted
                art = Path(tmp) / f"bench-{run}.png"
                pixels = (np.random.default_rng(run + 1).random((64, 64, 3)) * 255).astype("uint8")
                Image.fromarray(pixels).save(art)
                mint_args = [PY, "-m", "provenance", "mint", str(art), "--donor", DONOR]
                mint = timed(mint_args, env, "mint" if run >= 0 else "")[0]
                call = [str(CAST), "send", "--unlocked", "--rpc-url", rpc_url, contract]
                call += ["mint(address,bytes32,bytes32,bytes)", DONOR]
                call += ["0x" + secrets.token_hex(32), "0x" + secrets.token_hex(32), "0x"]
                sent = timed(call, cast_env, "cast" if run >= 0 else "")[0]
                if run >= 0:
                    mint_s.append(mint)
                    cast_s.append(sent)
        finally:
            timed([PY, "-m", "provenance", "chain", "down"], env)
        blob = Path(tmp) / "blob.bin"
        with blob.open("wb") as out:
            for _ in range(size_mib):
                out.write(os.urandom(1 << 20))
        timed(["openssl", "dgst", "-sha256", str(blob)], env)  # into the page cache
        add_s, openssl_s = [], []
        for _ in range(runs):
            add = [PY, "-m", "provenance", "ipfs", "add", "-n", str(blob)]
            add_s.append(timed(add, env, "add")[0])
            openssl_s.append(timed(["openssl", "dgst", "-sha256", str(blob)], env, "openssl")[0])
    figures = {
        "runs": runs,
        "provenance_mint_s": median(mint_s),
        "cast_send_mint_s": median(cast_s),
        "mint_over_cast": round(statistics.median(mint_s) / statistics.median(cast_s), 1),
        "provenance_mint_cpu_s": median(CPU["mint"]),
        "cast_send_mint_cpu_s": median(CPU["cast"]),
        "load_average_1min": round(os.getloadavg()[0], 1),
        "ipfs_add_only_hash_mib": size_mib,
        "ipfs_add_only_hash_s": median(add_s),
        "openssl_sha256_s": median(openssl_s),
        "ipfs_add_speed_vs_openssl": round(
            statistics.median(openssl_s) / statistics.median(add_s), 2
        ),
        "ipfs_add_only_hash_cpu_s": median(CPU["add"]),
        "openssl_sha256_cpu_s": median(CPU["openssl"]),
    }
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
