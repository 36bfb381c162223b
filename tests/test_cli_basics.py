"""The CLI's start-up contract: help is fast and imports nothing heavy; errors are one line."""

from __future__ import annotations

import subprocess
import sys


def test_help_does_not_import_jax() -> None:
    code = (
        "import sys\n"
        "from provenance.cli import main\n"
        "try:\n"
        "    main(['--help'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "assert 'jax' not in sys.modules, 'provenance --help imported jax'\n"
        "assert 'web3' not in sys.modules, 'provenance --help imported web3'\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert "Usage: provenance" in result.stdout


def test_unknown_command_is_one_line_error() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "provenance", "no-such-command"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "No such command" in result.stderr
