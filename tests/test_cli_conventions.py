"""The command line's conventions, checked over every command: --json everywhere, --keystore-dir
wherever a key signs, usage errors in one line with exit 2, a closed pipe ends quietly."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import click
import pytest

from provenance.cli import cli

# Commands without --json, each for a reason: raw bytes on stdout; a GAN command (gan/ is kept
# apart from this re-lay).
NO_JSON = {
    "ipfs cat": "writes the file's raw bytes",
    "gan animate": "writes a video file",
    "withdraw": "removed with contract v2: whatever it is given, one line pointing at release",
}


def leaf_commands() -> list[tuple[str, click.Command]]:
    found: list[tuple[str, click.Command]] = []

    def walk(command: click.Command, path: list[str], parent: click.Context | None) -> None:
        ctx = click.Context(command, parent=parent, info_name=path[-1] if path else "provenance")
        if isinstance(command, click.Group):
            for name in command.list_commands(ctx):
                sub = command.get_command(ctx, name)
                assert sub is not None
                walk(sub, [*path, name], ctx)
        else:
            found.append((" ".join(path), command))

    walk(cli, [], None)
    return found


def option_names(command: click.Command) -> set[str]:
    return {name for param in command.params for name in getattr(param, "opts", [])}


@pytest.mark.parametrize(("name", "command"), leaf_commands(), ids=lambda v: str(v))
def test_every_command_has_json(name: str, command: click.Command) -> None:
    if name in NO_JSON:
        return
    assert "--json" in option_names(command), f"`provenance {name}` lacks --json"


def test_json_is_declared_once_with_one_help_text() -> None:
    """Issue 20: --json was spelled out on 26 commands with four help texts."""
    from provenance.cli.options import json_option

    @json_option
    def reference(as_json: bool) -> None: ...

    (declared,) = click.command()(reference).params
    for name, command in leaf_commands():
        for param in command.params:
            if "--json" in getattr(param, "opts", []):
                assert isinstance(param, click.Option)
                assert param.help == declared.help, f"`provenance {name}` --json: {param.help!r}"
                assert param.name == "as_json" and param.is_flag


@pytest.mark.parametrize(("name", "command"), leaf_commands(), ids=lambda v: str(v))
def test_every_signing_command_takes_every_signer_option(name: str, command: click.Command) -> None:
    names = option_names(command)
    if "--private-key-env" in names or "--account" in names:
        assert {"--account", "--private-key-env", "--password-env", "--keystore-dir"} <= names


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "provenance", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize(
    "args",
    [
        ("mint",),  # a missing argument
        ("mint", "art.png", "--donor", "0x1234"),  # a bad address, caught while parsing
        ("offer", "art.png", "--min-donation", "lots", "-o", "x.json"),
        ("offer", "art.png", "--min-donation", "1gwei", "--expires", "soon", "-o", "x.json"),
        ("no-such-command",),
        ("tokens", "show", "zero"),
        # "not both" rules, declared on the options (cli/options.py incompatible_with)
        ("mint", "a.png", "--donor", "0x" + "1" * 40, "--message", "m", "--message-file", "f"),
        ("mint", "a.png", "--donor", "0x" + "1" * 40, "--donor-tx", "0x1", "--donor-pubkey", "0x2"),
        (
            "offer",
            "a.png",
            "--min-donation",
            "1",
            "-o",
            "o",
            "--animation",
            "w",
            "--animation-url",
            "u",
        ),
        ("verify", "1", "--kubo-api", "http://127.0.0.1:1", "--gateway", "http://127.0.0.1:2"),
        ("redeem", "o.json", "--message", "m", "--message-file", "f"),
    ],
)
def test_a_usage_error_is_one_line_with_exit_2(args: tuple[str, ...]) -> None:
    result = run(*args)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    assert result.stdout == ""
    if "--message-file" in args or "--gateway" in args or "--animation" in args:
        assert "not both" in lines[0]


@pytest.mark.parametrize("group", ["tokens", "roles", "ipfs", "chain"])
def test_a_group_without_subcommand_shows_its_help_not_an_error(group: str) -> None:
    result = run(group)
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith(f"Usage: provenance {group}"), result.stderr
    assert "Error" not in result.stderr


def test_a_closed_pipe_ends_quietly(tmp_path: Path) -> None:
    """`provenance ipfs pin ls | head -1`: no traceback, no message once head has its line."""
    env = {**os.environ, "PROVENANCE_HOME": str(tmp_path)}
    (tmp_path / "f").write_bytes(b"pinned")
    add = subprocess.run(
        [sys.executable, "-m", "provenance", "ipfs", "add", str(tmp_path / "f")],
        capture_output=True, text=True, env=env, check=True,
    )  # fmt: skip
    root = add.stdout.split()[0] if add.stdout.split() else ""
    from provenance.ipfs.cid import CID

    # Widen the pin list so `pin ls` writes far more than a pipe holds.
    pins = tmp_path / "ipfs" / "blocks" / "pins.log"
    assert pins.read_text() == f"+{root}\n"
    others = [str(CID.for_bytes(str(i).encode())) for i in range(20000)]
    with pins.open("a") as log:
        log.writelines(f"+{cid}\n" for cid in others)
    pipeline = subprocess.run(
        f"{sys.executable} -m provenance ipfs pin ls | head -1",
        shell=True, capture_output=True, text=True, env=env, timeout=60, check=False,
    )  # fmt: skip
    assert pipeline.stdout.strip() == min([root, *others])  # `pin ls` lists them sorted
    assert pipeline.stderr == "", pipeline.stderr


def test_tables_do_not_wrap_hashes_when_piped() -> None:
    from provenance.cli.render import out_console, table

    assert not out_console.is_terminal  # pytest captures stdout: this is the piped case
    long = "bafkrei" + "a" * 200
    shown = table("1 token", ("id", "metadata"))
    shown.add_row("1", long)
    with out_console.capture() as captured:
        out_console.print(shown)
    assert any(long in line for line in captured.get().splitlines())


def test_counts_are_singular_and_plural() -> None:
    from provenance.cli.render import plural

    assert (plural(1, "token"), plural(2, "token"), plural(0, "block")) == (
        "1 token",
        "2 tokens",
        "0 blocks",
    )
