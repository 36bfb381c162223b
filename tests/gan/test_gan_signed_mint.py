"""A work signed by `gan generate --c2pa-identity` (identity from `provenance identity init`) is
minted with its certificate bound, and still regenerates: verify passes both checks."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from ..helpers import REGENERATED
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
    assert checks["generation"]["ok"] is True and REGENERATED.search(checks["generation"]["detail"])
    assert (
        checks["credentials"]["ok"] is True and certificate[:16] in checks["credentials"]["detail"]
    )

    # Issue 21: the README's live-portrait route. A signed work minted with --model and --onnx
    # (the metadata names the export beside the PNG's record) verifies: before, the credentials
    # check compared the manifest's assertion with the metadata's record, ONNX included.
    pytest.importorskip("jax2onnx")
    onnx = tmp_path / "generator.onnx"
    exported = invoke("gan", "export-onnx", "--model", str(trained_run), "-o", str(onnx))
    assert exported.exit_code == 0, exported.output
    # The artist's gallery, served from this home (it re-reads the chain at every block).
    import threading

    from provenance.gallery import make_gallery_server
    from provenance.workflows.session import open_session

    from ..workflows.conftest import run_cli

    collection = open_session()
    server = make_gallery_server(collection, port=0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    live = tmp_path / "live.png"
    generated = invoke(
        "gan",
        "generate",
        "--model",
        str(trained_run),
        "--seed",
        "6",
        "-o",
        str(live),
        "--c2pa-identity",
        str(home / "identity"),
        "--gallery-url",
        url,
        "--passphrase-env",
        "ARTIST_PASS",
        env=env,
    )
    assert generated.exit_code == 0, generated.output
    minted = invoke(
        "mint",
        str(live),
        "--donor",
        dev_accounts(2)[1].address,
        "--model",
        str(trained_run),
        "--onnx",
        str(onnx),
        "--json",
    )
    assert minted.exit_code == 0, minted.output
    checked = invoke("verify", str(live), "--json")
    report = json.loads(checked.stdout)
    checks = {c["name"]: c for c in report["checks"]}
    assert checked.exit_code == 0, report
    assert checks["credentials"]["ok"] is True, checks["credentials"]
    # The work page says what verify says: signed by whom, trusted, and why.
    from provenance.gallery import collect
    from provenance.gallery.site import render_site

    token = json.loads(minted.stdout)["token_hex"]
    page = render_site(collect(collection, collection.store), "")[f"work/{token}.html"].decode()
    shown = checks["credentials"]["detail"].replace("'", "&#x27;")
    assert 'data-testid="credentials" data-state="authentic"' in page
    assert f"<strong>Trusted</strong>: {shown}" in page

    # From another machine (a fresh home), by the gallery alone: the artist's trust anchor comes
    # from the gallery's provenance.json, and the report says so. With the file alone, its
    # Content Credentials name the gallery (gan generate --gallery-url), and the report says so.
    try:
        fresh = run_cli(
            "verify",
            str(live),
            "--gallery",
            url,
            "--json",
            env={"PROVENANCE_HOME": str(tmp_path / "journalist")},
        )
        alone = run_cli(
            "verify", str(live), "--json", env={"PROVENANCE_HOME": str(tmp_path / "reader")}
        )
    finally:
        server.shutdown()
        server.server_close()
    assert fresh.returncode == 0, (fresh.stdout, fresh.stderr)
    elsewhere = json.loads(fresh.stdout)
    assert elsewhere["trust_anchor"] == (
        f"the trust anchor published by the gallery at {url}provenance.json"
    )
    remote = {c["name"]: c for c in elsewhere["checks"]}["credentials"]
    assert remote["ok"] is True and certificate[:16] in remote["detail"]
    assert alone.returncode == 0, (alone.stdout, alone.stderr)
    named = json.loads(alone.stdout)["collection"]
    assert named.startswith(f"named by the gallery at {url}provenance.json, which the file's own")
