"""A work signed by `gan generate --c2pa-identity` (identity from `provenance identity init`) is
minted with its certificate bound, and still regenerates: verify passes both checks."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from ..workflows.conftest import invoke

PASS = "correct horse battery staple"


@pytest.fixture()
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("PROVENANCE_HOME", str(tmp_path / "home"))
    yield tmp_path / "home"
    from provenance.chain.devnet import Devnet

    Devnet(tmp_path / "home" / "devnet").down()


def test_signed_work_mints_verifies_and_regenerates(
    home: Path, tmp_path: Path, trained_run: Path
) -> None:
    from provenance.chain.accounts import dev_accounts

    env = {"ARTIST_PASS": PASS}
    made = invoke(
        "identity", "init", "--name", "Ada", "--passphrase-env", "ARTIST_PASS", "--json", env=env
    )
    assert made.exit_code == 0, made.output
    certificate = json.loads(made.stdout)["certificate_sha256"]
    art = tmp_path / "art.png"
    generated = invoke(
        "gan",
        "generate",
        "--model",
        str(trained_run),
        "--seed",
        "5",
        "-o",
        str(art),
        "--c2pa-identity",
        str(home / "identity"),
        "--passphrase-env",
        "ARTIST_PASS",
        env=env,
    )
    assert generated.exit_code == 0, generated.output
    minted = invoke("mint", str(art), "--donor", dev_accounts(2)[1].address, "--json")
    assert minted.exit_code == 0, minted.output

    checked = invoke("verify", str(art), "--regenerate", "--model", str(trained_run), "--json")
    report = json.loads(checked.stdout)
    checks = {c["name"]: c for c in report["checks"]}
    assert checked.exit_code == 0, report
    assert (
        checks["generation"]["ok"] is True and "identical pixels" in checks["generation"]["detail"]
    )
    assert (
        checks["credentials"]["ok"] is True and certificate[:16] in checks["credentials"]["detail"]
    )
