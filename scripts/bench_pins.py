#!/usr/bin/env python3
"""What one pin costs when the store already holds N pins: the pin log against the pins.json it
replaced, in one run.

    .venv/bin/python scripts/bench_pins.py [--sizes 100,10000] [--pins 50] [--smoke]

For each N, a fresh blockstore with N pins (pre-filled), then PINS more works pinned one at a
time, timed each; the median per pin is reported for
  * the toolkit's `Blockstore.pin` (append one line to pins.log, fsync);
  * the previous design, reproduced here as it was: read pins.json, add the CID, rewrite the whole
    file atomically (temp file, fsync, rename, fsync of the folder).
Both walk the new DAG first (a one-block work) and both fsync, as a mint does.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from provenance.ipfs import Blockstore, add_bytes
from provenance.ipfs.cid import CID
from provenance.ipfs.reader import walk_dag
from provenance.state.home import atomic_write


def fake_pins(n: int) -> list[str]:
    return [str(CID.for_bytes(f"pin {i}".encode())) for i in range(n)]


def json_pin(store: Blockstore, cid: str) -> None:
    """The pre-log pin: the whole pin set rewritten on every pin."""
    path = store.root / "pins.json"
    with store.locked():
        for _ in walk_dag(store, cid):
            pass
        pins = json.loads(path.read_text("utf-8"))["recursive"]
        if cid not in pins:
            body = json.dumps({"recursive": sorted({*pins, cid})}, indent=1).encode("utf-8")
            atomic_write(path, body)


def per_pin(folder: Path, n: int, pins: int, *, legacy: bool) -> float:
    store = Blockstore.open(folder)
    existing = fake_pins(n)
    if legacy:
        (folder / "pins.json").write_text(json.dumps({"recursive": existing}, indent=1))
    else:
        (folder / "pins.log").write_text("".join(f"+{c}\n" for c in existing))
    times = []
    for i in range(pins):
        cid = str(add_bytes(f"work {n} {i}".encode(), store=store).cid)
        start = time.perf_counter()
        if legacy:
            json_pin(store, cid)
        else:
            store.pin(cid)
        times.append(time.perf_counter() - start)
    assert (
        len(
            store.pins()
            if not legacy
            else json.loads((folder / "pins.json").read_text())["recursive"]
        )
        == n + pins
    )
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,10000")
    parser.add_argument("--pins", type=int, default=50)
    parser.add_argument("--smoke", action="store_true", help="100 and 1,000 pins, 5 each")
    options = parser.parse_args()
    sizes = [100, 1000] if options.smoke else [int(s) for s in options.sizes.split(",")]
    pins = 5 if options.smoke else options.pins
    rows = {}
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            log_s = per_pin(Path(tmp) / f"log-{n}", n, pins, legacy=False)
            json_s = per_pin(Path(tmp) / f"json-{n}", n, pins, legacy=True)
            rows[str(n)] = {
                "pin_log_ms": round(log_s * 1000, 2),
                "pins_json_ms": round(json_s * 1000, 2),
                "speed_up": round(json_s / log_s, 1),
            }
    print(json.dumps({"pins_timed_per_size": pins, "median_per_pin": rows}, indent=2))


if __name__ == "__main__":
    main()
