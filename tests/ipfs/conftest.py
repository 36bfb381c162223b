from __future__ import annotations

import json
import random
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
JS = REPO / "tests" / "js"


def node_bin() -> str:
    found = shutil.which("node")
    if found is None or not (REPO / "node_modules").is_dir():
        pytest.skip("node and node_modules (scripts/setup) are needed for interop tests")
    return found


def run_node(script: str, payload: object | None = None, *args: str, timeout: float = 120) -> str:
    """Run one of tests/js/*.mjs with JSON on stdin; return stdout (raise with stderr on failure)."""
    result = subprocess.run(
        [node_bin(), str(JS / script), *args],
        input=None if payload is None else json.dumps(payload),
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=timeout,
        check=False,
    )
    if result.returncode != 0:
        raise AssertionError(f"{script} failed ({result.returncode}):\n{result.stderr}")
    return result.stdout


def deterministic_bytes(size: int, seed: int) -> bytes:
    return random.Random(seed).randbytes(size)


@pytest.fixture()
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private PROVENANCE_HOME for each test."""
    path = tmp_path / "home"
    monkeypatch.setenv("PROVENANCE_HOME", str(path))
    return path
