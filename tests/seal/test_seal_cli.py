"""``provenance seal`` / ``provenance donor`` from the outside: round trips through every key source,
one-line errors for every bad input, and no private key in any output, error or traceback."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import coincurve
import pytest
from click.testing import CliRunner, Result
from eth_account import Account
from eth_account.messages import encode_defunct

from provenance.cli import cli

DONOR = Account.from_key(coincurve.PrivateKey().secret)
OTHER = Account.from_key(coincurve.PrivateKey().secret)
DONOR_HEX = bytes(DONOR.key).hex()
PUBKEY = "0x" + coincurve.PublicKey.from_secret(bytes(DONOR.key)).format(compressed=False).hex()
CONTRACT = Account.from_key(coincurve.PrivateKey().secret).address
PASSWORD = "s3cret-pass-phrase"
ENV = {"DONOR_KEY": "0x" + DONOR_HEX, "OTHER_KEY": bytes(OTHER.key).hex(), "DONOR_PW": PASSWORD}


def _secret_forms() -> list[str]:
    forms = []
    for key in (DONOR_HEX, bytes(OTHER.key).hex()):
        forms += [key, "0x" + key, key.upper()]
    return [*forms, PASSWORD]


def assert_no_secret(*texts: str) -> None:
    for text in texts:
        for secret in _secret_forms():
            assert secret.lower() not in text.lower()


def invoke(args: list[str], *, env: dict[str, str] | None = None) -> Result:
    result = CliRunner().invoke(cli, args, env={**ENV, **(env or {})}, catch_exceptions=False)
    assert_no_secret(result.stdout, result.stderr)
    return result


def assert_one_line_error(result: Result, match: str) -> None:
    assert result.exit_code != 0
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: ") and match in lines[0], lines[0]
    assert result.stdout == ""


@pytest.fixture(scope="module")
def keystore_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("keystores")
    # The V3 format is what cast writes (checked against cast itself in test_seal_accounts.py).
    (folder / "donor").write_text(json.dumps(Account.encrypt(DONOR.key, PASSWORD)))
    return folder


@pytest.fixture()
def ecies_envelope(tmp_path: Path) -> Path:
    result = invoke(["seal", "encrypt", "--to-pubkey", PUBKEY, "--message", "Dank je wel ✓"])
    assert result.exit_code == 0, result.stderr
    path = tmp_path / "envelope.json"
    path.write_text(result.stdout)
    return path


def test_ecies_round_trip_with_private_key_env(ecies_envelope: Path) -> None:
    envelope = json.loads(ecies_envelope.read_text())
    assert envelope["version"] == "secp256k1-ecies"
    result = invoke(["seal", "decrypt", str(ecies_envelope), "--private-key-env", "DONOR_KEY"])
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "Dank je wel ✓\n"


def test_round_trip_with_keystore(ecies_envelope: Path, keystore_dir: Path) -> None:
    args = ["seal", "decrypt", str(ecies_envelope), "--account", "donor"]
    args += ["--keystore-dir", str(keystore_dir), "--password-env", "DONOR_PW"]
    result = invoke(args)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "Dank je wel ✓\n"


def test_x25519_round_trip_via_encryption_key(tmp_path: Path) -> None:
    key = invoke(["seal", "encryption-key", "--private-key-env", "DONOR_KEY"])
    assert key.exit_code == 0
    message = tmp_path / "message.txt"
    message.write_text("from a MetaMask key 🦊", encoding="utf-8")
    sealed = invoke(
        [
            "seal",
            "encrypt",
            "--to-encryption-key",
            key.stdout.strip(),
            "--message-file",
            str(message),
            "--donor",
            DONOR.address,
        ]
    )
    assert sealed.exit_code == 0, sealed.stderr
    assert "cannot be checked" in sealed.stderr
    envelope = tmp_path / "envelope.json"
    envelope.write_text(sealed.stdout)
    assert json.loads(sealed.stdout)["version"] == "x25519-xsalsa20-poly1305"
    opened = invoke(["seal", "decrypt", str(envelope), "--private-key-env", "DONOR_KEY"])
    assert opened.stdout == "from a MetaMask key 🦊\n"


def test_recover_and_consent_message(tmp_path: Path) -> None:
    artwork = tmp_path / "art.png"
    artwork.write_bytes(os.urandom(5000))
    consent = invoke(
        [
            "donor",
            "consent-message",
            "--donor",
            DONOR.address.lower(),
            "--artwork",
            str(artwork),
            "--contract",
            CONTRACT,
        ]
    )
    assert consent.exit_code == 0, consent.stderr
    text = consent.stdout.removesuffix("\n")
    for needle in (
        DONOR.address,
        CONTRACT,
        "31337",
        hashlib.sha256(artwork.read_bytes()).hexdigest(),
    ):
        assert needle in text
    message = tmp_path / "consent.txt"
    message.write_text(text, encoding="utf-8")
    signature = DONOR.sign_message(encode_defunct(text=text)).signature.to_0x_hex()
    recovered = invoke(
        [
            "seal",
            "recover",
            "--address",
            DONOR.address,
            "--message-file",
            str(message),
            "--signature",
            signature,
        ]
    )
    assert recovered.exit_code == 0, recovered.stderr
    assert recovered.stdout.strip() == PUBKEY
    as_json = invoke(
        [
            "seal",
            "recover",
            "--address",
            DONOR.address,
            "--message-file",
            str(message),
            "--signature",
            signature,
            "--json",
        ]
    )
    assert json.loads(as_json.stdout)["verified"] is True
    # A signature over the message for another chain does not recover for this one.
    other_text = text.replace("Chain ID: 31337", "Chain ID: 1")
    other = DONOR.sign_message(encode_defunct(text=other_text)).signature.to_0x_hex()
    wrong = invoke(
        [
            "seal",
            "recover",
            "--address",
            DONOR.address,
            "--message-file",
            str(message),
            "--signature",
            other,
        ]
    )
    assert_one_line_error(wrong, "not by the donor")


def test_one_consent_rule_the_printed_file_without_its_final_newline(tmp_path: Path) -> None:
    """Issue 12 item 14: `seal recover` reads the file as printed (``> consent.txt`` keeps the
    final newline) and applies mint's rule: the signed bytes are the text without it."""
    consent = invoke(["donor", "consent-message", "--donor", DONOR.address, "--contract", CONTRACT])
    assert consent.exit_code == 0, consent.stderr
    printed = tmp_path / "consent.txt"
    printed.write_text(consent.stdout, encoding="utf-8")  # what the README's redirect writes
    assert consent.stdout.endswith("\n")
    text = consent.stdout.removesuffix("\n")

    def recover(signed: str) -> Result:
        signature = DONOR.sign_message(encode_defunct(text=signed)).signature.to_0x_hex()
        args = ["--address", DONOR.address, "--message-file", str(printed)]
        return invoke(["seal", "recover", *args, "--signature", signature])

    recovered = recover(text)
    assert recovered.exit_code == 0, recovered.stderr
    assert recovered.stdout.strip() == PUBKEY
    # Signed with the newline: refused, and the error says the newline is the difference.
    assert_one_line_error(recover(text + "\n"), "over the text with its final newline")


def _tampered(path: Path) -> str:
    envelope = json.loads(path.read_text())
    data = bytearray(base64.b64decode(envelope["ciphertext"]))
    data[-1] ^= 1
    return json.dumps({**envelope, "ciphertext": base64.b64encode(bytes(data)).decode()})


# EIP-55's own test vector with the case of its last letter flipped: a broken checksum.
BAD_CHECKSUM = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD"


BAD_CASES: list[tuple[str, list[str], str]] = [
    ("no key", ["seal", "encrypt", "--message", "x"], "exactly one of --to-pubkey"),
    (
        "two keys",
        ["seal", "encrypt", "--to-pubkey", PUBKEY, "--to-encryption-key", "AA==", "--message", "x"],
        "exactly one of --to-pubkey",
    ),
    ("no message", ["seal", "encrypt", "--to-pubkey", PUBKEY], "exactly one of --message"),
    ("empty message", ["seal", "encrypt", "--to-pubkey", PUBKEY, "--message", ""], "empty"),
    (
        "long message",
        ["seal", "encrypt", "--to-pubkey", PUBKEY, "--message", "x" * 1025],
        "1025 bytes",
    ),
    ("pubkey not hex", ["seal", "encrypt", "--to-pubkey", "0xzz", "--message", "x"], "not hex"),
    ("pubkey length", ["seal", "encrypt", "--to-pubkey", "0x0102", "--message", "x"], "2 bytes"),
    (
        "pubkey off curve",
        ["seal", "encrypt", "--to-pubkey", "0x02" + "ff" * 32, "--message", "x"],
        "not a point",
    ),
    (
        "pubkey of another",
        ["seal", "encrypt", "--to-pubkey", PUBKEY, "--donor", OTHER.address, "--message", "x"],
        "not to the donor",
    ),
    (
        "bad checksum",
        [
            "seal",
            "encrypt",
            "--to-pubkey",
            PUBKEY,
            "--donor",
            BAD_CHECKSUM,
            "--message",
            "x",
        ],
        "checksum",
    ),
    (
        "bad encryption key",
        ["seal", "encrypt", "--to-encryption-key", "@@@", "--message", "x"],
        "not base64",
    ),
    (
        "short encryption key",
        ["seal", "encrypt", "--to-encryption-key", "AAAA", "--message", "x"],
        "3 bytes",
    ),
    (
        "missing message file",
        ["seal", "encrypt", "--to-pubkey", PUBKEY, "--message-file", "/nonexistent/m.txt"],
        "cannot read message file",
    ),
    (
        "missing envelope",
        ["seal", "decrypt", "/nonexistent/e.json", "--private-key-env", "DONOR_KEY"],
        "cannot read envelope file",
    ),
    ("no key source", ["seal", "decrypt", "{envelope}"], "exactly one of an account"),
    (
        "unset key env",
        ["seal", "decrypt", "{envelope}", "--private-key-env", "NOPE_UNSET"],
        "NOPE_UNSET is not set",
    ),
    (
        "malformed key env",
        ["seal", "decrypt", "{envelope}", "--private-key-env", "BAD_KEY"],
        "does not hold a private key",
    ),
    (
        "wrong key",
        ["seal", "decrypt", "{envelope}", "--private-key-env", "OTHER_KEY"],
        "wrong key or tampered",
    ),
    (
        "tampered",
        ["seal", "decrypt", "{tampered}", "--private-key-env", "DONOR_KEY"],
        "wrong key or tampered",
    ),
    (
        "not json",
        ["seal", "decrypt", "{notjson}", "--private-key-env", "DONOR_KEY"],
        "not valid JSON",
    ),
    (
        "unknown account",
        [
            "seal",
            "decrypt",
            "{envelope}",
            "--account",
            "nobody",
            "--keystore-dir",
            "{keystores}",
            "--password-env",
            "DONOR_PW",
        ],
        "no keystore named 'nobody'",
    ),
    (
        "wrong password",
        [
            "seal",
            "decrypt",
            "{envelope}",
            "--account",
            "donor",
            "--keystore-dir",
            "{keystores}",
            "--password-env",
            "OTHER_KEY",
        ],
        "wrong password",
    ),
    (
        "no password",
        ["seal", "decrypt", "{envelope}", "--account", "donor", "--keystore-dir", "{keystores}"],
        "--password-env",
    ),
    (
        "signature not hex",
        [
            "seal",
            "recover",
            "--address",
            DONOR.address,
            "--message-file",
            "{message}",
            "--signature",
            "0xnothex",
        ],
        "not hex",
    ),
    (
        "signature length",
        [
            "seal",
            "recover",
            "--address",
            DONOR.address,
            "--message-file",
            "{message}",
            "--signature",
            "0x" + "11" * 64,
        ],
        "64 bytes",
    ),
    (
        "signature v",
        [
            "seal",
            "recover",
            "--address",
            DONOR.address,
            "--message-file",
            "{message}",
            "--signature",
            "0x" + "11" * 64 + "05",
        ],
        "v byte",
    ),
    (
        "recover bad address",
        [
            "seal",
            "recover",
            "--address",
            "0x1234",
            "--message-file",
            "{message}",
            "--signature",
            "0x" + "11" * 65,
        ],
        "20-byte",
    ),
    (
        "consent bad donor",
        [
            "donor",
            "consent-message",
            "--donor",
            BAD_CHECKSUM,
            "--contract",
            CONTRACT,
        ],
        "checksum",
    ),
    (
        "consent bad contract",
        ["donor", "consent-message", "--donor", DONOR.address, "--contract", "0xabc"],
        "contract address",
    ),
    (
        "consent missing artwork",
        [
            "donor",
            "consent-message",
            "--donor",
            DONOR.address,
            "--contract",
            CONTRACT,
            "--artwork",
            "/nonexistent/a.png",
        ],
        "cannot read artwork",
    ),
]


@pytest.fixture()
def files(tmp_path: Path, ecies_envelope: Path, keystore_dir: Path) -> dict[str, str]:
    tampered = tmp_path / "tampered.json"
    tampered.write_text(_tampered(ecies_envelope))
    notjson = tmp_path / "notjson.json"
    notjson.write_text("{")
    message = tmp_path / "message.txt"
    message.write_text("hello")
    return {
        "envelope": str(ecies_envelope),
        "tampered": str(tampered),
        "notjson": str(notjson),
        "keystores": str(keystore_dir),
        "message": str(message),
    }


@pytest.mark.parametrize(("name", "args", "match"), BAD_CASES, ids=[c[0] for c in BAD_CASES])
def test_bad_input_is_one_line(
    name: str, args: list[str], match: str, files: dict[str, str]
) -> None:
    argv = [a.format(**files) if a.startswith("{") else a for a in args]
    # BAD_KEY: the donor's key one digit short, so a leak of it would still show.
    result = invoke(argv, env={"BAD_KEY": DONOR_HEX[:-1]})
    assert_one_line_error(result, match)


@pytest.mark.parametrize("debug", [False, True])
@pytest.mark.parametrize("key_env", ["OTHER_KEY", "DONOR_KEY", "BAD_KEY"])
def test_subprocess_never_prints_keys(files: dict[str, str], debug: bool, key_env: str) -> None:
    # A real process, tracebacks included (--debug), on success and failure paths.
    argv = [sys.executable, "-m", "provenance", *(["--debug"] if debug else [])]
    argv += ["seal", "decrypt", files["tampered"], "--private-key-env", key_env]
    env = {**os.environ, **ENV, "BAD_KEY": "0x" + "ff" * 32}
    result = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=60, check=False)
    assert result.returncode != 0
    assert_no_secret(result.stdout, result.stderr)
    if not debug:
        assert len(result.stderr.strip().splitlines()) == 1
        assert "ff" * 32 not in result.stderr
    ok = subprocess.run(
        [*argv[:-3], files["envelope"], "--private-key-env", "DONOR_KEY"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert ok.returncode == 0 and ok.stdout == "Dank je wel ✓\n"
    assert_no_secret(ok.stdout, ok.stderr)


def test_library_exceptions_carry_no_key(ecies_envelope: Path) -> None:
    import traceback

    from provenance.errors import SealError
    from provenance.seal import open_envelope, parse_envelope

    envelope = parse_envelope(ecies_envelope.read_bytes())
    with pytest.raises(SealError) as caught:
        open_envelope(envelope, bytes(OTHER.key))
    text = "".join(traceback.format_exception(caught.value))
    text += repr(caught.value) + repr(caught.value.context) + repr(caught.value.__cause__)
    assert_no_secret(text)
