"""``deployments.json``: which contract address the toolkit uses on which chain.

Keys are ``devnet`` for the managed local devnet and the decimal chain id for any other network,
so a user's own anvil on chain 31337 never picks up the devnet's address by accident. A record
names the build deployed (``evm_version``: ``prague`` or ``shanghai``); records written before there
were two builds have none and are the default (Prague) build.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from provenance.contracts import BUILDS, DEFAULT_BUILD
from provenance.errors import ConfigError
from provenance.state.home import atomic_write, home
from provenance.untrusted import load_json

__all__ = ["Deployments"]

_ADDRESS = re.compile(r"0x[0-9a-fA-F]{40}")
# A few networks of a few records each; the bounds refuse a damaged or hostile file cleanly.
_MAX_BYTES = 1 << 20
_MAX_DEPTH = 8


class Deployments:
    def __init__(self, path: Path | None = None) -> None:
        self.path = path or home().deployments

    def _load(self) -> dict[str, Any]:
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return {}
        except OSError as exc:
            raise ConfigError(f"cannot read {self.path}: {exc.strerror}") from exc
        data = load_json(
            raw, max_bytes=_MAX_BYTES, max_depth=_MAX_DEPTH, what=str(self.path), error=ConfigError
        )
        if not isinstance(data, dict) or not all(isinstance(v, dict) for v in data.values()):
            raise ConfigError(f"{self.path} is not a JSON object of networks (fix or remove it)")
        return data

    def get(self, key: str, contract: str = "ProvenanceArt") -> dict[str, Any] | None:
        """The record of ``contract`` on network ``key``, None when there is none. A record of
        the wrong shape is an error naming the file: taking it for "none" would deploy a new
        collection and overwrite the real address."""
        entry = self._load().get(key, {}).get(contract)
        if entry is None:
            return None
        where = f"{self.path}: {key}.{contract}"
        if not isinstance(entry, dict):
            raise ConfigError(f"{where} is not an object with an address (fix or remove it)")
        address = entry.get("address")
        if not isinstance(address, str) or not _ADDRESS.fullmatch(address):
            raise ConfigError(f"{where}.address is not a 0x address (fix or remove it)")
        evm_version = entry.get("evm_version", DEFAULT_BUILD)  # absent: written before builds
        if evm_version not in BUILDS:
            raise ConfigError(
                f"{where}.evm_version is not one of {', '.join(BUILDS)} (fix or remove it)"
            )
        block = entry.get("block", 0)
        if isinstance(block, bool) or not isinstance(block, int) or block < 0:
            raise ConfigError(f"{where}.block is not a block number (fix or remove it)")
        return dict(entry)

    def put(self, key: str, record: dict[str, Any], contract: str = "ProvenanceArt") -> None:
        data = self._load()
        data.setdefault(key, {})[contract] = record
        atomic_write(self.path, (json.dumps(data, indent=2, sort_keys=True) + "\n").encode())

    def remove(self, key: str, contract: str = "ProvenanceArt") -> None:
        data = self._load()
        if data.get(key, {}).pop(contract, None) is not None:
            atomic_write(self.path, (json.dumps(data, indent=2, sort_keys=True) + "\n").encode())
