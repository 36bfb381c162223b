#!/usr/bin/env python3
"""Benchmark proof that travels: `verify --gallery URL` from a fresh home, as a journalist runs it.

    .venv/bin/python scripts/bench_verify_gallery.py [--works 1000] [--runs 5] [--smoke]

In one run, on a private artist home with a devnet: mint N real works with `mint-batch` (smooth
64x64 pictures, so their ISCC codes are as varied as real works), write the static gallery with
`gallery build` (its provenance.json and copies.json), serve it and an IPFS gateway on loopback,
then time, each a whole process from the shell (interpreter start included):

  * reference: `verify FILE` on the artist's own home (the chain and store are local);
  * `verify FILE --gallery URL` of a genuine work from a fresh home (descriptor, chain, gateway);
  * `verify COPY --gallery URL` of a resized JPEG copy in a fresh home, first run (it fetches the
    copy index of N works) and then after that first index load (the index is cached in the home).

Goal: the copy lookup after the first index load in <= 2 s for 1,000 works. ``--smoke`` mints 8
works and runs once (a test runs it in seconds).
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
import threading
import time
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable


def picture(path: Path, seed: int) -> Path:
    """A smooth picture of coloured blobs: what perceptual codes see in a GAN work."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:64, 0:64] / 64
    image = np.zeros((64, 64, 3))
    for _ in range(6):
        cx, cy, r = rng.random(3) * [1, 1, 0.3] + [0, 0, 0.1]
        image += np.exp(-((x - cx) ** 2 + (y - cy) ** 2) / r**2)[..., None] * rng.random(3)
    Image.fromarray((255 * image / image.max()).astype(np.uint8)).save(path)
    return path


def run(args: list[str], env: dict[str, str], *, expect: int = 0) -> float:
    start = time.perf_counter()
    result = subprocess.run(
        [PY, "-m", "provenance", *args], capture_output=True, text=True, env=env, check=False
    )
    elapsed = time.perf_counter() - start
    if result.returncode != expect:
        raise SystemExit(f"{' '.join(args)} exited {result.returncode}: {result.stderr.strip()}")
    return elapsed


class _QuietFiles(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def serve(server: ThreadingHTTPServer) -> ThreadingHTTPServer:
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--works", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--smoke", action="store_true", help="8 works, one run (seconds)")
    options = parser.parse_args()
    works, runs = (8, 1) if options.smoke else (options.works, options.runs)
    with tempfile.TemporaryDirectory() as tmp:
        tmpdir = Path(tmp)
        artist = {**os.environ, "PROVENANCE_HOME": str(tmpdir / "artist")}
        artist.pop("PROVENANCE_RPC_URL", None)
        sys.path.insert(0, str(ROOT))
        os.environ["PROVENANCE_HOME"] = artist["PROVENANCE_HOME"]
        from provenance.chain.accounts import dev_accounts
        from provenance.chain.devnet import Devnet
        from provenance.ipfs import Blockstore
        from provenance.ipfs.server import make_server

        donor = dev_accounts(2)[1].address
        folder = tmpdir / "art"
        folder.mkdir()
        with (tmpdir / "donors.csv").open("w", newline="") as handle:
            rows = csv.writer(handle)
            rows.writerow(["artwork", "donor"])
            for i in range(works):
                rows.writerow([picture(folder / f"w{i:05d}.png", 1000 + i).name, donor])
        try:
            start = time.perf_counter()
            run(["mint-batch", str(folder), "--donors", str(tmpdir / "donors.csv")], artist)
            minted = time.perf_counter() - start
            gateway = serve(make_server(Blockstore.open(), port=0))
            gateway_url = f"http://127.0.0.1:{gateway.server_address[1]}"
            site = tmpdir / "site"
            start = time.perf_counter()
            run(["gallery", "build", "-o", str(site), "--gateway", gateway_url], artist)
            built = time.perf_counter() - start
            handler = partial(_QuietFiles, directory=str(site))
            web = serve(ThreadingHTTPServer(("127.0.0.1", 0), handler))
            url = f"http://127.0.0.1:{web.server_address[1]}/"
            genuine = folder / "w00000.png"
            copy = tmpdir / "copy.jpg"
            with Image.open(folder / f"w{works // 2:05d}.png") as original:
                original.convert("RGB").resize((256, 256)).save(copy, quality=85)
            reference, fresh_genuine, first_copy, cached_copy = [], [], [], []
            for i in range(runs):
                fresh = {**artist, "PROVENANCE_HOME": str(tmpdir / f"fresh{i}")}
                reference.append(run(["verify", str(genuine)], artist))
                fresh_genuine.append(run(["verify", str(genuine), "--gallery", url], fresh))
                first_copy.append(run(["verify", str(copy), "--gallery", url], fresh, expect=1))
                cached_copy.append(run(["verify", str(copy), "--gallery", url], fresh, expect=1))
            index_bytes = (site / "copies.json").stat().st_size
        finally:
            Devnet(tmpdir / "artist" / "devnet").down()
    figures = {
        "works": works,
        "runs": runs,
        "mint_batch_s": round(minted, 2),
        "gallery_build_s": round(built, 2),
        "copy_index_bytes": index_bytes,
        "reference_verify_on_artist_home_s": round(statistics.median(reference), 3),
        "fresh_home_verify_genuine_by_gallery_s": round(statistics.median(fresh_genuine), 3),
        "fresh_home_copy_lookup_first_s": round(statistics.median(first_copy), 3),
        "fresh_home_copy_lookup_after_index_load_s": round(statistics.median(cached_copy), 3),
        "goal_copy_lookup_s": 2.0,
    }
    print(json.dumps(figures, indent=1))


if __name__ == "__main__":
    main()
