"""Content Credentials: a local certificate chain (key encrypted at rest), a signed C2PA manifest on
a generated PNG, read back trusted with the artist's anchor; a changed pixel is reported, and the
work still regenerates from its record."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from gan.pngrecord import make_record, png_bytes, read_record
from gan.regenerate import regenerate_and_compare
from gan.sample import generate, load_model
from provenance.errors import IdentityError
from provenance.identity.c2pa import DIGITAL_SOURCE_TYPE, read_credentials, sign_png, signed_by
from provenance.identity.certificates import (
    CHAIN_FILE,
    KEY_FILE,
    ROOT_KEY_FILE,
    create_identity,
    import_identity,
    load_identity,
    read_key_file,
    unlock_signing_key,
)

from ..helpers import flip_one_pixel

PASS = b"correct horse battery staple"


def test_local_identity_keeps_keys_encrypted(tmp_path: Path) -> None:
    ident = create_identity(
        tmp_path / "id", name="Ada Artist", passphrase=PASS, email="a@b.example"
    )
    for name in (KEY_FILE, ROOT_KEY_FILE):
        path = tmp_path / "id" / name
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert path.read_bytes().startswith(
            b"-----BEGIN PROVENANCE SCRYPT ENCRYPTED PRIVATE KEY-----"
        )
    assert load_identity(tmp_path / "id").certificate_sha256 == ident.certificate_sha256
    assert "CN=Ada Artist" in ident.subject
    with pytest.raises(IdentityError, match="wrong passphrase"):
        unlock_signing_key(ident, b"guess")
    with pytest.raises(IdentityError, match="never overwritten"):
        create_identity(tmp_path / "id", name="Other", passphrase=PASS)


def test_signed_artwork_is_trusted_regenerates_and_reports_a_changed_pixel(
    tmp_path: Path, trained_run: Path
) -> None:
    ident = create_identity(tmp_path / "id", name="Ada Artist", passphrase=PASS)
    model = load_model(trained_run)
    record = make_record(model.export.sha256, 11, cid="bafkreitest")
    plain = png_bytes(generate(model, 11), record)
    signed = sign_png(plain, record=record, identity=ident, passphrase=PASS, title="art.png")
    assert len(signed) - len(plain) < 8000  # no thumbnail

    art = tmp_path / "art.png"
    art.write_bytes(signed)
    assert read_record(art)[0] == record
    assert regenerate_and_compare(art, trained_run).match  # pixels + record, not file bytes

    trusted = read_credentials(signed, trust_anchor_pem=ident.anchor_pem)
    assert trusted.state == "Trusted" and trusted.failures == [], trusted.failures
    assert trusted.generation == record
    assert trusted.digital_source_type == DIGITAL_SOURCE_TYPE
    assert signed_by(trusted, ident.chain_pem) and trusted.pixels_intact

    assert read_credentials(signed).state == "Valid"  # intact, but whose anchor?
    stranger = create_identity(tmp_path / "other", name="Someone Else", passphrase=PASS)
    assert read_credentials(signed, trust_anchor_pem=stranger.anchor_pem).state != "Trusted"
    assert not signed_by(trusted, stranger.chain_pem)

    changed = read_credentials(flip_one_pixel(signed), trust_anchor_pem=ident.anchor_pem)
    assert changed.state == "Invalid" and not changed.pixels_intact
    assert "assertion.dataHash.mismatch" in [f["code"] for f in changed.failures]
    assert read_credentials(plain).state == "absent"


def test_import_own_chain_and_refuse_self_signed(tmp_path: Path) -> None:
    from cryptography.hazmat.primitives import serialization

    made = create_identity(tmp_path / "made", name="Ada Artist", passphrase=PASS)
    key = unlock_signing_key(made, PASS)
    own = import_identity(
        tmp_path / "own", chain_pem=made.chain_pem, key_pem=key, passphrase=b"a new long passphrase"
    )
    assert own.certificate_sha256 == made.certificate_sha256 and own.anchor_pem == made.anchor_pem
    unlock_signing_key(own, b"a new long passphrase")
    leaf_only = (
        made.chain_pem.split(b"-----END CERTIFICATE-----")[1] + b"-----END CERTIFICATE-----\n"
    )
    root_key = read_key_file(tmp_path / "made" / ROOT_KEY_FILE, PASS)
    root_pem = root_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    with pytest.raises(IdentityError, match="self-signed"):
        import_identity(
            tmp_path / "self", chain_pem=leaf_only.lstrip(), key_pem=root_pem, passphrase=PASS
        )
    with pytest.raises(IdentityError, match="does not belong"):
        import_identity(
            tmp_path / "bad", chain_pem=made.chain_pem, key_pem=root_pem, passphrase=PASS
        )
    assert not (tmp_path / "self").exists() and not (tmp_path / "bad").exists()
    assert (tmp_path / "made" / CHAIN_FILE).is_file()


def test_generate_signs_with_c2pa_identity(
    tmp_path: Path, trained_run: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from click.testing import CliRunner

    from provenance.cli import cli

    ident = create_identity(tmp_path / "id", name="Ada Artist", passphrase=PASS)
    args = [
        "gan",
        "generate",
        "--model",
        str(trained_run),
        "--c2pa-identity",
        str(tmp_path / "id"),
        "--passphrase-env",
        "ARTIST_PASS",
    ]
    monkeypatch.setenv("ARTIST_PASS", "wrong")
    wrong = CliRunner().invoke(cli, [*args, "--seed", "2", "-o", str(tmp_path / "a.png")])
    assert wrong.exit_code == 2 and "wrong passphrase" in wrong.stderr
    assert not (tmp_path / "a.png").exists()
    monkeypatch.setenv("ARTIST_PASS", PASS.decode())
    made = CliRunner().invoke(cli, [*args, "--seeds", "2-3", "-o", str(tmp_path / "works")])
    assert made.exit_code == 0, made.output
    for seed in (2, 3):
        art = tmp_path / "works" / f"seed{seed:06d}.png"
        creds = read_credentials(art.read_bytes(), trust_anchor_pem=ident.anchor_pem)
        assert creds.state == "Trusted" and creds.generation == read_record(art)[0]
        assert regenerate_and_compare(art, trained_run).match
