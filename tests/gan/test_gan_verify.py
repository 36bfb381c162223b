"""`provenance verify --regenerate`: a GAN artwork minted, then regenerated from its record."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from ..helpers import REGENERATED
from ..workflows.conftest import invoke, run_cli


@pytest.fixture()
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("PROVENANCE_HOME", str(tmp_path / "home"))
    yield tmp_path / "home"
    from provenance.chain.devnet import Devnet

    Devnet(tmp_path / "home" / "devnet").down()


def test_minted_gan_artwork_regenerates(home: Path, tmp_path: Path, trained_run: Path) -> None:
    from provenance.chain.accounts import dev_accounts

    art = tmp_path / "art.png"
    generated = invoke(
        "gan", "generate", "--model", str(trained_run), "--seed", "7", "-o", str(art)
    )
    assert generated.exit_code == 0, generated.output
    minted = invoke("mint", str(art), "--donor", dev_accounts(2)[1].address, "--json")
    assert minted.exit_code == 0, minted.output
    token = str(json.loads(minted.stdout)["token_id"])

    # In its own process, as a user runs it: the numpy generator, no JAX (the import budget test
    # checks the modules), and nothing written to the home (no compilation cache to keep).
    before = sorted(p.relative_to(home) for p in home.rglob("*") if "devnet" not in p.parts)
    checked = run_cli("verify", token, "--regenerate", "--model", str(trained_run), "--json")
    report = json.loads(checked.stdout)
    generation = next(c for c in report["checks"] if c["name"] == "generation")
    assert checked.returncode == 0 and generation["ok"] is True, report
    assert REGENERATED.search(generation["detail"]), generation
    after = sorted(p.relative_to(home) for p in home.rglob("*") if "devnet" not in p.parts)
    assert after == before

    # Another model file (one byte changed) is not the one the record names: it proves nothing
    # about the work either way, so no verdict (a journalist handed the wrong file must not be
    # told the work is forged).
    exports = sorted((trained_run / "exports").glob("*.msgpack"))
    other = tmp_path / "other.msgpack"
    data = bytearray(exports[-1].read_bytes())
    data[-1] ^= 1
    other.write_bytes(bytes(data))
    wrong = invoke("verify", token, "--regenerate", "--model", str(other), "--json")
    generation = next(c for c in json.loads(wrong.stdout)["checks"] if c["name"] == "generation")
    assert wrong.exit_code == 4, wrong.output
    assert generation["state"] == "could-not-check" and generation["ok"] is None, generation
    assert "not the one the record names" in generation["detail"]

    # A file that is no model at all: could not check either, in one line, no traceback.
    garbage = tmp_path / "garbage.msgpack"
    garbage.write_bytes(b"not a model")
    unreadable = invoke("verify", token, "--regenerate", "--model", str(garbage))
    assert unreadable.exit_code == 4, unreadable.output
    assert "could not check: cannot use the model" in unreadable.output
    assert "Traceback" not in unreadable.output
