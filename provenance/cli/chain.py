"""``provenance chain up|down|status``: the local devnet."""

from __future__ import annotations

import click

from provenance.cli.options import json_option
from provenance.cli.render import emit_json, line, out_console


@click.group()
def chain() -> None:
    """Run the local devnet (anvil with persistent state under PROVENANCE_HOME)."""


@chain.command()
@json_option
def up(as_json: bool) -> None:
    """Start the devnet unless it runs already."""
    from provenance.chain.devnet import Devnet

    devnet = Devnet()
    was_running = devnet.info() is not None
    info = devnet.up()
    if as_json:
        emit_json(
            {
                "running": True,
                "pid": info.pid,
                "rpc_url": info.rpc_url,
                "chain_id": info.chain_id,
                "started": not was_running,
            }
        )
        return
    verb = "already running" if was_running else "started"
    out_console.print(f"devnet {verb}: {info.rpc_url} (chain {info.chain_id}, pid {info.pid})")


@chain.command()
@json_option
def down(as_json: bool) -> None:
    """Stop the devnet; its state is kept for the next `up`."""
    from provenance.chain.devnet import Devnet

    stopped = Devnet().down()
    if as_json:
        emit_json({"stopped": stopped, "state_kept": True})
        return
    out_console.print("devnet stopped (state kept)" if stopped else "devnet was not running")


@chain.command()
@json_option
def status(as_json: bool) -> None:
    """Whether the devnet runs, where, and at which block."""
    from provenance.chain.deployments import Deployments
    from provenance.chain.devnet import Devnet
    from provenance.chain.rpc import RpcClient

    devnet = Devnet()
    info = devnet.info()
    deployment = Deployments().get("devnet")
    if info is None:
        if as_json:
            emit_json({"running": False, "state_file": str(devnet.state_file)})
        else:
            out_console.print(f"devnet not running (state: {devnet.state_file})")
        return
    from provenance.errors import ChainError

    try:
        block = RpcClient(info.rpc_url, timeout=5).block_number()
    except ChainError as exc:  # the process is there but does not answer (dying, or hung)
        if as_json:
            emit_json(
                {
                    "running": False,
                    "pid": info.pid,
                    "rpc_url": info.rpc_url,
                    "error": str(exc),
                    "state_file": str(devnet.state_file),
                }
            )
        else:
            out_console.print(
                line(f"devnet pid {info.pid} does not answer at {info.rpc_url}: {exc}")
            )
        return
    contract = deployment["address"] if deployment else None
    if as_json:
        emit_json(
            {
                "running": True,
                "pid": info.pid,
                "rpc_url": info.rpc_url,
                "chain_id": info.chain_id,
                "block": block,
                "contract": contract,
                "state_file": str(devnet.state_file),
            }
        )
        return
    out_console.print(
        f"devnet running: {info.rpc_url} (chain {info.chain_id}, pid {info.pid}),"
        f" block {block}, contract {contract or 'not deployed yet'}"
    )
