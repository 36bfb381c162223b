"""Mint with Kubo and a pinning service configured (local servers that follow Kubo's RPC
reference and the Pinning Service API spec; no live Kubo runs here)."""

from __future__ import annotations

import json
from pathlib import Path

from provenance.chain.accounts import dev_accounts
from tests.helpers import serving
from tests.ipfs.fakes import FakeKubo, FakePinningService

from .conftest import invoke, make_artwork, one_line_error, run_cli

DONOR = dev_accounts(2)[1].address


def test_mint_publishes_to_kubo_and_a_pinning_service(home: Path, tmp_path: Path) -> None:
    art = make_artwork(tmp_path / "kubo.png", seed=77)
    kubo = FakeKubo()
    service = FakePinningService("s3cret-token")
    with serving(kubo) as kubo_url, serving(service) as pinning_url:
        result = invoke(
            "mint",
            str(art),
            "--donor",
            DONOR,
            "--kubo-api",
            kubo_url,
            "--pinning-endpoint",
            pinning_url,
            "--pinning-token-env",
            "PIN_TOKEN",
            "--json",
            env={"PIN_TOKEN": "s3cret-token"},
        )
        assert result.exit_code == 0, result.output
        token = json.loads(result.stdout)
        # Kubo holds exactly our blocks, with both roots pinned.
        assert {token["image_cid"], token["metadata_cid"]} <= kubo.pins
        assert kubo.blocks[token["metadata_cid"]]
        # The content Kubo holds verifies the token end to end.
        verified = invoke("verify", str(token["token_id"]), "--kubo-api", kubo_url, "--json")
        assert verified.exit_code == 0, verified.stdout
        assert {p["pin"]["cid"] for p in service.pins.values()} == {
            token["image_cid"],
            token["metadata_cid"],
        }


def test_kubo_down_mints_nothing_and_a_rerun_finishes(home: Path, tmp_path: Path) -> None:
    art = make_artwork(tmp_path / "down.png", seed=78)
    failed = run_cli("mint", str(art), "--donor", DONOR, "--kubo-api", "http://127.0.0.1:9")
    assert failed.returncode != 0
    assert "unreachable" in one_line_error(failed.stderr).lower()
    import hashlib

    from provenance.chain.network import connect, resolve_contract

    contract = resolve_contract(connect())
    assert contract.token_of_image(hashlib.sha256(art.read_bytes()).digest()) == 0
    done = run_cli("mint", str(art), "--donor", DONOR, "--json")
    assert done.returncode == 0, done.stderr
    token = json.loads(done.stdout)
    assert contract.token_of_image(hashlib.sha256(art.read_bytes()).digest()) == token["token_id"]
