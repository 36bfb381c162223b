"""Accounts: Foundry keystores written by the real ``cast wallet import``, env private keys."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from provenance.chain.accounts import DEV_MNEMONIC, dev_accounts, load_account
from provenance.errors import InputError

CAST = Path(__file__).resolve().parents[2] / "node_modules/@foundry-rs/cast-linux-amd64/bin/cast"
PASSWORD = "correct horse battery staple"


@pytest.fixture(scope="module")
def keystore_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A keystore folder holding dev account 5 as ``donor``, written by cast itself."""
    folder = tmp_path_factory.mktemp("keystores")
    subprocess.run(
        [
            str(CAST),
            "wallet",
            "import",
            "donor",
            "--keystore-dir",
            str(folder),
            "--mnemonic",
            DEV_MNEMONIC,
            "--mnemonic-index",
            "5",
            "--unsafe-password",
            PASSWORD,
        ],
        stdin=subprocess.DEVNULL,
        check=True,
        capture_output=True,
        timeout=60,
    )
    assert (folder / "donor").is_file()
    return folder


def test_load_cast_keystore_with_password_env(
    keystore_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DONOR_PW", PASSWORD)
    account = load_account(account="donor", password_env="DONOR_PW", keystore_dir=keystore_dir)
    assert account.address == dev_accounts(6)[5].address


def test_load_cast_keystore_with_prompt(keystore_dir: Path) -> None:
    asked: list[str] = []

    def prompt(text: str) -> str:
        asked.append(text)
        return PASSWORD

    account = load_account(account="donor", keystore_dir=keystore_dir, prompt=prompt)
    assert account.address == dev_accounts(6)[5].address
    assert asked and "donor" in asked[0]


def test_wrong_password(keystore_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DONOR_PW", "not it")
    with pytest.raises(InputError, match="wrong password for keystore 'donor'") as caught:
        load_account(account="donor", password_env="DONOR_PW", keystore_dir=keystore_dir)
    assert "not it" not in str(caught.value)


def test_no_password_source_without_a_terminal(keystore_dir: Path) -> None:
    # pytest's stdin is not a TTY: no prompt, a one-line error naming the way out.
    with pytest.raises(InputError, match="--password-env"):
        load_account(account="donor", keystore_dir=keystore_dir)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({}, "exactly one"),
        ({"account": "donor", "private_key_env": "X"}, "exactly one"),
        ({"account": "nobody"}, "no keystore named 'nobody'"),
        ({"account": "../donor"}, "not a keystore name"),
        ({"account": "donor", "password_env": "UNSET_PW_VAR_FOR_TEST"}, "UNSET_PW_VAR_FOR_TEST"),
        ({"private_key_env": "UNSET_KEY_VAR_FOR_TEST"}, "UNSET_KEY_VAR_FOR_TEST is not set"),
    ],
)
def test_bad_account_arguments(keystore_dir: Path, kwargs: dict[str, str], match: str) -> None:
    with pytest.raises(InputError, match=match):
        load_account(keystore_dir=keystore_dir, **kwargs)  # type: ignore[arg-type]


def test_not_a_keystore(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "junk").write_text("{not json")
    monkeypatch.setenv("PW", "x")
    with pytest.raises(InputError, match="not readable V3 JSON"):
        load_account(account="junk", password_env="PW", keystore_dir=tmp_path)


@pytest.mark.parametrize("prefix", ["", "0x"])
def test_private_key_env(monkeypatch: pytest.MonkeyPatch, prefix: str) -> None:
    expected = dev_accounts(3)[2]
    monkeypatch.setenv("DONOR_KEY", prefix + bytes(expected.key).hex())
    assert load_account(private_key_env="DONOR_KEY").address == expected.address


@pytest.mark.parametrize("value", ["12" * 31, "zz" * 32, "00" * 32, "ff" * 32, ""])
def test_malformed_private_key_env(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("DONOR_KEY", value)
    with pytest.raises(InputError, match="DONOR_KEY") as caught:
        load_account(private_key_env="DONOR_KEY")
    if value:
        assert value not in str(caught.value)


def test_dev_accounts_first_is_anvils_well_known_address() -> None:
    # anvil prints this address at start-up; the key itself is derived, never written here.
    assert dev_accounts(1)[0].address == "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
