"""The import rules, as tests (docs/design.md, "Dependency direction"):

- runtime modules import only runtime dependencies: web3 and py-solc-x are dev tools (the tests'
  independent chain client and the contract build), eth-account, rlp, eth-hash, onnxruntime and
  iscc-core the references the toolkit's own code is tested against;
- ``gan`` never imports ``provenance``;
- dependencies point one way: ``cli -> gallery -> workflows -> layers``; a layer (chain, ipfs,
  seal, content, identity, state, ...) never imports a workflow, the gallery or the CLI; a
  workflow never imports the gallery or the CLI; the gallery (the exhibition's front end, beside
  the CLI) never imports the CLI; ``errors`` sits under everything;
- commands do not import each other: a CLI module imports only ``options``, ``render`` and its
  own group's shared module;
- ``provenance --help``, ``mint`` and ``verify`` never import jax.

The graph is read from the source with ``ast`` (every import, lazy ones included), so a rule
fails on the line that breaks it, in milliseconds.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LAYERS = {
    "chain",
    "ipfs",
    "seal",
    "content",
    "identity",
    "state",
    "contracts",
    "untrusted",
    "redact",
    "http",
}


def imports(package: str, root: Path = ROOT) -> list[tuple[str, int, str]]:
    """(file, line, imported module) for every absolute import under ``package``."""
    found = []
    for path in sorted((root / package).rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            found += [(str(path.relative_to(root)), node.lineno, name) for name in names]
    return found


def part(path: str) -> str:
    """The package a file belongs to: ``provenance/chain/tx.py`` -> ``chain``."""
    return Path(path).with_suffix("").parts[1]


def broken(package: str, allowed: object, root: Path = ROOT) -> list[str]:
    assert callable(allowed)
    found = imports(package, root)
    return [f"{f}:{line} imports {name}" for f, line, name in found if not allowed(f, name)]


# The dev extra's libraries: the tests' references and build tools, never needed at run time.
DEV_ONLY = {
    "web3",
    "solcx",
    "eth_account",
    "rlp",
    "pytest",
    "hypothesis",
    "onnxruntime",
    "iscc_core",
    "eth_hash",
}


def test_runtime_code_never_imports_a_dev_only_library() -> None:
    for package in ("provenance", "gan"):
        assert broken(package, lambda _f, name: name.split(".")[0] not in DEV_ONLY) == []


def test_gan_never_imports_provenance() -> None:
    assert broken("gan", lambda _f, name: name.split(".")[0] != "provenance") == []


def test_dependencies_point_one_way() -> None:
    above = {
        "workflows": {"cli", "gallery"},
        "gallery": {"cli"},
        **{layer: {"cli", "gallery", "workflows"} for layer in LAYERS},
    }

    def allowed(f: str, name: str) -> bool:
        target = name.split(".")
        if target[0] != "provenance" or len(target) < 2:
            return True
        return target[1] not in above.get(part(f), set())

    assert broken("provenance", allowed) == []


def test_errors_sit_under_everything() -> None:
    # AlreadyMinted's message names the token's short id: the one pure helper errors may use.
    def allowed(f: str, name: str) -> bool:
        return (
            part(f) != "errors"
            or not name.startswith("provenance.")
            or name in {"provenance.chain.token_id"}
        )

    assert broken("provenance", allowed) == []


def test_commands_do_not_import_each_other() -> None:
    shared = {
        "provenance.cli.options",
        "provenance.cli.paramtypes",  # ADDRESS, AMOUNT, DURATION, CID, TOKEN (re-exported by options)
        "provenance.cli.passphrase",  # the identity keys' passphrase rule, for identity and gan
        "provenance.cli.render",
        "provenance.cli.registry",
    }

    def allowed(f: str, name: str) -> bool:
        if not (f.startswith("provenance/cli/") and name.startswith("provenance.cli")):
            return True
        return name in shared or (
            f.startswith("provenance/cli/gan/") and name.startswith("provenance.cli.gan")
        )

    assert broken("provenance", allowed) == []


@pytest.mark.parametrize(
    "code",
    [
        "from provenance.cli import cli\ncli.main(['--help'], standalone_mode=False)",
        "import provenance.cli.mint, provenance.workflows.mint, provenance.workflows.batch",
        "import provenance.cli.verify, provenance.workflows.verify",
    ],
    ids=["help", "mint", "verify"],
)
def test_help_mint_and_verify_never_import_jax(code: str) -> None:
    probe = f"import sys\n{code}\nprint('jax' in sys.modules or 'flax' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "False"


def test_the_rule_checker_sees_a_broken_rule(tmp_path: Path) -> None:
    # The checker itself works: a lazy import that breaks a rule is found, with its line.
    (tmp_path / "gan").mkdir()
    (tmp_path / "gan" / "x.py").write_text("def f():\n    from provenance.errors import E\n")
    found = broken("gan", lambda _f, name: not name.startswith("provenance"), tmp_path)
    assert found == ["gan/x.py:2 imports provenance.errors"]
