"""Ordinary input and damaged state that exited 70 (issue 12 items 7, 10, 11): each is one line on
stderr and exit 2 or 3, and nothing is lost or half written."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from provenance.chain.accounts import dev_accounts

from .conftest import make_artwork, one_line_error, run_cli

DONOR = dev_accounts(2)[1].address


@pytest.fixture(scope="module")
def devnet(home: Path) -> Path:
    up = run_cli("chain", "up")
    assert up.returncode == 0, up.stderr
    # A read-only command never deploys (issue 21): the artist deploys the collection.
    deployed = run_cli("deploy")
    assert deployed.returncode == 0, deployed.stderr
    return home


def _can_unshare() -> bool:
    if shutil.which("unshare") is None:
        return False
    probe = subprocess.run(["unshare", "-rm", "true"], capture_output=True, check=False)
    return probe.returncode == 0


needs_unshare = pytest.mark.skipif(
    not _can_unshare(), reason="needs unshare -rm (user and mount namespaces)"
)


def run_in_namespace(setup: str, *args: str) -> subprocess.CompletedProcess[str]:
    """The CLI in a private mount namespace, after ``setup`` (shell) there: a read-only bind
    mount or a tiny tmpfs, which even root cannot write past."""
    command = " ".join(["exec", sys.executable, "-m", "provenance", *map(_quote, args)])
    return subprocess.run(
        ["unshare", "-rm", "sh", "-c", f"{setup} && {command}"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _quote(arg: str) -> str:
    import shlex

    return shlex.quote(arg)


def test_a_token_id_past_uint256(devnet: Path) -> None:
    result = run_cli("verify", str(2**300))
    assert result.returncode == 2
    assert "larger than 2**256 - 1" in one_line_error(result.stderr)


def test_an_amount_with_a_huge_exponent(devnet: Path, tmp_path: Path) -> None:
    art = make_artwork(tmp_path / "a.png", seed=501)
    for amount in ("1e999999999wei", "1e999999999ether", "1e-999999999ether"):
        result = run_cli(
            "offer", str(art), "--min-donation", amount, "-o", str(tmp_path / "o.json")
        )
        assert result.returncode == 2, result.stderr
        line = one_line_error(result.stderr)
        assert "too large" in line or "not a whole number of wei" in line
        assert not (tmp_path / "o.json").exists()


def test_an_offer_named_with_markup_and_escapes(devnet: Path, tmp_path: Path) -> None:
    art = make_artwork(tmp_path / "named.png", seed=502)
    output = tmp_path / "offer.json"
    name = "[/]x \x1b]8;;http://evil.example/\x07link\x1b]8;;\x07"
    result = run_cli(
        "offer", str(art), "--min-donation", "1gwei", "-o", str(output), "--name", name
    )
    assert result.returncode == 0, result.stderr
    assert "'[/]x " in result.stdout  # repr() shows the escapes as visible text
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout
    assert json.loads(output.read_text())["name"] == name  # stored as given, shown inert
    checked = run_cli("redeem", str(output), "--check-only")
    assert checked.returncode == 0, checked.stderr
    assert "'[/]x " in checked.stdout and "\x1b" not in checked.stdout


def test_an_error_quoting_escapes_is_one_inert_line(devnet: Path, tmp_path: Path) -> None:
    missing = tmp_path / "gone\x1b[2J\x1b]8;;http://evil.example/\x07.png"
    result = run_cli("mint", str(missing), "--donor", DONOR)
    assert result.returncode == 2
    line = one_line_error(result.stderr)
    assert "\x1b" not in result.stderr and "\x07" not in result.stderr
    assert "gone" in line


def test_home_is_a_file(tmp_path: Path) -> None:
    target = tmp_path / "home-file"
    target.write_text("not a folder")
    for args in (("tokens", "list"), ("ipfs", "add", str(target))):
        result = run_cli(*args, env={"PROVENANCE_HOME": str(target)})
        assert result.returncode == 3, result.stderr
        assert "is not a folder" in one_line_error(result.stderr)
    assert target.read_text() == "not a folder"


@pytest.mark.parametrize(
    "damage",
    [
        {"devnet": {"ProvenanceArt": []}},
        {"devnet": {"ProvenanceArt": {"address": 7}}},
        {"devnet": {"ProvenanceArt": {"address": "0x" + "ab" * 20, "block": "x"}}},
        "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]",
    ],
    ids=["list", "address", "block", "nested"],
)
def test_a_damaged_deployments_file_is_never_a_redeploy(devnet: Path, damage: object) -> None:
    path = devnet / "deployments.json"
    good = path.read_bytes()
    address = json.loads(good)["devnet"]["ProvenanceArt"]["address"]
    try:
        path.write_text(damage if isinstance(damage, str) else json.dumps(damage))
        damaged = path.read_bytes()
        result = run_cli("tokens", "list")
        assert result.returncode == 3, result.stderr
        assert str(path) in one_line_error(result.stderr)
        assert path.read_bytes() == damaged  # not overwritten with a new deployment
    finally:
        path.write_bytes(good)
    assert address in run_cli("tokens", "list").stdout


def test_a_damaged_attempts_value_in_the_journal(devnet: Path, tmp_path: Path) -> None:
    art = make_artwork(tmp_path / "attempts.png", seed=503)
    mint = ("mint", str(art), "--donor", DONOR)
    crashed = run_cli(*mint, env={"PROVENANCE_FAILPOINT": "after-sign"})
    assert crashed.returncode == 137, crashed.stderr
    with sqlite3.connect(devnet / "journal.sqlite") as db:
        db.execute("UPDATE mints SET attempts = 'not json' WHERE artwork LIKE ?", ("%attempts%",))
    result = run_cli(*mint)
    assert result.returncode == 3, result.stderr
    assert "damaged 'attempts' value" in one_line_error(result.stderr)
    with sqlite3.connect(devnet / "journal.sqlite") as db:
        db.execute("UPDATE mints SET attempts = '[]' WHERE artwork LIKE ?", ("%attempts%",))
    assert run_cli(*mint).returncode == 0


@needs_unshare
def test_a_read_only_home(devnet: Path, tmp_path: Path) -> None:
    art = make_artwork(tmp_path / "ro.png", seed=504)
    read_only = f"mount --bind -o ro {devnet} {devnet}"
    for args in (
        ("ipfs", "gc"),
        ("offer", str(art), "--min-donation", "1gwei", "-o", str(tmp_path / "o.json")),
        ("mint", str(art), "--donor", DONOR),
    ):
        result = run_in_namespace(read_only, *args)
        assert result.returncode == 3, (args, result.stderr)
        line = one_line_error(result.stderr).lower()
        assert "read-only file system" in line or "readonly database" in line


@needs_unshare
def test_a_full_disk_during_mint_loses_nothing(devnet: Path, tmp_path: Path) -> None:
    # Random pixels do not compress: a PNG of about 190 KB, on a blockstore with 64 KB free.
    art = make_artwork(tmp_path / "full.png", seed=505, size=256)
    blocks = devnet / "ipfs" / "blocks"
    full = f"mount -t tmpfs -o size=64k tmpfs {blocks}"
    result = run_in_namespace(full, "mint", str(art), "--donor", DONOR, "--json")
    assert result.returncode == 3, result.stderr
    line = one_line_error(result.stderr)
    assert "No space left on device" in line and "free some space" in line
    again = run_cli("mint", str(art), "--donor", DONOR, "--json")  # space is back
    assert again.returncode == 0, again.stderr
    token = json.loads(again.stdout)["token_id"]
    assert run_cli("verify", str(token)).returncode == 0


def test_a_format_2_journal_is_upgraded_in_place(tmp_path: Path) -> None:
    from provenance.state import journal as journal_module

    path = tmp_path / "journal.sqlite"
    old_schema = journal_module._SCHEMA.replace("    message_intent TEXT,\n", "")
    with sqlite3.connect(path) as db:
        db.executescript(old_schema)
        db.execute("PRAGMA user_version=2")
    db.close()
    opened = journal_module.Journal(path)
    try:
        entry = opened.create(
            chain_id=1,
            contract="0x" + "ab" * 20,
            image_sha256="00" * 32,
            artwork="a.png",
            donor="0x" + "cd" * 20,
            image_cid="bafy",
            metadata_cid="bafk",
            metadata_sha256="11" * 32,
            metadata=b"{}",
        )
        assert entry.message_intent is None and entry.state == "prepared"
    finally:
        opened.close()
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == journal_module.SCHEMA_VERSION
    db.close()


def test_a_damaged_devnet_state_file_says_what_and_where(tmp_path: Path) -> None:
    """Issue 12 item 12: it said "anvil exited at start (code 2): For more information, try
    '--help'"."""
    state = tmp_path / "home" / "devnet" / "state.json"
    state.parent.mkdir(parents=True)
    damaged = b'{"block": garbage'
    state.write_bytes(damaged)
    result = run_cli("chain", "up", env={"PROVENANCE_HOME": str(tmp_path / "home")})
    assert result.returncode == 3, result.stderr
    line = one_line_error(result.stderr)
    assert f"state file {state} is damaged" in line
    assert "failed to parse json file" in line
    assert f"log: {state.parent / 'anvil.log'}" in line
    assert "--help" not in line
    assert state.read_bytes() == damaged  # kept for the user to restore or move aside
