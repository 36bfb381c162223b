"""Security review, round three: bad input that ended in exit 70 or did the wrong thing quietly.
Each is one line on stderr, the documented exit status, and nothing written or sent."""

from __future__ import annotations

import json
import secrets
from pathlib import Path

import pytest

from provenance.chain.accounts import dev_accounts

from .conftest import make_artwork, one_line_error, run_cli

DONOR = dev_accounts(2)[1].address


@pytest.fixture(scope="module")
def devnet(home: Path) -> Path:
    up = run_cli("chain", "up")
    assert up.returncode == 0, up.stderr
    return home


@pytest.fixture()
def art(tmp_path: Path) -> Path:
    return make_artwork(tmp_path / "ART.png", seed=secrets.randbelow(10**9))


def minted_count() -> int:
    listed = run_cli("tokens", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    return listed.stdout.count('"token_id"')


def test_offer_never_overwrites_a_file_it_did_not_create(devnet: Path, art: Path) -> None:
    artwork = art.read_bytes()
    offers = devnet / "offers"
    before = sorted(offers.glob("*")) if offers.is_dir() else []
    # -o ART.json puts the QR code at ART.png: the artwork itself.
    result = run_cli(
        "offer", str(art), "--min-donation", "1gwei", "-o", str(art.with_suffix(".json"))
    )
    assert result.returncode == 2, result.stderr
    line = one_line_error(result.stderr)
    assert str(art) in line and "--qr-png" in line
    assert art.read_bytes() == artwork and not art.with_suffix(".json").exists()
    assert (sorted(offers.glob("*")) if offers.is_dir() else []) == before  # nothing signed
    # Nor an existing offer file, nor an existing --qr-png.
    notes = art.parent / "notes.txt"
    notes.write_text("mine")
    for extra in (["-o", str(notes)], ["-o", str(art.parent / "o.json"), "--qr-png", str(notes)]):
        result = run_cli("offer", str(art), "--min-donation", "1gwei", *extra)
        assert result.returncode == 2 and str(notes) in one_line_error(result.stderr)
        assert notes.read_text() == "mine" and not (art.parent / "o.json").exists()
    # A fresh pair of names works, and the QR code is a PNG beside the offer.
    made = run_cli("offer", str(art), "--min-donation", "1gwei", "-o", str(art.parent / "o.json"))
    assert made.returncode == 0, made.stderr
    assert (art.parent / "o.png").read_bytes().startswith(b"\x89PNG")
    assert art.read_bytes() == artwork


def test_mint_batch_with_a_csv_that_is_not_utf8(devnet: Path, art: Path) -> None:
    donors = art.parent / "donors.csv"
    donors.write_bytes(f"artwork,donor,message\n{art.name},{DONOR},caf\xe9\n".encode("latin-1"))
    count = minted_count()
    result = run_cli("mint-batch", str(art.parent), "--donors", str(donors))
    assert result.returncode == 2, result.stderr
    assert "not UTF-8" in one_line_error(result.stderr)
    assert minted_count() == count


@pytest.mark.parametrize(
    "args",
    [
        ("publish", "--kubo-api", "http://[::1"),
        ("publish", "--pinning-endpoint", "http://[::1", "--pinning-token-env", "T"),
        ("tokens", "list", "--rpc-url", "http://[::1"),
        ("verify", "1", "--kubo-api", "http://[::1"),
    ],
)
def test_an_unparsable_url_is_bad_input(devnet: Path, args: tuple[str, ...]) -> None:
    result = run_cli(*args, env={"T": "token"})
    assert result.returncode == 2, result.stderr
    assert "not a valid URL" in one_line_error(result.stderr)


def test_every_remote_client_refuses_an_unparsable_url() -> None:
    from provenance.chain.rpc import RpcClient
    from provenance.errors import InputError
    from provenance.ipfs import GatewayFetcher, KuboClient, PinningClient

    for make in (
        lambda: GatewayFetcher(["http://127.0.0.1:8080", "http://[::1"]),
        lambda: KuboClient("http://[::1"),
        lambda: PinningClient("ftp://pins.example", "token"),
        lambda: RpcClient("http://user:secret@[::1"),
    ):
        with pytest.raises(InputError) as refused:
            make()
        assert "secret" not in str(refused.value)


def test_mint_on_the_devnet_with_another_chain_id_is_refused(devnet: Path, art: Path) -> None:
    count = minted_count()
    result = run_cli("mint", str(art), "--donor", DONOR, "--chain-id", "5")
    assert result.returncode == 3, result.stderr
    line = one_line_error(result.stderr)
    assert "chain 31337" in line and "chain 5" in line
    assert minted_count() == count


def test_a_fresh_donor_is_told_to_name_the_offers_collection_not_to_deploy(
    devnet: Path, art: Path, tmp_path: Path
) -> None:
    from provenance.chain.devnet import Devnet

    offer = art.parent / "gift.offer.json"
    made = run_cli("offer", str(art), "--min-donation", "1gwei", "-o", str(offer), "--json")
    assert made.returncode == 0, made.stderr
    contract = json.loads(offer.read_text())["contract"]
    info = Devnet(devnet / "devnet").info()
    assert info is not None
    donor_home = tmp_path / "donor-home"
    donor = {
        "PROVENANCE_HOME": str(donor_home),
        "K": "0x" + bytes(dev_accounts(3)[2].key).hex(),
    }
    for extra in (["--rpc-url", info.rpc_url], ["--rpc-url", info.rpc_url, "--check-only"]):
        result = run_cli("redeem", str(offer), "--private-key-env", "K", *extra, env=donor)
        assert result.returncode == 3, result.stderr
        line = one_line_error(result.stderr)
        assert f"--contract {contract}" in line and "chain 31337" in line, line
        assert "provenance deploy" not in line
    # On the donor's own devnet, the same: no collection is deployed on the donor's behalf.
    try:
        result = run_cli("redeem", str(offer), "--private-key-env", "K", env=donor)
        assert result.returncode == 3, result.stderr
        line = one_line_error(result.stderr)
        assert f"--contract {contract}" in line and "provenance deploy" not in line
        deployments = donor_home / "deployments.json"
        assert not deployments.exists() or "devnet" not in json.loads(deployments.read_text())
    finally:
        Devnet(donor_home / "devnet").down()


def test_identity_keys_at_rest_take_a_long_passphrase_and_a_memory_hard_kdf(
    tmp_path: Path,
) -> None:
    pytest.importorskip("c2pa")
    import base64

    from cryptography.hazmat.primitives import serialization

    from provenance.errors import IdentityError
    from provenance.identity.certificates import load_identity, unlock_signing_key

    good = "correct horse battery staple"
    env = {"PROVENANCE_HOME": str(tmp_path / "home"), "SHORT": "x" * 11, "GOOD": good}
    folder = tmp_path / "home" / "identity"
    short = run_cli("identity", "init", "--name", "Ada", "--passphrase-env", "SHORT", env=env)
    assert short.returncode == 2 and "at least 12" in one_line_error(short.stderr)
    assert not folder.exists() or not any(folder.iterdir())

    made = run_cli("identity", "init", "--name", "Ada", "--passphrase-env", "GOOD", env=env)
    assert made.returncode == 0, made.stderr
    for name in ("signing-key.pem", "root-key.pem"):
        lines = (folder / name).read_bytes().splitlines()
        assert lines[0] == b"-----BEGIN PROVENANCE SCRYPT ENCRYPTED PRIVATE KEY-----"
        sealed = json.loads(base64.decodebytes(b"".join(lines[1:-1])))
        assert sealed["kdf"] == "scrypt" and sealed["n"] >= 2**17 and sealed["r"] >= 8
        assert good.encode() not in (folder / name).read_bytes()
    identity = load_identity(folder)
    key = serialization.load_pem_private_key(unlock_signing_key(identity, good.encode()), None)
    with pytest.raises(IdentityError, match="wrong passphrase"):
        unlock_signing_key(identity, b"correct horse battery stapler")

    # A key written before (PKCS#8, PBKDF2 at 2,048 iterations) still opens, is named as such,
    # and `identity rekey` rewrites it with scrypt under the same passphrase.
    legacy = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(good.encode()),
    )
    (folder / "signing-key.pem").write_bytes(legacy)
    assert unlock_signing_key(identity, good.encode())
    shown = run_cli("identity", "show", "--json", env=env)
    assert "PBKDF2 at 2,048" in json.loads(shown.stdout)["key_protection"]
    refused = run_cli(
        "identity", "rekey", "--passphrase-env", "GOOD", "--new-passphrase-env", "SHORT", env=env
    )
    assert refused.returncode == 2 and "at least 12" in one_line_error(refused.stderr)
    assert (folder / "signing-key.pem").read_bytes() == legacy
    rekeyed = run_cli("identity", "rekey", "--passphrase-env", "GOOD", "--json", env=env)
    assert rekeyed.returncode == 0, rekeyed.stderr
    assert json.loads(rekeyed.stdout)["key_protection"].startswith("scrypt")
    again = serialization.load_pem_private_key(unlock_signing_key(identity, good.encode()), None)
    assert again.private_numbers() == key.private_numbers()  # type: ignore[union-attr]
