"""``provenance ipfs``: the commands on the embedded store; bad input is one line, non-zero."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from provenance.cli import cli
from provenance.ipfs import add_bytes

from .conftest import deterministic_bytes


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_add_only_hash_matches_library_and_stores_nothing(home: Path, tmp_path: Path) -> None:
    path = tmp_path / "art.bin"
    path.write_bytes(deterministic_bytes(3 * 1024 * 1024 + 7, seed=1))
    code, out, _ = invoke("ipfs", "add", "--only-hash", str(path))
    assert code == 0
    assert out.strip() == add_bytes(path.read_bytes()).cid
    assert not list(home.rglob("*.data"))


def test_add_json_and_parameters_one_by_one(home: Path, tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_bytes(b"hello world")
    code, out, _ = invoke("ipfs", "add", "-n", "--profile", "unixfs-v0-2015", "--json", str(path))
    assert code == 0
    doc = json.loads(out)
    assert doc["cid"] == "Qmf412jQZiuVUtdgnB36FXFX7xg5V6KEbSJ4dpQuhkLyfD"  # kubo add_test.go
    assert doc["size"] == 11 and doc["profile"] == "unixfs-v0-2015"
    code, out, _ = invoke("ipfs", "add", "-n", "--cid-version", "1", "--no-raw-leaves", str(path))
    assert out.strip() == "bafybeihykld7uyxzogax6vgyvag42y7464eywpf55gxi5qpoisibh3c5wa"
    code, out, _ = invoke("ipfs", "add", "-n", "--chunk-size", "4", "--max-links", "2", str(path))
    assert code == 0 and out.strip().startswith("bafybei")


def test_add_cat_export_import_pin_gc(home: Path, tmp_path: Path) -> None:
    data = deterministic_bytes(50_000, seed=2)
    path = tmp_path / "art.png"
    path.write_bytes(data)
    code, out, _ = invoke("ipfs", "add", "--chunk-size", "4096", str(path))
    assert code == 0
    cid = out.strip()
    assert invoke("ipfs", "pin", "ls")[1].split() == [cid]
    result = CliRunner().invoke(cli, ["ipfs", "cat", cid])
    assert result.exit_code == 0 and result.stdout_bytes == data

    car = tmp_path / "art.car"
    assert invoke("ipfs", "export", cid, "-o", str(car))[0] == 0
    assert invoke("ipfs", "pin", "rm", cid)[0] == 0
    assert invoke("ipfs", "gc")[1].startswith("removed 14 blocks")
    assert invoke("ipfs", "cat", cid)[0] != 0
    code, out, _ = invoke("ipfs", "import", str(car))
    assert (code, out.split()) == (0, [cid])
    out_file = tmp_path / "copy.png"
    assert invoke("ipfs", "cat", cid, "-o", str(out_file))[0] == 0
    assert out_file.read_bytes() == data


def test_wrap_and_recursive(home: Path, tmp_path: Path) -> None:
    folder = tmp_path / "d"
    folder.mkdir()
    (folder / "x").write_bytes(b"x")
    code, _, err = invoke("ipfs", "add", "-n", str(folder))
    assert code != 0 and "use -r" in err
    assert invoke("ipfs", "add", "-n", "-r", str(folder))[1].startswith("bafybei")
    assert invoke("ipfs", "add", "-n", "-w", str(folder / "x"))[1].startswith("bafybei")


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["ipfs", "add", "/no/such/file"], "no such file"),
        (["ipfs", "add", "-n", "--chunk-size", "0", "{f}"], "chunk size"),
        (["ipfs", "add", "-n", "--chunk-size", "2000000", "{f}"], "chunk size"),
        (["ipfs", "add", "-n", "--max-links", "1", "{f}"], "max links"),
        (["ipfs", "add", "-n", "--cid-version", "0", "--raw-leaves", "{f}"], "raw leaves"),
        (["ipfs", "cat", "not-a-cid"], "CID"),
        (
            ["ipfs", "cat", "bafkreibm6jg3ux5qumhcn2b3flc3tyu6dmlb4xa7u5bf44yegnrjhc4yeq"],
            "not found",
        ),
        (["ipfs", "import", "/no/such.car"], "no such file"),
        (["ipfs", "import", "{f}"], "CAR"),
        (
            ["ipfs", "pin", "rm", "bafkreibm6jg3ux5qumhcn2b3flc3tyu6dmlb4xa7u5bf44yegnrjhc4yeq"],
            "not pinned",
        ),
        (
            [
                "ipfs",
                "export",
                "bafkreibm6jg3ux5qumhcn2b3flc3tyu6dmlb4xa7u5bf44yegnrjhc4yeq",
                "-o",
                "{o}",
            ],
            "not found",
        ),
    ],
)
def test_bad_input_is_one_line(home: Path, tmp_path: Path, args: list[str], needle: str) -> None:
    f = tmp_path / "plain.txt"
    f.write_text("hello")
    out_car = tmp_path / "out.car"
    argv = [a.replace("{f}", str(f)).replace("{o}", str(out_car)) for a in args]
    result = subprocess.run(
        [sys.executable, "-m", "provenance", *argv],
        capture_output=True,
        text=True,
        env={**os.environ, "PROVENANCE_HOME": str(home)},
        timeout=60,
        check=False,
    )
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error:"), result.stderr
    assert needle.lower() in lines[0].lower()
    assert not out_car.exists()  # no half-written output
    assert not list(tmp_path.glob(".*.tmp"))


def test_tampered_car_import_fails_cleanly(home: Path, tmp_path: Path) -> None:
    path = tmp_path / "a.bin"
    path.write_bytes(deterministic_bytes(9000, seed=3))
    cid = invoke("ipfs", "add", "--chunk-size", "1000", str(path))[1].strip()
    car = tmp_path / "a.car"
    invoke("ipfs", "export", cid, "-o", str(car))
    blob = bytearray(car.read_bytes())
    blob[-5] ^= 1
    car.write_bytes(bytes(blob))
    code, _, err = invoke("ipfs", "import", str(car))
    assert code != 0 and "does not match its CID" in err
    car.write_bytes(bytes(blob[:-300]))
    code, _, err = invoke("ipfs", "import", str(car))
    assert code != 0 and "truncated" in err


def test_only_hash_loads_no_chain_or_gan_library(tmp_path: Path) -> None:
    """Hashing a file is a hot path: its start-up must not grow by a chain, GAN or console library
    (the figure itself is scripts/bench_cli_startup.py's, measured beside openssl, not a timing
    here; a wall-clock bound failed on a loaded machine)."""
    from tests.workflows.test_import_budget import check, imported

    path = tmp_path / "meta.json"
    path.write_bytes(b'{"name": "x"}')
    check("ipfs", imported("ipfs", "add", "--only-hash", str(path)))
