"""The contract's trust model through the CLI on a real anvil: the admin role changes hands only in
two steps with a delay (AccessControlDefaultAdminRules), and a revoked minter is never a minter
again (its old offers stay dead)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from provenance.chain.accounts import dev_accounts
from provenance.chain.rpc import RpcClient


def _cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "provenance", *args],
        capture_output=True, text=True, env=env, timeout=120, check=False,
    )  # fmt: skip


def _json(env: dict[str, str], *args: str) -> Any:
    done = _cli(env, *args, "--json")
    assert done.returncode == 0, f"provenance {' '.join(args)}: {done.stderr}"
    return json.loads(done.stdout)


def _refused(env: dict[str, str], *args: str) -> str:
    done = _cli(env, *args)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    [line] = done.stderr.strip().splitlines()
    return line


def test_the_admin_role_changes_hands_in_two_steps_after_the_delay(
    anvil: str, tmp_path: Path
) -> None:
    artist, heir, stranger = dev_accounts(3)
    env = {
        **os.environ,
        "PROVENANCE_HOME": str(tmp_path / "home"),
        "PROVENANCE_RPC_URL": anvil,
        "ARTIST_KEY": "0x" + bytes(artist.key).hex(),
        "HEIR_KEY": "0x" + bytes(heir.key).hex(),
        "STRANGER_KEY": "0x" + bytes(stranger.key).hex(),
    }
    _json(env, "deploy", "--private-key-env", "ARTIST_KEY")
    assert "not the admin" in _refused(
        env, "roles", "transfer-admin", heir.address, "--private-key-env", "STRANGER_KEY"
    )
    offered = _json(env, "roles", "transfer-admin", heir.address, "--private-key-env", "ARTIST_KEY")
    assert offered["admin"] == artist.address and offered["pending_admin"] == heir.address
    rpc = RpcClient(anvil)
    assert offered["accept_after"] == rpc.get_block("latest").timestamp + 2 * 86400
    listed = _json(env, "roles", "list")
    assert listed["admin"] == [artist.address]
    assert listed["pending_admin"] == {
        "account": heir.address,
        "accept_after": offered["accept_after"],
    }

    # Before the delay, or by anyone else: refused in one line, nothing sent.
    assert "can be accepted from" in _refused(
        env, "roles", "accept-admin", "--private-key-env", "HEIR_KEY"
    )
    assert "is not offered to" in _refused(
        env, "roles", "accept-admin", "--private-key-env", "STRANGER_KEY"
    )
    # A one-step grant of the admin role is not even offered by the CLI.
    assert (
        _cli(
            env, "roles", "grant", "admin", heir.address, "--private-key-env", "ARTIST_KEY"
        ).returncode
        == 2
    )

    rpc.request("evm_increaseTime", [2 * 86400 + 1])
    rpc.request("evm_mine", [])
    accepted = _json(env, "roles", "accept-admin", "--private-key-env", "HEIR_KEY")
    assert accepted["admin"] == heir.address and accepted["pending_admin"] is None
    listed = _json(env, "roles", "list")
    assert listed["admin"] == [heir.address] and listed["pending_admin"] is None
    # The minter role the artist got at deployment stays: the admin role alone moved.
    assert artist.address in listed["minter"]

    # The new admin revokes a minter; granting it again would revive the offers it signed before.
    for verb in ("grant", "revoke"):
        _json(env, "roles", verb, "minter", stranger.address, "--private-key-env", "HEIR_KEY")
    line = _refused(
        env, "roles", "grant", "minter", stranger.address, "--private-key-env", "HEIR_KEY"
    )
    assert line == (
        f"Error: {stranger.address} was a minter of {listed['contract']} and lost the role: it can"
        " never be granted again (the offers it signed before would be valid again); grant a fresh"
        " address"
    )
    assert stranger.address not in _json(env, "roles", "list")["minter"]
