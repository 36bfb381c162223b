"""``deployments.json``: which contract address the toolkit uses on which chain.

Keys are ``devnet`` for the managed local devnet and the decimal chain id for any other network,
so a user's own anvil on chain 31337 never picks up the devnet's address by accident.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from provenance.errors import ConfigError
from provenance.state.home import atomic_write, home

__all__ = ["Deployments"]


class Deployments:
    def __init__(self, path: Path | None = None) -> None:
        self.path = path or home().deployments

    def _load(self) -> dict[str, Any]:
        try:
            data = json.loads(self.path.read_text())
        except FileNotFoundError:
            return {}
        except ValueError as exc:
            raise ConfigError(f"{self.path} is not valid JSON: {exc}") from exc
        if not isinstance(data, dict) or not all(isinstance(v, dict) for v in data.values()):
            raise ConfigError(f"{self.path} is not a JSON object of networks (fix or remove it)")
        return data

    def get(self, key: str, contract: str = "ProvenanceArt") -> dict[str, Any] | None:
        entry = self._load().get(key, {}).get(contract)
        return dict(entry) if isinstance(entry, dict) else None

    def put(self, key: str, record: dict[str, Any], contract: str = "ProvenanceArt") -> None:
        data = self._load()
        data.setdefault(key, {})[contract] = record
        atomic_write(self.path, (json.dumps(data, indent=2, sort_keys=True) + "\n").encode())

    def remove(self, key: str, contract: str = "ProvenanceArt") -> None:
        data = self._load()
        if data.get(key, {}).pop(contract, None) is not None:
            atomic_write(self.path, (json.dumps(data, indent=2, sort_keys=True) + "\n").encode())
