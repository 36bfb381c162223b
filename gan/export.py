"""The compact inference checkpoint: EMA generator parameters + config, one msgpack file.

Layout (flax.serialization msgpack): ``{"format": FORMAT, "config": <JSON text>, "step": int,
"params": <nested dict of float32 arrays>}``. The bytes are a pure function of the parameters, so
the file's sha256 (and its IPFS CID, added by the toolkit) identifies the model.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from gan.configs.default import Config
from gan.errors import ModelFileError

__all__ = [
    "FORMAT",
    "ExportedModel",
    "atomic_write_bytes",
    "atomic_write_text",
    "export_generator",
    "file_sha256",
    "read_export",
    "resolve_model_path",
]

FORMAT = "provenance-gan-generator/1"
SUFFIX = ".msgpack"


@dataclass(frozen=True)
class ExportedModel:
    path: Path
    config: Config
    step: int
    params: dict[str, Any]
    sha256: str
    size: int


def atomic_write_bytes(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        # mkstemp creates 0600; the result is an ordinary file, so honour the umask instead.
        umask = os.umask(0)
        os.umask(umask)
        os.fchmod(fd, 0o666 & ~umask)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write_bytes(path, text.encode())


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def export_generator(params: dict[str, Any], config: Config, folder: Path, *, step: int) -> Path:
    """Write the EMA generator as ``folder/generator-stepNNNNNN.msgpack``; returns its path."""
    from flax import serialization

    tree = jax_free(params)
    payload = {
        "format": FORMAT,
        "config": json.dumps(config.to_dict(), sort_keys=True),
        "step": int(step),
        "params": tree,
    }
    path = Path(folder) / f"generator-step{step:06d}{SUFFIX}"
    atomic_write_bytes(path, serialization.msgpack_serialize(payload))
    return path


def jax_free(tree: Any) -> Any:
    if isinstance(tree, dict):
        return {str(k): jax_free(v) for k, v in tree.items()}
    return np.asarray(tree, dtype=np.float32)


def resolve_model_path(model: str | os.PathLike[str]) -> Path:
    """A model file, or a run folder (its latest export)."""
    path = Path(model)
    if path.is_dir():
        exports = sorted((path / "exports").glob(f"generator-step*{SUFFIX}"))
        if not exports:
            raise ModelFileError(f"no exported generator in run folder {path} (exports/ is empty)")
        return exports[-1]
    if not path.is_file():
        raise ModelFileError(f"model not found: {path}")
    return path


def read_export(model: str | os.PathLike[str]) -> ExportedModel:
    """Read and validate an exported generator (from a file or a run folder)."""
    from flax import serialization

    path = resolve_model_path(model)
    data = path.read_bytes()
    try:
        payload = serialization.msgpack_restore(data)
    except Exception as exc:  # msgpack raises many unrelated types on garbage
        raise ModelFileError(f"{path} is not an exported generator (unreadable msgpack)") from exc
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise ModelFileError(f"{path} is not an exported generator (format is not {FORMAT})")
    try:
        config = Config.from_dict(json.loads(payload["config"]))
        params = payload["params"]
        step = int(payload["step"])
    except (KeyError, TypeError, ValueError) as exc:
        raise ModelFileError(f"{path} is an exported generator with a bad header: {exc}") from exc
    return ExportedModel(
        path=path,
        config=config,
        step=step,
        params=params,
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
    )
