#!/usr/bin/env python3
"""`provenance mint-batch` against the devnet's own ceiling, measured side by side in one run.

    .venv/bin/python scripts/bench_mint_batch.py [--sizes 1000,10000] [--rounds 3]
        [--compare-src DIR] [--window 64] [--json]

Each measurement on a fresh PROVENANCE_HOME and devnet (anvil slows as its state grows), for each
size N and each round (interleaved):
  * the ceiling: N mints of the same contract, pre-signed with the same account and sent raw, one
    `eth_sendRawTransaction` per request over one kept-alive connection, a window (--window) at a
    time with the previous window's receipts awaited after each (the devnet's own speed: no
    journal, no content, no checks; all N at once stalls anvil's automine at 10,000);
  * the same with each window's transactions, and then their receipts, in one JSON-RPC batch (as
    `mint-batch` sends them): the devnet's speed when a request carries a window;
  * `provenance mint-batch` of N fresh 64x64 PNG works (one CSV row each, no message), from the
    shell as a user runs it: mints/s as the command reports it (rows read to last receipt), its
    wall time, the peak RSS of the process (memory flat: compare the sizes) and its CPU a work
    (user and system time over N: what the ratio follows on a quiet machine, where anvil takes
    one core and the batch the other);
  * with --compare-src, the same `mint-batch` run from another source tree (`git archive COMMIT
    provenance | tar -x -C DIR`): before and after in the same run.
Prints medians and [min, max] over the rounds, each batch's ratio to the ceiling of its round, and
the load average at the start of each round (the machine may be shared).
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import http.client
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable
RECEIPT_TIMEOUT = 60.0  # seconds for one mint's receipt in the ceiling's run


def make_works(folder: Path, count: int, seed: int, donor: str) -> Path:
    """``count`` distinct 64x64 noise PNGs and their donors.csv; returns the CSV."""
    folder.mkdir(parents=True)
    rng = np.random.default_rng(seed)
    donors = folder / "donors.csv"
    with donors.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["artwork", "donor"])
        for index in range(count):
            pixels = rng.integers(0, 256, (64, 64, 3), dtype=np.uint8)
            name = f"w{index:05}.png"
            Image.fromarray(pixels).save(folder / name, compress_level=1)
            writer.writerow([name, donor])
    return donors


def ceiling(
    home: Path, count: int, seed: int, donor: str, window: int, *, batched: bool = False
) -> float:
    """Mints/s of ``count`` pre-signed mints sent raw over one connection, receipts fetched: one
    request a transaction, or (``batched``) a window's transactions, and then their receipts, in
    one JSON-RPC batch."""
    os.environ["PROVENANCE_HOME"] = str(home)
    from urllib.parse import urlsplit

    from provenance.chain.accounts import dev_accounts
    from provenance.chain.network import connect, resolve_contract

    chain = connect(start=False)
    contract = resolve_contract(chain, deploy_if_missing=False)
    minter = dev_accounts(1)[0]
    rng = np.random.default_rng(seed)
    calls = [
        contract.mint_calldata(
            to=donor,
            metadata_digest=rng.bytes(32),
            image_digest=rng.bytes(32),
            sealed_message=b"",
        )
        for _ in range(count)
    ]
    estimate = chain.rpc.estimate_gas(
        {"from": minter.address, "to": contract.address, "data": "0x" + calls[0].hex()}
    )
    base = chain.rpc.get_block("latest").base_fee_per_gas
    nonce = chain.rpc.transaction_count(minter.address, "pending")
    raws = [
        minter.sign_transaction(
            {
                "type": 2,
                "chainId": chain.chain_id,
                "nonce": nonce + index,
                "gas": estimate * 2,
                "maxFeePerGas": 4 * base + 10**9,
                "maxPriorityFeePerGas": 10**9,
                "value": 0,
                "data": data,
                "to": contract.address,
            }
        ).raw_transaction
        for index, data in enumerate(calls)
    ]
    url = urlsplit(chain.rpc.url)
    connection = http.client.HTTPConnection(str(url.hostname), url.port, timeout=60)

    def rpc(method: str, params: list[Any]) -> Any:
        body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": params})
        connection.request("POST", url.path or "/", body, {"Content-Type": "application/json"})
        answer = json.loads(connection.getresponse().read())
        if "error" in answer:
            raise SystemExit(f"ceiling: {method} failed: {answer['error']}")
        return answer["result"]

    def rpc_batch(method: str, params: list[list[Any]]) -> list[Any]:
        body = json.dumps(
            [
                {"jsonrpc": "2.0", "id": i, "method": method, "params": p}
                for i, p in enumerate(params)
            ]
        )
        connection.request("POST", url.path or "/", body, {"Content-Type": "application/json"})
        answers = sorted(json.loads(connection.getresponse().read()), key=lambda a: a["id"])
        failed = [a["error"] for a in answers if "error" in a]
        if failed:
            raise SystemExit(f"ceiling: {method} failed: {failed[0]}")
        return [a["result"] for a in answers]

    def await_receipts(hashes: list[str]) -> None:
        if batched:
            deadline = time.monotonic() + RECEIPT_TIMEOUT
            while hashes:
                receipts = rpc_batch("eth_getTransactionReceipt", [[h] for h in hashes])
                if any(r is not None and r["status"] != "0x1" for r in receipts):
                    raise SystemExit("ceiling: a mint reverted")
                hashes = [h for h, r in zip(hashes, receipts, strict=True) if r is None]
                if hashes and time.monotonic() > deadline:
                    raise SystemExit(
                        f"ceiling: no receipt for {hashes[0]} after {RECEIPT_TIMEOUT:.0f} s"
                    )
                if hashes:
                    time.sleep(0.001)
            return
        for tx_hash in hashes:
            deadline = time.monotonic() + RECEIPT_TIMEOUT
            while (receipt := rpc("eth_getTransactionReceipt", [tx_hash])) is None:
                if time.monotonic() > deadline:  # not a figure: say so rather than wait forever
                    raise SystemExit(
                        f"ceiling: no receipt for {tx_hash} after {RECEIPT_TIMEOUT:.0f} s"
                        " (anvil's pool can leave a transaction queued though its nonce is next)"
                    )
                time.sleep(0.001)
            if receipt["status"] != "0x1":
                raise SystemExit(f"ceiling: mint {tx_hash} reverted")

    # Sent a window at a time, the previous window's receipts awaited after each: anvil's automine
    # stalls when thousands of transactions wait at once (block 900 of 10,000, 9,095 pending).
    started = time.perf_counter()
    previous: list[str] = []
    for start in range(0, count, window):
        chunk = [["0x" + raw.hex()] for raw in raws[start : start + window]]
        if batched:
            sent = rpc_batch("eth_sendRawTransaction", chunk)
        else:
            sent = [rpc("eth_sendRawTransaction", params) for params in chunk]
        await_receipts(previous)
        previous = sent
    await_receipts(previous)
    elapsed = time.perf_counter() - started
    connection.close()
    return count / elapsed


@contextlib.contextmanager
def devnet(home: Path, donor: str, window: int) -> Iterator[Path]:
    """A fresh home with its own devnet, the collection deployed (by a batch of one work): every
    measurement starts from the same chain, since anvil slows as its state grows (it writes the
    whole state to disk every second, ``--state-interval 1``)."""
    env = {**os.environ, "PROVENANCE_HOME": str(home)}
    cli = [PY, "-m", "provenance"]
    subprocess.run([*cli, "chain", "up"], env=env, capture_output=True, check=True)
    try:
        warm = make_works(home.parent / f"{home.name}-deploy", 1, 1, donor)
        mint_batch(home, warm.parent, warm, source=ROOT, window=window)
        yield home
    finally:
        subprocess.run([*cli, "chain", "down"], env=env, capture_output=True, check=False)


def mint_batch(
    home: Path, folder: Path, donors: Path, *, source: Path, window: int
) -> dict[str, float]:
    env = {**os.environ, "PROVENANCE_HOME": str(home), "PYTHONPATH": str(source)}
    args = ["/usr/bin/time", "-f", "%U %S %M", PY, "-m", "provenance", "mint-batch", str(folder)]
    args += ["--donors", str(donors), "--window", str(window), "--json"]
    started = time.perf_counter()
    # Not run from ROOT: `python -m` puts the working folder first on sys.path, before PYTHONPATH.
    result = subprocess.run(
        args, capture_output=True, text=True, env=env, cwd=folder.parent, check=False
    )
    wall = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"mint-batch ({source}) failed: {result.stderr.strip()[-2000:]}")
    report = json.loads(result.stdout)
    count = sum(1 for _ in donors.open()) - 1
    if report["minted"] != count:
        raise SystemExit(f"mint-batch ({source}) minted {report['minted']} of {count}")
    user, system, peak_kib = result.stderr.strip().splitlines()[-1].split()
    return {
        "mints_per_second": count / report["seconds"],
        "wall_mints_per_second": count / wall,
        "peak_rss_mib": int(peak_kib) / 1024,
        # The process's CPU a work (interpreter start and the row check included): on a quiet
        # machine anvil takes one core, and the batch keeps up while this fits on the other.
        "cpu_ms_per_work": (float(user) + float(system)) * 1000 / count,
        "user_ms_per_work": float(user) * 1000 / count,
        "sys_ms_per_work": float(system) * 1000 / count,
    }


def note(text: str) -> None:
    """Each figure on stderr as it is measured (a long run that is cut short keeps them)."""
    load = Path("/proc/loadavg").read_text().split()[0]
    print(f"{text} (load {load})", file=sys.stderr, flush=True)


def summary(values: list[float], digits: int = 1) -> str:
    median = statistics.median(values)
    return f"{median:8.{digits}f} [{min(values):.{digits}f}, {max(values):.{digits}f}]"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1000", help="comma-separated batch sizes")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--window", type=int, default=64)
    parser.add_argument(
        "--compare-src", type=Path, help="another source tree (holding provenance/) to run too"
    )
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--smoke", action="store_true", help="one round of 20: the script works")
    options = parser.parse_args()
    if options.smoke:
        options.sizes, options.rounds = "20", 1
    sizes = [int(size) for size in options.sizes.split(",")]
    # A run cut short (`timeout`) still stops its devnets and removes its folder.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    sources = {"after": ROOT}
    if options.compare_src:
        sources["before"] = options.compare_src.resolve()
    sys.path.insert(0, str(ROOT))
    from provenance.chain.accounts import dev_accounts

    donor = dev_accounts(2)[1].address
    results: dict[str, Any] = {"cores": os.cpu_count(), "sizes": {}}
    with tempfile.TemporaryDirectory() as tmp:
        tmpdir = Path(tmp)
        seed = 1000
        for size in sizes:
            figures: dict[str, list[float]] = {"ceiling": [], "batched ceiling": [], "load": []}
            for round_number in range(options.rounds):
                figures["load"].append(float(Path("/proc/loadavg").read_text().split()[0]))
                seed += size
                name = f"ceiling-{size}-{round_number}"
                with devnet(tmpdir / name, donor, options.window) as home:
                    figures["ceiling"].append(ceiling(home, size, seed, donor, options.window))
                note(f"N={size} round {round_number + 1}: ceiling {figures['ceiling'][-1]:.1f}/s")
                with devnet(tmpdir / f"{name}-batched", donor, options.window) as home:
                    figures["batched ceiling"].append(
                        ceiling(home, size, seed, donor, options.window, batched=True)
                    )
                note(
                    f"N={size} round {round_number + 1}: batched ceiling"
                    f" {figures['batched ceiling'][-1]:.1f}/s"
                )
                for variant, source in sources.items():
                    seed += size
                    folder = tmpdir / f"{variant}-{size}-{round_number}"
                    donors = make_works(folder, size, seed, donor)
                    with devnet(tmpdir / f"home-{folder.name}", donor, options.window) as home:
                        run = mint_batch(home, folder, donors, source=source, window=options.window)
                    for key, value in run.items():
                        figures.setdefault(f"{variant} {key}", []).append(value)
                    note(f"N={size} round {round_number + 1}: mint-batch {variant} {run}")
                    figures.setdefault(f"{variant} ratio", []).append(
                        run["mints_per_second"] / figures["ceiling"][-1]
                    )
                    figures.setdefault(f"{variant} batched ratio", []).append(
                        run["mints_per_second"] / figures["batched ceiling"][-1]
                    )
            results["sizes"][size] = figures
    if options.json:
        print(json.dumps(results, indent=2))
        return
    print(f"machine: {results['cores']} cores; rounds: {options.rounds}; window {options.window}")
    for size, figures in results["sizes"].items():
        print(f"N = {size}   load average (1 min) at each round: {figures['load']}")
        print(f"  {'ceiling (pre-signed, raw, one connection)':<44} {summary(figures['ceiling'])}")
        print(f"  {'  the same, a window a request':<44} {summary(figures['batched ceiling'])}")
        for name in sources:
            print(
                f"  {f'mint-batch {name}: mints/s':<44}"
                f" {summary(figures[f'{name} mints_per_second'])}"
            )
            print(f"  {'  ratio to the ceiling':<44} {summary(figures[f'{name} ratio'], 2)}")
            print(
                f"  {'  ratio to the ceiling a window a request':<44}"
                f" {summary(figures[f'{name} batched ratio'], 2)}"
            )
            print(
                f"  {'  wall-clock mints/s (interpreter start too)':<44}"
                f" {summary(figures[f'{name} wall_mints_per_second'])}"
            )
            print(f"  {'  peak RSS, MiB':<44} {summary(figures[f'{name} peak_rss_mib'])}")
            for part in ("cpu", "user", "sys"):
                label = f"  CPU a work, ms ({'user + sys' if part == 'cpu' else part})"
                print(f"  {label:<44} {summary(figures[f'{name} {part}_ms_per_work'], 2)}")


if __name__ == "__main__":
    main()
