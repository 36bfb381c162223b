#!/usr/bin/env python3
"""Benchmark a donation from the offer page, as a donor with a browser wallet does it.

    .venv/bin/python scripts/bench_donate.py [--runs 5]

In one run on a private PROVENANCE_HOME with a devnet (anvil mines each transaction at once) and
`gallery serve`:
  * page: from the click on "Donate" to the token shown (donate-status carries data-token-id), in
    Debian's Chromium with the test wallet (viem, an EIP-6963 provider), with a message: two
    key-message signatures the first time, one after, the sealing, the checks, the transaction and
    its receipt; median of N, each on its own offer;
  * reference, side by side: `provenance redeem offer.json --message ... --json` from the shell for
    the same kind of offer (interpreter start included), median of N.
Prints one JSON document.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
MESSAGE = "Thank you for the work — a benchmark message."


def art(path: Path, seed: int) -> Path:
    pixels = (np.random.default_rng(seed).random((64, 64, 3)) * 255).astype("uint8")
    Image.fromarray(pixels).save(path)
    return path


def cli(*args: str, env: dict[str, str]) -> tuple[float, dict[str, object]]:
    start = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "provenance", *args, "--json"],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        check=False,
    )
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"provenance {' '.join(args)} failed: {result.stderr.strip()}")
    document: dict[str, object] = json.loads(result.stdout)
    return elapsed, document


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--smoke", action="store_true", help="one run: check the script works")
    options = parser.parse_args()
    if options.smoke:
        options.runs = 1
    with tempfile.TemporaryDirectory() as tmp:
        tmpdir = Path(tmp)
        os.environ["PROVENANCE_HOME"] = str(tmpdir / "home")
        env = dict(os.environ)
        sys.path.insert(0, str(ROOT))
        from provenance.chain.accounts import dev_accounts
        from provenance.chain.devnet import Devnet
        from provenance.gallery import make_gallery_server
        from provenance.workflows.session import open_session

        page_donor, cli_donor = dev_accounts(4)[2:]
        try:
            offers = []
            for run in range(2 * options.runs):
                _, made = cli(
                    "offer",
                    str(art(tmpdir / f"work-{run}.png", seed=run)),
                    "--min-donation",
                    "0.01ether",
                    "-o",
                    str(tmpdir / f"offer-{run}.json"),
                    env=env,
                )
                offers.append(made)
            collection = open_session()
            server = make_gallery_server(collection, port=0)
            threading.Thread(target=server.serve_forever, daemon=True).start()
            url = f"http://127.0.0.1:{server.server_address[1]}"
            steps: list[dict[str, object]] = []
            for made in offers[: options.runs]:
                steps += [
                    {"goto": f"{url}/offer/{made['id']}.html"},
                    {"donate": {"amount": "0.01", "message": MESSAGE}},
                ]
            scenario = {
                "anvil": collection.chain.rpc.url,
                "privateKey": "0x" + bytes(page_donor.key).hex(),
                "profile": str(tmpdir / "profile"),
                "steps": steps,
            }
            driven = subprocess.run(
                ["node", str(ROOT / "tests/js/wallet_browser.mjs")],
                input=json.dumps(scenario),
                capture_output=True,
                text=True,
                cwd=ROOT,
                check=True,
            )
            report = json.loads(driven.stdout.strip().splitlines()[-1])
            donations = [r for r in report["results"] if "tokenId" in r]
            if len(donations) != options.runs or not all(r["tokenId"] for r in donations):
                raise SystemExit(f"a page donation failed: {donations} {report['errors']}")
            page_s = [r["ms"] / 1000 for r in donations]
            cli_env = {**env, "DONOR_KEY": "0x" + bytes(cli_donor.key).hex()}
            cli_s = []
            for run in range(options.runs, 2 * options.runs):
                elapsed, _ = cli(
                    "redeem",
                    str(tmpdir / f"offer-{run}.json"),
                    "--message",
                    MESSAGE,
                    "--private-key-env",
                    "DONOR_KEY",
                    env=cli_env,
                )
                cli_s.append(elapsed)
            server.shutdown()
            server.server_close()
        finally:
            Devnet(tmpdir / "home" / "devnet").down()
    print(
        json.dumps(
            {
                "runs": options.runs,
                "page_click_to_token_s": {
                    "median": round(statistics.median(page_s), 3),
                    "all": [round(x, 3) for x in page_s],
                    "first_includes_two_key_signatures": True,
                },
                "reference_cli_redeem_s": {
                    "median": round(statistics.median(cli_s), 3),
                    "all": [round(x, 3) for x in cli_s],
                },
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
