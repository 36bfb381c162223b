"""kill -9 loops over ``mint`` and ``mint-batch`` on a real anvil (issue 12, the suite that stays).

Each loop starts the command, SIGKILLs it after a random delay (a fixed seed: the same kills every
run), again and again, then re-runs it to the end. Afterwards: no artwork minted twice, no token
whose content is missing, every journal row final and agreeing with the chain.

The default run is bounded (a few kills, seconds each); ``scripts/soak`` runs the same loops with
many more kills (``PROVENANCE_SOAK_KILLS``, ``PROVENANCE_SOAK_SEED``).
"""

from __future__ import annotations

import csv
import hashlib
import os
import random
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from provenance.chain.accounts import dev_accounts

DONOR = dev_accounts(2)[1].address
KILLS = int(os.environ.get("PROVENANCE_SOAK_KILLS", "6"))
SEED = int(os.environ.get("PROVENANCE_SOAK_SEED", "20261129"))


@pytest.fixture()
def home(tmp_path: Path) -> Iterator[Path]:
    """A fresh state folder with its devnet up (so no killed command owns the anvil)."""
    path = tmp_path / "home"
    env = {**os.environ, "PROVENANCE_HOME": str(path)}
    up = subprocess.run(
        [sys.executable, "-m", "provenance", "chain", "up"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert up.returncode == 0, up.stderr
    try:
        yield path
    finally:
        from provenance.chain.devnet import Devnet

        Devnet(path / "devnet").down()


def _artworks(folder: Path, count: int, seed: int) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for index in range(count):
        pixels = (np.random.default_rng(seed + index).random((40, 40, 3)) * 255).astype("uint8")
        path = folder / f"art{index:03}.png"
        Image.fromarray(pixels).save(path)
        paths.append(path)
    return paths


def _start(home: Path, *args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "provenance", *args],
        env={**os.environ, "PROVENANCE_HOME": str(home)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _kill_after(process: subprocess.Popen[bytes], delay: float) -> bool:
    """SIGKILL ``process`` after ``delay`` s unless it ended first; True when it was killed."""
    try:
        process.wait(timeout=delay)
        return False
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        return True


def _run(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "provenance", *args],
        env={**os.environ, "PROVENANCE_HOME": str(home)},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def assert_consistent(home: Path, artworks: list[Path]) -> None:
    """Every artwork is exactly one token with its content stored, and the journal agrees."""
    previous = os.environ.get("PROVENANCE_HOME")
    os.environ["PROVENANCE_HOME"] = str(home)  # connect() reads the devnet from the home
    from provenance.chain.network import connect, resolve_contract
    from provenance.ipfs import Blockstore
    from provenance.state.journal import Journal

    try:
        chain = connect()
        contract = resolve_contract(chain, deploy_if_missing=False)
        journal = Journal(home / "journal.sqlite")
        store = Blockstore.open(home / "ipfs" / "blocks")
        tokens = set()
        for art in artworks:
            digest = hashlib.sha256(art.read_bytes()).digest()
            token_id = contract.token_of_image(digest)
            assert token_id != 0, f"{art.name} was never minted"
            tokens.add(token_id)
            entry = journal.find(
                chain_id=chain.chain_id, contract=contract.address, image_sha256=digest.hex()
            )
            assert entry is not None and entry.state == "minted", (art.name, entry)
            assert entry.token_id == token_id
            assert hashlib.sha256(store.cat(entry.image_cid)).digest() == digest
            metadata = store.cat(entry.metadata_cid)
            assert hashlib.sha256(metadata).digest() == contract.record_of(token_id).metadata_digest
        assert len(tokens) == len(artworks)
        assert contract.total_minted() == len(artworks), "an artwork was minted twice"
        journal.close()
    finally:
        if previous is None:
            os.environ.pop("PROVENANCE_HOME", None)
        else:
            os.environ["PROVENANCE_HOME"] = previous


def test_killing_mint_again_and_again(home: Path, tmp_path: Path) -> None:
    rng = random.Random(SEED)
    artworks = _artworks(tmp_path / "art", max(2, KILLS // 2) + 1, SEED)
    # One mint run to the end sets the time scale: kills then fall inside a mint's lifetime on a
    # fast machine and a slow one alike (a fixed range of seconds killed nothing on a quiet one).
    calibration, artworks = artworks[0], artworks[1:]
    begun = time.monotonic()
    first = _run(home, "mint", str(calibration), "--donor", DONOR)
    assert first.returncode == 0, first.stderr
    lifetime = time.monotonic() - begun
    unfinished = list(artworks)
    killed = 0
    started = time.monotonic()
    for _ in range(KILLS):
        if not unfinished:
            break
        # A run that finished its artwork leaves it out of later rounds: each kill then lands in
        # some mint's lifetime (start-up, storing, signing, sending, waiting for the receipt).
        art = rng.choice(unfinished)
        process = _start(home, "mint", str(art), "--donor", DONOR)
        if _kill_after(process, rng.uniform(0.15, 0.95) * lifetime):
            killed += 1
        elif process.returncode == 0:
            unfinished.remove(art)
    for art in artworks:  # finish every one
        result = _run(home, "mint", str(art), "--donor", DONOR)
        assert result.returncode == 0 or "already minted as token" in result.stderr, result.stderr
    assert_consistent(home, [calibration, *artworks])
    assert killed >= 1, f"no run was killed (a mint took {lifetime:.2f} s)"
    assert time.monotonic() - started < 60 + 10 * KILLS


def _journal_rows(home: Path) -> int:
    """Works the journal holds, in any state (0 before the journal exists)."""
    import sqlite3

    path = home / "journal.sqlite"
    if not path.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=0.2) as db:
            (count,) = db.execute("SELECT count(*) FROM mints").fetchone()
        db.close()
    except sqlite3.Error:  # busy or mid-creation: ask again
        return 0
    return int(count)


def _kill_mid_batch(
    process: subprocess.Popen[bytes], home: Path, delay: float, *, before: int
) -> bool:
    """SIGKILL a mint-batch run ``delay`` s after its first new work is journaled (so the kill
    lands mid-batch whatever the machine's speed: a batch journals a window of works at once and
    marks them minted a window later, so a mint's own row comes too late to time a kill by on a
    fast machine); True when it was killed."""
    while process.poll() is None and _journal_rows(home) <= before:
        time.sleep(0.005)
    return _kill_after(process, delay)


def test_killing_mint_batch_again_and_again(home: Path, tmp_path: Path) -> None:
    rng = random.Random(SEED + 1)
    folder = tmp_path / "batch"
    # Enough works that a run outlives its kill: a window-at-a-time batch mints 200-400 a second.
    artworks = _artworks(folder, 120 + 8 * KILLS, SEED + 1000)
    donors = tmp_path / "donors.csv"
    with donors.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["artwork", "donor"])
        for art in artworks:
            writer.writerow([art.name, DONOR])
    batch = ("mint-batch", str(folder), "--donors", str(donors), "--window", "4")
    killed = 0
    for _ in range(max(2, KILLS // 2)):
        before = _journal_rows(home)
        process = _start(home, *batch)
        if _kill_mid_batch(process, home, rng.uniform(0.0, 0.15), before=before):
            killed += 1
        else:  # it ran to the end before its kill: it must have finished the batch
            assert process.returncode == 0, process.returncode
            break
    assert killed >= 1, "every run finished before its kill: a larger batch is needed"
    result = _run(home, *batch, "--json")
    assert result.returncode == 0, result.stderr
    assert_consistent(home, artworks)
