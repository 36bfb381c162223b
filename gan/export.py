"""The compact inference checkpoint: EMA generator parameters + config, one msgpack file.

Layout (flax.serialization msgpack): ``{"format": FORMAT, "config": <JSON text>, "step": int,
"params": <nested dict of float32 arrays>, "training"?: <JSON text>}``. The config's ``steps`` is
the exported step (not the run's target), so the bytes are a pure function of the training state:
the file's sha256 (and its IPFS CID, added by the toolkit) identifies the model.

An export is written once. Its name carries the step and the start of its sha256
(``generator-step000600-<16 hex>.msgpack``): re-exporting the same state finds the file already
there and leaves it alone; a different state gets a different name. No export is ever overwritten,
so a work minted from a model keeps regenerating whatever is re-run in the same folder.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import msgpack
import numpy as np

from gan.configs.default import Config
from gan.errors import ModelFileError

__all__ = [
    "FORMAT",
    "ExportedModel",
    "atomic_write_bytes",
    "atomic_write_text",
    "export_bytes",
    "export_generator",
    "export_path_for",
    "file_sha256",
    "list_exports",
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
    training: dict[str, Any] | None = None  # what it was trained on (see gan.train), when recorded


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


def export_bytes(
    params: dict[str, Any],
    config: Config,
    *,
    step: int,
    training: dict[str, Any] | None = None,
) -> bytes:
    """The export file's bytes: a pure function of its arguments."""
    from flax import serialization

    payload: dict[str, Any] = {
        "format": FORMAT,
        "config": json.dumps(
            dataclasses.replace(config, steps=int(step)).to_dict(), sort_keys=True
        ),
        "step": int(step),
        "params": jax_free(params),
    }
    if training is not None:
        payload["training"] = json.dumps(training, sort_keys=True)
    return bytes(serialization.msgpack_serialize(payload))


def export_path_for(folder: Path, data: bytes, *, step: int) -> Path:
    """Where ``export_generator`` puts an export with these bytes."""
    digest = hashlib.sha256(data).hexdigest()
    return Path(folder) / f"generator-step{step:06d}-{digest[:16]}{SUFFIX}"


def export_generator(
    params: dict[str, Any],
    config: Config,
    folder: Path,
    *,
    step: int,
    training: dict[str, Any] | None = None,
) -> Path:
    """Write the EMA generator as ``folder/generator-stepNNNNNN-<sha256[:16]>.msgpack`` unless
    that file already holds these bytes; returns its path. Never overwrites another export."""
    data = export_bytes(params, config, step=step, training=training)
    digest = hashlib.sha256(data).hexdigest()
    path = export_path_for(folder, data, step=step)
    if path.is_file() and file_sha256(path) == digest:
        return path  # written before: the model's identity is its bytes, leave them alone
    atomic_write_bytes(path, data)
    return path


_EXPORT_NAME = re.compile(r"generator-step(\d+)(?:-([0-9a-f]{16}))?" + re.escape(SUFFIX))


def _name_digest(path: Path) -> str:
    match = _EXPORT_NAME.fullmatch(path.name)
    return match.group(2) if match and match.group(2) else "-"


def jax_free(tree: Any) -> Any:
    if isinstance(tree, dict):
        return {str(k): jax_free(v) for k, v in tree.items()}
    return np.asarray(tree, dtype=np.float32)


def _export_order(path: Path) -> tuple[int, int, str]:
    match = _EXPORT_NAME.fullmatch(path.name)
    step = int(match.group(1)) if match else -1
    return step, path.stat().st_mtime_ns, path.name


def list_exports(run: Path) -> list[Path]:
    """The exports of a run folder, oldest first (by step, then by when they were written)."""
    return sorted((Path(run) / "exports").glob(f"generator-step*{SUFFIX}"), key=_export_order)


def resolve_model_path(model: str | os.PathLike[str], *, sha256: str | None = None) -> Path:
    """A model file, or a run folder: its export with that ``sha256`` when given (a record names
    the model it came from), else its latest export."""
    path = Path(model)
    if path.is_dir():
        exports = list_exports(path)
        if not exports:
            raise ModelFileError(f"no exported generator in run folder {path} (exports/ is empty)")
        if sha256 is not None:
            by_name = [p for p in exports if sha256.startswith(_name_digest(p))]
            for candidate in by_name + [p for p in exports if p not in by_name]:
                if file_sha256(candidate) == sha256:
                    return candidate
        return exports[-1]
    if not path.is_file():
        raise ModelFileError(f"model not found: {path}")
    return path


def _ndarray(code: int, data: bytes) -> Any:
    """flax.serialization's array extension: ext 1 holds msgpack ``(shape, dtype name, bytes)``."""
    if code != 1:
        raise ValueError(f"unexpected msgpack extension {code}")
    shape, dtype, buffer = msgpack.unpackb(data, raw=True)
    if dtype != b"float32":
        raise ValueError(f"unexpected array dtype {dtype!r}")
    return np.frombuffer(buffer, dtype=np.float32).reshape(shape)


def _msgpack_restore(data: bytes) -> Any:
    """``flax.serialization.msgpack_restore`` for what an export holds (float32 arrays in nested
    dicts), without importing flax and jax: reading a model costs milliseconds."""
    return msgpack.unpackb(data, ext_hook=_ndarray, raw=False, strict_map_key=False)


def read_export(model: str | os.PathLike[str], *, sha256: str | None = None) -> ExportedModel:
    """Read and validate an exported generator (from a file or a run folder; see
    ``resolve_model_path`` for ``sha256``)."""
    path = resolve_model_path(model, sha256=sha256)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ModelFileError(f"cannot read {path}: {exc.strerror}") from exc
    try:
        payload = _msgpack_restore(data)
    except Exception as exc:  # msgpack raises many unrelated types on garbage
        raise ModelFileError(f"{path} is not an exported generator (unreadable msgpack)") from exc
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise ModelFileError(f"{path} is not an exported generator (format is not {FORMAT})")
    try:
        config = Config.from_dict(json.loads(payload["config"]))
        params = payload["params"]
        step = int(payload["step"])
        training = json.loads(payload["training"]) if "training" in payload else None
    except (KeyError, TypeError, ValueError) as exc:
        raise ModelFileError(f"{path} is an exported generator with a bad header: {exc}") from exc
    return ExportedModel(
        path=path,
        config=config,
        step=step,
        params=params,
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
        training=training,
    )
