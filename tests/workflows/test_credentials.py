"""Training-set provenance and Content Credentials from PNG to token: ``provenance identity``,
a signed PNG minted (its certificate's sha256 bound on chain) and verified; a changed pixel or
another certificate is a failed check, by name."""

from __future__ import annotations

import json
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import numpy as np
import pytest

from gan.pngrecord import make_record, png_bytes
from provenance.chain.accounts import dev_accounts
from provenance.content.credentials import Anchor, check_credentials, mint_binding
from provenance.errors import ConfigError, InputError
from provenance.identity.c2pa import sign_png
from provenance.identity.certificates import create_identity, load_identity, unlock_signing_key
from provenance.ipfs import Blockstore

from ..helpers import flip_one_pixel
from .conftest import invoke

PASS = "correct horse battery staple"
DONOR = dev_accounts(3)[2].address
TRAINING = {
    "source": "photos",
    "cid": "bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi",
    "cid_profile": "unixfs-v1-2025",
    "images": 37,
    "skipped": 2,
    "preprocessing": {"resolution": 32, "crop": "center"},
}


def _record(seed: int, training: dict[str, object] | None = TRAINING) -> dict[str, object]:
    return make_record("ab" * 32, seed, cid="bafkreimodel", training=training)


def _png(seed: int, training: dict[str, object] | None = TRAINING) -> tuple[bytes, dict]:
    pixels = np.random.default_rng(seed).integers(0, 256, (32, 32, 3), dtype=np.uint8)
    record = _record(seed, training)
    return png_bytes(pixels, record), record


def test_identity_init_show_refuse_overwrite_and_import(tmp_path: Path) -> None:
    env = {"PROVENANCE_HOME": str(tmp_path / "home"), "ARTIST_PASS": PASS}
    made = invoke(
        "identity", "init", "--name", "Ada", "--passphrase-env", "ARTIST_PASS", "--json", env=env
    )
    assert made.exit_code == 0, made.output
    facts = json.loads(made.stdout)
    folder = tmp_path / "home" / "identity"
    assert facts["certificate_sha256"] == load_identity(folder).certificate_sha256
    assert "CN=Ada" in facts["subject"] and facts["created"] == "identity created"
    assert PASS not in made.output
    for key in ("signing-key.pem", "root-key.pem"):
        assert (
            (folder / key)
            .read_bytes()
            .startswith(b"-----BEGIN PROVENANCE SCRYPT ENCRYPTED PRIVATE KEY-----")
        )
    shown = invoke("identity", "show", "--json", env=env)
    assert json.loads(shown.stdout)["certificate_sha256"] == facts["certificate_sha256"]

    again = invoke("identity", "init", "--name", "Eve", "--passphrase-env", "ARTIST_PASS", env=env)
    assert again.exit_code == 2 and "never overwritten" in again.output
    assert load_identity(folder).certificate_sha256 == facts["certificate_sha256"]
    unset = invoke(
        "identity",
        "init",
        "--name",
        "Ada",
        "--passphrase-env",
        "NOPE",
        env={"PROVENANCE_HOME": str(tmp_path / "h2")},
    )
    assert unset.exit_code == 2 and "NOPE" in unset.output
    assert not (tmp_path / "h2" / "identity").exists()
    missing = invoke("identity", "show", env={"PROVENANCE_HOME": str(tmp_path / "h3")})
    assert missing.exit_code == 3 and "no identity" in missing.output

    # The artist's own chain and key (here: one made elsewhere, its key written in clear).
    own = create_identity(tmp_path / "own", name="Bea", passphrase=b"another long passphrase")
    (tmp_path / "chain.pem").write_bytes(own.chain_pem)
    (tmp_path / "key.pem").write_bytes(unlock_signing_key(own, b"another long passphrase"))
    env4 = {"PROVENANCE_HOME": str(tmp_path / "h4"), "ARTIST_PASS": PASS}
    imported = invoke(
        "identity",
        "import",
        "--cert-chain",
        str(tmp_path / "chain.pem"),
        "--key",
        str(tmp_path / "key.pem"),
        "--passphrase-env",
        "ARTIST_PASS",
        "--json",
        env=env4,
    )
    assert imported.exit_code == 0, imported.output
    assert json.loads(imported.stdout)["certificate_sha256"] == own.certificate_sha256
    wrong_key = invoke(
        "identity",
        "import",
        "--cert-chain",
        str(tmp_path / "chain.pem"),
        "--key",
        str(tmp_path / "chain.pem"),
        "--passphrase-env",
        "ARTIST_PASS",
        env={"PROVENANCE_HOME": str(tmp_path / "h5"), "ARTIST_PASS": PASS},
    )
    assert wrong_key.exit_code == 2 and "private key" in wrong_key.output


def test_cli_mint_and_verify_import_no_jax() -> None:
    code = (
        "import sys, provenance.cli, provenance.cli.identity, provenance.cli.mint,"
        " provenance.cli.verify, provenance.content.credentials,"
        " provenance.identity.certificates, provenance.identity.c2pa\n"
        "print('jax' in sys.modules, 'flax' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


@pytest.fixture(scope="module")
def artist(home: Path) -> Path:
    made = invoke(
        "identity",
        "init",
        "--name",
        "Ada Artist",
        "--passphrase-env",
        "ARTIST_PASS",
        env={"ARTIST_PASS": PASS},
    )
    assert made.exit_code == 0, made.output
    return home / "identity"


def _mint(path: Path) -> dict[str, object]:
    minted = invoke("mint", str(path), "--donor", DONOR, "--json")
    assert minted.exit_code == 0, minted.output
    return dict(json.loads(minted.stdout))


def _checks(report: dict[str, object]) -> dict[str, dict[str, object]]:
    return {str(c["name"]): c for c in report["checks"]}  # type: ignore[attr-defined]


def test_signed_work_binds_its_certificate_and_verifies(
    home: Path, artist: Path, tmp_path: Path
) -> None:
    plain, record = _png(1)
    identity = load_identity(artist)
    signed = sign_png(plain, record=record, identity=identity, passphrase=PASS.encode())
    art = tmp_path / "signed.png"
    art.write_bytes(signed)
    minted = _mint(art)

    metadata = json.loads(
        Blockstore.open(home / "ipfs" / "blocks").cat(str(minted["metadata_cid"]))
    )
    provenance = metadata["provenance"]
    assert provenance["credentials"] == {"certificate_sha256": identity.certificate_sha256}
    assert provenance["generator"]["training"] == TRAINING  # model -> artwork -> token

    checked = invoke("verify", str(art), "--json")
    report = json.loads(checked.stdout)
    checks = _checks(report)
    assert checked.exit_code == 0, report
    assert report["training"] == TRAINING
    generation = str(checks["generation"]["detail"])
    assert TRAINING["cid"] in generation and "37 images" in generation
    assert "resolution 32" in generation and "crop center" in generation
    assert checks["credentials"]["ok"] is True
    assert identity.certificate_sha256[:16] in str(checks["credentials"]["detail"])

    # A verifier with the artist's published chain compares the sha256; with the root only,
    # the manifest is trusted and the comparison is said to be missing.
    chain = invoke(
        "verify", str(art), "--trust-anchor", str(artist / "certificate-chain.pem"), "--json"
    )
    assert _checks(json.loads(chain.stdout))["credentials"]["ok"] is True
    root = invoke("verify", str(art), "--trust-anchor", str(artist / "trust-anchor.pem"), "--json")
    detail = str(_checks(json.loads(root.stdout))["credentials"]["detail"])
    assert root.exit_code == 0 and "not compared" in detail

    # Another artist's anchor does not make the manifest trusted.
    other = create_identity(tmp_path / "other", name="Eve", passphrase=b"another long passphrase")
    foreign = invoke(
        "verify", str(art), "--trust-anchor", str(other.folder / "certificate-chain.pem"), "--json"
    )
    assert foreign.exit_code == 1
    assert _checks(json.loads(foreign.stdout))["credentials"]["ok"] is False


def test_unsigned_old_record_still_verifies_and_tampered_png_is_refused(
    home: Path, artist: Path, tmp_path: Path
) -> None:
    plain, _ = _png(2, training=None)  # a record from before training-set provenance
    art = tmp_path / "plain.png"
    art.write_bytes(plain)
    _mint(art)
    checked = invoke("verify", str(art), "--json")
    report = json.loads(checked.stdout)
    assert checked.exit_code == 0, report
    assert report["training"] is None
    assert _checks(report)["credentials"] == {
        "name": "credentials",
        "ok": None,
        "state": "n/a",
        "detail": "no Content Credentials",
    }

    plain, record = _png(3)
    signed = sign_png(
        plain, record=record, identity=load_identity(artist), passphrase=PASS.encode()
    )
    tampered = tmp_path / "tampered.png"
    tampered.write_bytes(flip_one_pixel(signed))
    refused = invoke("mint", str(tampered), "--donor", DONOR)
    assert refused.exit_code == 2 and "assertion.dataHash.mismatch" in refused.output


def test_check_credentials_names_each_failure(artist: Path, tmp_path: Path) -> None:
    identity = load_identity(artist)
    anchor = Anchor(identity.anchor_pem, identity.chain_pem, "the artist")
    plain, record = _png(4)
    signed = sign_png(plain, record=record, identity=identity, passphrase=PASS.encode())
    bound = {"certificate_sha256": identity.certificate_sha256}
    assert check_credentials(signed, bound, record, anchor)[0] is True

    ok, detail = check_credentials(flip_one_pixel(signed), bound, record, anchor)
    assert ok is False and "assertion.dataHash.mismatch" in detail
    ok, detail = check_credentials(signed, {"certificate_sha256": "0" * 64}, record, anchor)
    assert ok is False and "binds certificate 0000000000000000" in detail
    ok, detail = check_credentials(plain, bound, record, anchor)
    assert ok is False and "no manifest" in detail
    ok, detail = check_credentials(signed, {"certificate_sha256": "not hex"}, record, anchor)
    assert ok is False and "64 lower-case hex" in detail
    ok, detail = check_credentials(signed, bound, record, None)
    assert ok is None and "no anchor" in detail
    iend = plain.rindex(b"IEND") - 4
    junk = b"not jumbf"
    chunk = (
        struct.pack(">I", len(junk))
        + b"caBX"
        + junk
        + struct.pack(">I", zlib.crc32(b"caBX" + junk))
    )
    garbage = plain[:iend] + chunk + plain[iend:]
    ok, detail = check_credentials(garbage, None, record, anchor)
    assert ok is False and ("no readable manifest" in detail or "does not hold" in detail)

    # Minting a signed PNG needs the identity that signed it, under PROVENANCE_HOME.
    with pytest.raises(ConfigError, match="holds no identity"):
        mint_binding(signed, tmp_path / "no-identity")
    other = create_identity(tmp_path / "other", name="Eve", passphrase=b"another long passphrase")
    with pytest.raises(InputError, match="signature|signingCredential|not by the identity"):
        mint_binding(signed, other.folder)
    assert mint_binding(plain, tmp_path / "no-identity") is None


def test_offered_signed_work_binds_its_certificate_when_redeemed(
    home: Path, artist: Path, tmp_path: Path
) -> None:
    identity = load_identity(artist)
    plain, record = _png(5)
    art = tmp_path / "offered.png"
    art.write_bytes(sign_png(plain, record=record, identity=identity, passphrase=PASS.encode()))
    offer = tmp_path / "offer.json"
    made = invoke("offer", str(art), "--min-donation", "0.05ether", "-o", str(offer), "--json")
    assert made.exit_code == 0, made.output
    donor = dev_accounts(4)[3]
    redeemed = invoke(
        "redeem",
        str(offer),
        "--private-key-env",
        "DONOR_KEY",
        "--donation",
        "0.05ether",
        "--json",
        env={"DONOR_KEY": "0x" + bytes(donor.key).hex()},
    )
    assert redeemed.exit_code == 0, redeemed.output
    checked = invoke("verify", str(art), "--json")
    report = json.loads(checked.stdout)
    assert checked.exit_code == 0, report
    credentials = _checks(report)["credentials"]
    assert credentials["ok"] is True
    assert identity.certificate_sha256[:16] in str(credentials["detail"])
