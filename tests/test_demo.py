"""scripts/demo, the README's first command, tells the whole story on a fresh home and devnet: works
that read as portraits (enlarged 8x, smooth), each with its own animation, minted with the model's
ONNX export so the gallery shows living portraits."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from provenance.chain.accounts import dev_accounts

from .helpers import REGENERATED

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "scripts/demo"
DEFAULT_MODEL = ROOT / "gan/default_model/generator.msgpack"
PROVENANCE = Path(sys.executable).parent / "provenance"


def test_demo_mints_offers_redeems_verifies_decrypts_and_builds_the_gallery(
    tmp_path: Path,
) -> None:
    if not DEFAULT_MODEL.is_file():
        pytest.fail(f"the default model {DEFAULT_MODEL} is missing (scripts/train-default-model)")
    env = {
        **os.environ,
        "PROVENANCE_HOME": str(tmp_path / "home"),
        "PROVENANCE_DEMO_DIR": str(tmp_path / "demo"),
    }
    reports: dict[str, dict[str, Any]] = {}
    metadata: dict[str, dict[str, Any]] = {}
    try:
        run = subprocess.run(
            [str(DEMO)], env=env, capture_output=True, text=True, timeout=300, check=False
        )
        assert run.returncode == 0, run.stdout + run.stderr
        # What the chain and IPFS hold, read independently of the demo's own output.
        for token in re.findall(r"^   ([0-9a-f]{8}): verified", run.stdout, re.MULTILINE):
            verify = subprocess.run(
                [str(PROVENANCE), "verify", token, "--json"],
                env=env,
                capture_output=True,
                text=True,
                timeout=120,
                check=True,
            )
            reports[token] = json.loads(verify.stdout)
            uri = next(c for c in reports[token]["checks"] if c["name"] == "token-uri")["detail"]
            cat = subprocess.run(
                [str(PROVENANCE), "ipfs", "cat", uri.removeprefix("ipfs://")],
                env=env,
                capture_output=True,
                timeout=60,
                check=True,
            )
            metadata[token] = json.loads(cat.stdout)
    finally:
        subprocess.run(
            [str(PROVENANCE), "chain", "down"],
            check=False,
            env=env,
            capture_output=True,
            timeout=60,
        )

    summary = run.stdout.split("== summary", 1)[1]
    tokens = re.search(
        r"^tokens\s+([0-9a-f]{8}) \(donor A.*?([0-9a-f]{8}) \(donor B", summary, re.MULTILINE
    )
    assert tokens, summary
    token_a, token_b = tokens.groups()
    assert token_a != token_b
    for token in (token_a, token_b):
        assert re.search(
            rf"^   {token}: verified, \d+ checks pass: .*\bgeneration\b", run.stdout, re.MULTILINE
        )
    assert len(REGENERATED.findall(run.stdout)) == 2
    assert f"{token_a} (donor A's key): Donor A: thank you" in run.stdout
    assert f"{token_b} (donor B's key): Donor B: glad to support" in run.stdout
    donor_a, donor_b = (account.address for account in dev_accounts(3)[1:3])
    assert set(reports) == {token_a, token_b}
    assert all(report["ok"] for report in reports.values())
    assert reports[token_a]["owner"] == donor_a
    assert reports[token_b]["owner"] == donor_b
    # Donor B's message was sealed by B at redemption (the browser's path), not by the artist.
    sealed_b = next(c for c in reports[token_b]["checks"] if c["name"] == "sealed-message")
    assert "sealed by the donor at redemption" in sealed_b["detail"]

    # Living portraits: each work names the model's ONNX export (the gallery's live portrait), has
    # an animation of its own, and is written at 8x the model's 32 px, smoothly, as its record says.
    records = {token: metadata[token]["provenance"] for token in (token_a, token_b)}
    onnx = {token: r["generator"]["onnx"]["sha256"] for token, r in records.items()}
    assert onnx[token_a] == onnx[token_b]
    animations = {r["animation"]["sha256"] for r in records.values()}
    assert len(animations) == 2
    for record in records.values():
        assert record["generator"]["upscale"] == {"factor": 8, "filter": "lanczos"}
        assert (record["image"]["width"], record["image"]["height"]) == (256, 256)
        assert record["animation"]["mime"] == "video/mp4"

    demo = tmp_path / "demo"
    walks = sorted(demo.glob("walk-*.mp4"))
    assert len(walks) == 2 and walks[0].read_bytes() != walks[1].read_bytes()
    assert (demo / "generator.onnx").stat().st_size > 0
    assert (demo / "gallery/index.html").is_file()
    assert (demo / "offer.json").is_file()
    # No private key is ever written into the demo's files or its output.
    keys = [bytes(account.key).hex() for account in dev_accounts(3)]
    for key in keys:
        assert key not in run.stdout + run.stderr
        for path in demo.rglob("*"):
            if path.is_file():
                assert key.encode() not in path.read_bytes(), path


@pytest.mark.parametrize(("part", "test_servers"), [("demo", False), ("all", True)])
def test_the_demo_sets_up_only_what_it_needs(part: str, test_servers: bool) -> None:
    """Issue 20: scripts/demo installed the 370 MB IPFS test servers (and chromium, and the dev
    packages) before telling its story; `scripts/setup demo` stops before them."""
    assert "scripts/setup demo" in DEMO.read_text()
    traced = subprocess.run(
        ["bash", "-x", str(ROOT / "scripts/setup"), part],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert traced.returncode == 0, traced.stderr
    assert ("servers=tests/remote/servers" in traced.stderr) is test_servers
    assert ("/usr/bin/chromium" in traced.stderr) is test_servers
