"""The wallet-derived sealing key (wallet-signature-v1): the CLI, a real wallet library (viem), the
gallery's own browser module and @metamask/eth-sig-util agree byte for byte, both ways; a wrong
account, another collection or another chain id cannot open."""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from eth_account import Account
from eth_account.messages import encode_defunct

from provenance.chain.accounts import dev_accounts
from provenance.cli import cli
from provenance.errors import InputError, SealError
from provenance.seal import (
    WALLET_KEY,
    key_message,
    open_with_x25519_secret,
    parse_stored,
    seal_to_wallet,
    stored_bytes,
    wallet_public_key,
    wallet_secret,
    wallet_secret_for,
)
from provenance.seal.wallet import hkdf_sha256

from .conftest import ROOT

PEER = ROOT / "tests" / "js" / "wallet_peer.mjs"
DONOR, OTHER = dev_accounts(3)[1:]
CONTRACT = "0x5FbDB2315678afecb367f032d93F642f64180aa3"
OTHER_CONTRACT = "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512"
CHAIN_ID = 31337


def wallet_peer(ops: list[dict[str, Any]]) -> list[Any]:
    node = shutil.which("node")
    assert node is not None and (ROOT / "node_modules/viem").is_dir(), "run scripts/setup first"
    result = subprocess.run(
        [node, str(PEER)],
        check=False,
        input=json.dumps(ops),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return [a.get("ok", {"error": a.get("error")}) for a in json.loads(result.stdout)]


@dataclass
class Outcome:
    returncode: int
    stdout: str
    stderr: str


def run_cli(*args: str, env: dict[str, str] | None = None) -> Outcome:
    result = CliRunner().invoke(cli, list(args), env=env or {}, catch_exceptions=False)
    return Outcome(result.exit_code, result.stdout, result.stderr)


def key_env(account: Any) -> dict[str, str]:
    return {"DONOR_KEY": "0x" + bytes(account.key).hex()}


def test_hkdf_matches_rfc5869_vectors() -> None:
    # RFC 5869 A.1 (salt and info given) and A.3 (empty salt and info: our case's salt).
    ikm = bytes.fromhex("0b" * 22)
    okm = hkdf_sha256(
        ikm, salt=bytes(range(13)), info=bytes.fromhex("f0f1f2f3f4f5f6f7f8f9"), length=42
    )
    assert okm.hex() == (
        "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865"
    )
    assert hkdf_sha256(ikm, salt=b"", info=b"", length=42).hex() == (
        "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8"
    )


def test_key_message_names_donor_collection_chain_and_warns() -> None:
    text = key_message(donor=DONOR.address.lower(), contract=CONTRACT.lower(), chain_id=CHAIN_ID)
    assert f"Donor: {DONOR.address}" in text and f"Collection: {CONTRACT}" in text
    assert f"Chain ID: {CHAIN_ID}" in text and not text.endswith("\n")
    assert "unlocks the messages sealed to me in this collection" in text
    assert "Sign it only on this collection's" in text
    with pytest.raises(InputError, match="checksum"):
        key_message(
            donor=DONOR.address.swapcase()[:3] + DONOR.address[3:], contract=CONTRACT, chain_id=1
        )
    with pytest.raises(InputError, match="positive"):
        key_message(donor=DONOR.address, contract=CONTRACT, chain_id=0)


def test_cli_key_message_is_the_signed_text_plus_newline() -> None:
    out = run_cli(
        "donor",
        "key-message",
        "--donor",
        DONOR.address,
        "--contract",
        CONTRACT,
        "--chain-id",
        str(CHAIN_ID),
    )
    assert out.returncode == 0, out.stderr
    assert (
        out.stdout == key_message(donor=DONOR.address, contract=CONTRACT, chain_id=CHAIN_ID) + "\n"
    )


def test_secret_is_hkdf_of_r_and_s_of_the_personal_sign_signature() -> None:
    text = key_message(donor=DONOR.address, contract=CONTRACT, chain_id=CHAIN_ID)
    signature = bytes(Account.sign_message(encode_defunct(text=text), DONOR.key).signature)
    expected = hkdf_sha256(signature[:64], salt=b"", info=b"provenance/x25519-key/v1", length=32)
    assert wallet_secret(signature) == expected
    assert wallet_secret_for(DONOR, contract=CONTRACT, chain_id=CHAIN_ID) == expected
    with pytest.raises(SealError):
        wallet_secret(signature[:64])


def test_viem_signature_gives_the_cli_key_and_the_page_agrees() -> None:
    (derived,) = wallet_peer(
        [
            {
                "op": "viem-derive",
                "privateKey": "0x" + bytes(DONOR.key).hex(),
                "contract": CONTRACT,
                "chainId": CHAIN_ID,
            }
        ]
    )
    # viem signed the very text the CLI prints (without its final newline) ...
    assert derived["message"] == key_message(
        donor=DONOR.address, contract=CONTRACT, chain_id=CHAIN_ID
    )
    # ... the same deterministic (RFC 6979) signature eth-account makes ...
    ours = Account.sign_message(encode_defunct(text=derived["message"]), DONOR.key)
    assert derived["signature"] == "0x" + bytes(ours.signature).hex()
    # ... so the page's secret and public key are the CLI's.
    secret = wallet_secret_for(DONOR, contract=CONTRACT, chain_id=CHAIN_ID)
    assert derived["secret"] == secret.hex()
    out = run_cli(
        "seal",
        "wallet-key",
        "--private-key-env",
        "DONOR_KEY",
        "--contract",
        CONTRACT,
        "--chain-id",
        str(CHAIN_ID),
        env=key_env(DONOR),
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == derived["publicKey"]
    assert bytes(DONOR.key).hex() not in out.stdout + out.stderr


def test_envelopes_open_both_ways(tmp_path: Path) -> None:
    secret = wallet_secret_for(DONOR, contract=CONTRACT, chain_id=CHAIN_ID)
    public_b64 = wallet_peer(
        [
            {
                "op": "viem-derive",
                "privateKey": "0x" + bytes(DONOR.key).hex(),
                "contract": CONTRACT,
                "chainId": CHAIN_ID,
            }
        ]
    )[0]["publicKey"]
    text = "Für die Künstlerin — thank you ✨"
    python_stored = seal_to_wallet(text, DONOR, contract=CONTRACT, chain_id=CHAIN_ID)
    page_stored, sigutil_envelope = wallet_peer(
        [
            {"op": "page-seal", "publicKey": public_b64, "message": text},
            {"op": "sigutil-encrypt", "publicKey": public_b64, "message": text},
        ]
    )
    assert isinstance(page_stored, str) and isinstance(sigutil_envelope, dict)
    # The page writes the canonical stored form, key named beside the envelope.
    page = parse_stored(page_stored.encode(), canonical=True)
    assert page.key == WALLET_KEY
    envelopes = {
        "python": parse_stored(python_stored, canonical=True).envelope,
        "page": page.envelope,
        "eth-sig-util": sigutil_envelope,
    }
    # eth-sig-util with privateKey = hex(secret) and the page open every one of them.
    answers = wallet_peer(
        [
            {"op": "sigutil-decrypt", "envelope": e, "secret": secret.hex()}
            for e in envelopes.values()
        ]
        + [
            {"op": "page-open", "stored": stored_bytes(e).decode(), "secret": secret.hex()}
            for e in envelopes.values()
        ]
    )
    assert answers == [text] * 6
    # And so does the CLI, from the stored form and from a bare envelope with --wallet-key.
    for name, envelope in envelopes.items():
        stored_file = tmp_path / f"{name}.json"
        stored_file.write_bytes(stored_bytes(envelope))
        bare_file = tmp_path / f"{name}-bare.json"
        bare_file.write_text(json.dumps(envelope))
        for path, flag in ((stored_file, []), (bare_file, ["--wallet-key"])):
            out = run_cli(
                "seal",
                "decrypt",
                str(path),
                *flag,
                "--contract",
                CONTRACT,
                "--chain-id",
                str(CHAIN_ID),
                "--private-key-env",
                "DONOR_KEY",
                env=key_env(DONOR),
            )
            assert (out.returncode, out.stdout) == (0, text + "\n"), (name, out.stderr)
        assert open_with_x25519_secret(envelope, secret).decode() == text


@pytest.mark.parametrize(
    ("who", "contract", "chain_id"),
    [(OTHER, CONTRACT, CHAIN_ID), (DONOR, OTHER_CONTRACT, CHAIN_ID), (DONOR, CONTRACT, 1)],
    ids=["wrong-account", "other-collection", "other-chain"],
)
def test_wrong_account_collection_or_chain_cannot_open(
    tmp_path: Path, who: Any, contract: str, chain_id: int
) -> None:
    stored = tmp_path / "stored.json"
    stored.write_bytes(seal_to_wallet("secret words", DONOR, contract=CONTRACT, chain_id=CHAIN_ID))
    out = run_cli(
        "seal",
        "decrypt",
        str(stored),
        "--contract",
        contract,
        "--chain-id",
        str(chain_id),
        "--private-key-env",
        "DONOR_KEY",
        env=key_env(who),
    )
    assert out.returncode == 1 and out.stdout == ""
    assert out.stderr.strip().endswith("wrong key or tampered envelope"), out.stderr
    assert len(out.stderr.strip().splitlines()) == 1
    secret = wallet_secret_for(who, contract=contract, chain_id=chain_id)
    (answer,) = wallet_peer(
        [{"op": "page-open", "stored": stored.read_text(), "secret": secret.hex()}]
    )
    assert answer == {"error": "this key does not open the message"}


def test_stored_form_is_strict(tmp_path: Path) -> None:
    stored = seal_to_wallet("hi", DONOR, contract=CONTRACT, chain_id=CHAIN_ID)
    value = json.loads(stored)
    assert set(value) == {"envelope", "key"} and value["key"] == WALLET_KEY
    assert set(value["envelope"]) == {"version", "nonce", "ephemPublicKey", "ciphertext"}
    for bad in (
        {**value, "key": "wallet-signature-v2"},
        {**value, "extra": 1},
        {"envelope": value["envelope"]},
    ):
        with pytest.raises(SealError):
            parse_stored(json.dumps(bad).encode())
    with pytest.raises(SealError, match="canonical"):
        parse_stored(json.dumps(value, indent=1).encode(), canonical=True)
    path = tmp_path / "s.json"
    path.write_bytes(stored)
    out = run_cli(
        "seal", "decrypt", str(path), "--private-key-env", "DONOR_KEY", env=key_env(DONOR)
    )
    assert out.returncode == 2 and "needs both --contract and --chain-id" in out.stderr


def test_wallet_public_key_is_x25519_of_the_secret() -> None:
    secret = bytes(range(32))
    # RFC 7748's base point multiplication via PyNaCl, checked against tweetnacl by the page test.
    assert len(wallet_public_key(secret)) == 32
    assert wallet_public_key(secret) != wallet_public_key(bytes(32))
