"""Runtime modules import only runtime dependencies: web3 and py-solc-x are dev tools (the tests'
independent chain client and the contract build), so no module of the package may import them."""

from __future__ import annotations

import subprocess
import sys

DEV_ONLY = ("web3", "solcx")

IMPORT_EVERYTHING = """
import importlib, pkgutil, sys
import provenance
for info in pkgutil.walk_packages(provenance.__path__, "provenance."):
    if info.name != "provenance.__main__":  # runs the CLI
        importlib.import_module(info.name)
print(",".join(sorted(m for m in {DEV_ONLY!r} if m in sys.modules)))
"""


def imported_dev_modules(code: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_the_cli_does_not_import_web3() -> None:
    code = (
        f"import sys, provenance.cli\nprint(','.join(m for m in {DEV_ONLY!r} if m in sys.modules))"
    )
    assert imported_dev_modules(code) == ""


def test_no_runtime_module_imports_a_dev_dependency() -> None:
    assert imported_dev_modules(IMPORT_EVERYTHING.replace("{DEV_ONLY!r}", repr(DEV_ONLY))) == ""


def test_the_check_sees_web3_when_it_is_imported() -> None:
    # The probe itself works: a process that does import web3 is caught.
    code = f"import sys, web3\nprint(','.join(m for m in {DEV_ONLY!r} if m in sys.modules))"
    assert imported_dev_modules(code) == "web3"
