"""The EMA generator as one self-contained ONNX file, for browsers (onnxruntime-web).

``z`` (1, z_dim) float32 -> ``image`` (1, R, R, 3) float32 in [-1, 1], NHWC: the same function as
``gan.sample.generate_batch`` before its conversion to uint8. Converted by ``jax2onnx`` from the
same Flax module ``gan.sample.load_model`` builds, so no second implementation of the network
exists. Weights are embedded (no ``.data`` side file), unused constants are dropped, and the file
is a pure function of the model file: exporting twice gives the same bytes, so anyone can check
that an ONNX file belongs to a model by exporting it again (docs/gan/onnx.md).
"""

from __future__ import annotations

import hashlib
import logging
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gan.errors import GanError
from gan.export import atomic_write_bytes
from gan.sample import LoadedModel

__all__ = [
    "FORMAT",
    "OnnxExport",
    "OnnxExportError",
    "OnnxToolMissing",
    "export_onnx",
    "onnx_bytes",
]

FORMAT = "provenance-gan-onnx/1"


class OnnxExportError(GanError):
    """jax2onnx could not convert the generator."""


class OnnxToolMissing(OnnxExportError):
    """jax2onnx or onnx is not installed."""


@dataclass(frozen=True)
class OnnxExport:
    path: Path
    sha256: str
    size: int
    z_dim: int
    resolution: int
    source_sha256: str


def onnx_bytes(model: LoadedModel) -> bytes:
    """The serialized ONNX model of ``model``'s generator (batch of one)."""
    # jax2onnx logs a warning with a traceback for each optional example plugin whose library
    # (equinox, dm-pix, ...) is not installed; none of them is needed here.
    logging.getLogger("jax2onnx").setLevel(logging.ERROR)
    try:
        import jax
        import jax.numpy as jnp
        import jax2onnx
        import onnx
    except ImportError as exc:
        raise OnnxToolMissing(
            f"ONNX export needs jax2onnx and onnx ({exc.name} is missing): run scripts/setup"
        ) from exc
    generator = model.generator
    config = model.export.config
    try:
        with warnings.catch_warnings():
            # jax2onnx 0.17.1 reads flax Variables through the deprecated ``.value``.
            warnings.simplefilter("ignore", DeprecationWarning)
            proto: Any = jax2onnx.to_onnx(
                lambda z: generator(z),
                inputs=[jax.ShapeDtypeStruct((1, model.z_dim), jnp.float32)],  # type: ignore[no-untyped-call]
                input_names=["z"],
                output_names=["image"],
                model_name="provenance_gan_generator",
            )
    except Exception as exc:  # jax2onnx raises many types; the message says which primitive
        raise OnnxExportError(f"jax2onnx could not convert the generator: {exc}") from exc
    used = {name for node in proto.graph.node for name in node.input}
    unused = [init for init in proto.graph.initializer if init.name not in used]
    for init in unused:  # reshape constants jax2onnx leaves behind (onnxruntime warns about them)
        proto.graph.initializer.remove(init)
    for key, value in (
        ("format", FORMAT),
        ("source_sha256", model.export.sha256),
        ("z_dim", str(model.z_dim)),
        ("resolution", str(config.resolution)),
        ("output", "NHWC float32 in [-1, 1]; pixel = clip(rint((x + 1) * 127.5), 0, 255)"),
    ):
        entry = proto.metadata_props.add()
        entry.key, entry.value = key, value
    onnx.checker.check_model(proto)
    data: bytes = proto.SerializeToString()
    return data


def export_onnx(model: LoadedModel, path: Path) -> OnnxExport:
    """Write ``model``'s generator as a single-file ONNX model at ``path`` (atomically)."""
    data = onnx_bytes(model)
    atomic_write_bytes(Path(path), data)
    return OnnxExport(
        path=Path(path),
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
        z_dim=model.z_dim,
        resolution=model.export.config.resolution,
        source_sha256=model.export.sha256,
    )
