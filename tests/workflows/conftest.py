"""Fixtures for the workflow tests: a private PROVENANCE_HOME whose devnet is a real anvil."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner, Result
from PIL import Image

from provenance.cli import cli


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A fresh state folder for the module; its devnet is stopped at the end."""
    path = tmp_path_factory.mktemp("home")
    old = os.environ.get("PROVENANCE_HOME")
    os.environ["PROVENANCE_HOME"] = str(path)
    try:
        yield path
    finally:
        from provenance.chain.devnet import Devnet

        Devnet(path / "devnet").down()
        if old is None:
            os.environ.pop("PROVENANCE_HOME", None)
        else:
            os.environ["PROVENANCE_HOME"] = old


def invoke(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """The CLI in its own process, as a user runs it."""
    return subprocess.run(
        [sys.executable, "-m", "provenance", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=120,
        check=False,
    )


def make_artwork(path: Path, seed: int, *, size: int = 48, fmt: str = "PNG") -> Path:
    pixels = (np.random.default_rng(seed).random((size, size, 3)) * 255).astype("uint8")
    Image.fromarray(pixels).save(path, format=fmt)
    return path


def one_line_error(stderr: str) -> str:
    lines = [line for line in stderr.strip().splitlines() if line.strip()]
    assert len(lines) == 1, f"expected one line on stderr, got: {stderr!r}"
    assert "Traceback" not in stderr
    return lines[0]
