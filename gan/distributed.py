"""Multi-host training: joining the processes with ``jax.distributed``.

Each process is started with the same command plus its own process id; the coordinator is process
0's address (``host:port``). The settings come as arguments or from the variables JAX's own
launchers use (``JAX_COORDINATOR_ADDRESS``, ``JAX_NUM_PROCESSES``, ``JAX_PROCESS_ID``). On CPU the
collectives run over Gloo (jax 0.10.2's default), so two processes on one machine over loopback
exercise the same code path as two hosts.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from gan.errors import GanError

__all__ = ["Processes", "from_environment", "initialize"]


@dataclass(frozen=True)
class Processes:
    coordinator: str | None
    count: int
    index: int


def from_environment(
    coordinator: str | None = None, count: int | None = None, index: int | None = None
) -> Processes:
    """Arguments first, then ``JAX_COORDINATOR_ADDRESS`` / ``JAX_NUM_PROCESSES`` /
    ``JAX_PROCESS_ID``; one process when none is set."""
    env = os.environ
    coordinator = coordinator or env.get("JAX_COORDINATOR_ADDRESS") or None
    try:
        count = count if count is not None else int(env.get("JAX_NUM_PROCESSES", "1"))
        index = index if index is not None else int(env.get("JAX_PROCESS_ID", "0"))
    except ValueError as exc:
        raise GanError("JAX_NUM_PROCESSES and JAX_PROCESS_ID must be integers") from exc
    if count < 1 or not 0 <= index < count:
        raise GanError(f"process id {index} is not in 0..{count - 1}")
    if count > 1 and not coordinator:
        raise GanError("several processes need a coordinator address (host:port of process 0)")
    if coordinator:
        host, _, port = coordinator.rpartition(":")
        if not host or not port.isdigit():
            raise GanError(f"coordinator must be host:port, got {coordinator!r}")
    return Processes(coordinator, count, index)


def initialize(processes: Processes) -> None:
    """Join the other processes (a no-op for one process). Call before anything touches jax's
    devices."""
    if processes.count == 1:
        return
    import jax

    jax.distributed.initialize(
        coordinator_address=processes.coordinator,
        num_processes=processes.count,
        process_id=processes.index,
    )
