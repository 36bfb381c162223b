"""Every bad input a user can give: one line on stderr, a non-zero exit, nothing half done."""

from __future__ import annotations

import json
import secrets
from pathlib import Path

import pytest

from provenance.chain.accounts import dev_accounts
from provenance.chain.devnet import Devnet

from .conftest import make_artwork, one_line_error, run_cli

DONOR = dev_accounts(2)[1].address


@pytest.fixture(scope="module")
def devnet_url(home: Path) -> str:
    assert run_cli("chain", "up").returncode == 0
    info = Devnet(home / "devnet").info()
    assert info is not None
    return info.rpc_url


@pytest.fixture()
def art(tmp_path: Path) -> Path:
    return make_artwork(tmp_path / "art.png", seed=secrets.randbelow(10**9))


def journal_rows(home: Path) -> int:
    import sqlite3

    path = home / "journal.sqlite"
    if not path.exists():
        return 0
    with sqlite3.connect(path) as db:
        return int(db.execute("SELECT count(*) FROM mints").fetchone()[0])


def fails(*args: str, env: dict[str, str] | None = None) -> str:
    result = run_cli(*args, env=env)
    assert result.returncode != 0, result.stdout
    return one_line_error(result.stderr)


def test_missing_file(devnet_url: str, tmp_path: Path) -> None:
    assert "artwork not found" in fails("mint", str(tmp_path / "nope.png"), "--donor", DONOR)


def test_not_an_image(devnet_url: str, tmp_path: Path) -> None:
    fake = tmp_path / "fake.png"
    fake.write_text("this is not a PNG")
    assert "not an image" in fails("mint", str(fake), "--donor", DONOR)


def test_truncated_image(devnet_url: str, art: Path) -> None:
    art.write_bytes(art.read_bytes()[:200])
    assert "not a valid image" in fails("mint", str(art), "--donor", DONOR)


def test_unsupported_format(devnet_url: str, tmp_path: Path) -> None:
    bmp = make_artwork(tmp_path / "a.bmp", seed=3, fmt="BMP")
    assert "PNG, JPEG or WebP" in fails("mint", str(bmp), "--donor", DONOR)


def test_bad_address_checksum(devnet_url: str, art: Path) -> None:
    bad = DONOR[:-1] + ("a" if DONOR[-1] != "a" else "b")
    bad = bad[:2] + bad[2:].swapcase() if bad == bad.lower() else bad
    assert "checksum" in fails("mint", str(art), "--donor", bad)
    assert "not an Ethereum address" in fails("mint", str(art), "--donor", "0x1234")


def test_message_limits(devnet_url: str, art: Path, tmp_path: Path, home: Path) -> None:
    rows = journal_rows(home)
    assert "limit is 1024" in fails(
        "mint",
        str(art),
        "--donor",
        DONOR,
        "--message",
        "x" * 1025,
        "--donor-pubkey",
        "02" + "11" * 32,
    )
    assert "empty" in fails("mint", str(art), "--donor", DONOR, "--message", "")
    assert "needs the donor's key" in fails("mint", str(art), "--donor", DONOR, "--message", "hi")
    assert journal_rows(home) == rows  # nothing recorded for refused input


def test_metadata_past_one_ipfs_chunk(
    devnet_url: str, art: Path, tmp_path: Path, home: Path
) -> None:
    """Metadata is stored as one raw block (the contract derives its CID from the digest it
    keeps): a description that makes it longer than one chunk is refused, row by row in a batch,
    before anything is journaled or sent."""
    rows = journal_rows(home)
    donors = tmp_path / "donors.csv"
    # 100,000 characters (a CSV field's limit is 131,072), 300,000 bytes of UTF-8.
    text = "習" * 100_000
    donors.write_text(f"artwork,donor,description\n{art.name},{DONOR},{text}\n", encoding="utf-8")
    result = run_cli("mint-batch", str(art.parent), "--donors", str(donors), "--json")
    assert result.returncode == 1, result.stderr
    (row,) = json.loads(result.stdout)["rows"]
    assert row["token_id"] is None
    assert "bytes; the limit is 262144 (one IPFS chunk)" in row["error"]
    assert journal_rows(home) == rows


def test_wrong_chain(devnet_url: str, art: Path) -> None:
    line = fails(
        "mint",
        str(art),
        "--donor",
        DONOR,
        "--rpc-url",
        devnet_url,
        "--chain-id",
        "1",
        "--private-key-env",
        "K",
        env={"K": "0x" + secrets.token_hex(32)},
    )
    assert "wrong chain" in line and "31337" in line


def test_rpc_down(art: Path) -> None:
    line = fails("verify", "1", "--rpc-url", "http://127.0.0.1:9")
    assert "cannot reach the RPC endpoint" in line


def test_no_known_deployment(devnet_url: str) -> None:
    # The devnet seen as a plain RPC network: the toolkit never deploys there implicitly. A
    # checker is told how to name a collection (issue 21: "run provenance deploy" told a
    # journalist to deploy their own), a writer how to deploy one.
    line = fails("verify", "1", "--rpc-url", devnet_url)
    assert "--gallery" in line and "--contract" in line and "deploy" not in line


def test_not_a_minter(devnet_url: str, art: Path, home: Path) -> None:
    stranger = dev_accounts(4)[3]
    rows = journal_rows(home)
    line = fails(
        "mint",
        str(art),
        "--donor",
        DONOR,
        "--private-key-env",
        "K",
        env={"K": "0x" + bytes(stranger.key).hex()},
    )
    assert "not a minter" in line and stranger.address in line
    assert journal_rows(home) == rows


def test_no_funds(devnet_url: str, art: Path, home: Path) -> None:
    """A minter with an empty wallet: refused before anything is sent."""
    from eth_account import Account

    from provenance.chain.contract import MINTER_ROLE
    from provenance.chain.network import connect, resolve_contract, signer
    from provenance.chain.tx import Sender

    broke = Account.create()
    chain = connect()
    contract = resolve_contract(chain)
    admin = Sender(chain.rpc, signer(chain), chain_id=chain.chain_id)
    admin.transact(
        to=contract.address, data=contract.abi.encode_call("grantRole", MINTER_ROLE, broke.address)
    )
    line = fails(
        "mint",
        str(art),
        "--donor",
        DONOR,
        "--private-key-env",
        "K",
        env={"K": "0x" + bytes(broke.key).hex()},
    )
    assert "insufficient funds" in line and broke.address in line
    assert bytes(broke.key).hex() not in line


def test_missing_private_key_env(devnet_url: str, art: Path) -> None:
    assert "NO_SUCH_VAR" in fails(
        "mint", str(art), "--donor", DONOR, "--private-key-env", "NO_SUCH_VAR"
    )


def test_unknown_token(devnet_url: str) -> None:
    never = "0x" + "99" * 32  # a full id never minted: verify reports it, decrypt refuses it
    result = run_cli("verify", never, "--json")
    assert result.returncode == 1
    report = json.loads(result.stdout)
    assert report["ok"] is False and report["checks"][0]["name"] == "token"
    assert "does not exist" in fails(
        "decrypt", never, "--private-key-env", "K", env={"K": "0x" + secrets.token_hex(32)}
    )
    # A short id no minted token starts with: one line, exit 2.
    assert "starts with 999" in fails("verify", "999")


def test_content_daemon_down(devnet_url: str, art: Path) -> None:
    minted = run_cli("mint", str(art), "--donor", DONOR, "--json")
    token = json.loads(minted.stdout)["token_id"]
    result = run_cli("verify", str(token), "--kubo-api", "http://127.0.0.1:9", "--json")
    # Content that cannot be reached is no verdict (issue 21): exit 4, never "not authentic".
    assert result.returncode == 4
    report = json.loads(result.stdout)
    assert report["outcome"] == "could-not-check" and not report["ok"]
    states = {c["name"]: (c["state"], c["detail"]) for c in report["checks"]}
    assert states["metadata"][0] == "could-not-check"
    assert states["metadata"][1].startswith("could not check: cannot read")
    assert not any(c["ok"] is False for c in report["checks"])
