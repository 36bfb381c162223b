"""``gan export-onnx``: the generator as one ONNX file, run by a real onnxruntime and compared
with the JAX generator it came from."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from gan.sample import generate, latent, load_model, to_uint8
from provenance.cli import cli

pytest.importorskip("jax2onnx")
ort = pytest.importorskip("onnxruntime")
onnx = pytest.importorskip("onnx")


@pytest.fixture(scope="module")
def exported(trained_run: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    out = tmp_path_factory.mktemp("onnx") / "generator.onnx"
    result = CliRunner().invoke(
        cli, ["gan", "export-onnx", "--model", str(trained_run), "-o", str(out), "--json"]
    )
    assert result.exit_code == 0, result.stderr
    summary: dict[str, object] = json.loads(result.stdout)
    return summary


def test_single_file_with_embedded_weights(exported: dict[str, object]) -> None:
    path = Path(str(exported["output"]))
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no .data side file
    data = path.read_bytes()
    assert exported["sha256"] == hashlib.sha256(data).hexdigest()
    assert exported["size"] == len(data)
    assert str(exported["cid"]).startswith("bafk")  # under 1 MiB: one raw block
    proto = onnx.load_model_from_string(data)
    assert not any(t.data_location == onnx.TensorProto.EXTERNAL for t in proto.graph.initializer)
    meta = {p.key: p.value for p in proto.metadata_props}
    assert meta["format"] == "provenance-gan-onnx/1"
    assert (meta["z_dim"], meta["resolution"]) == ("16", "32")


def test_same_bytes_when_exported_again(
    trained_run: Path, exported: dict[str, object], tmp_path: Path
) -> None:
    from gan.onnx_export import export_onnx

    again = export_onnx(load_model(trained_run), tmp_path / "again.onnx")
    assert again.sha256 == exported["sha256"]
    assert again.source_sha256 == exported["model_sha256"] == load_model(trained_run).export.sha256


def test_onnxruntime_matches_jax(trained_run: Path, exported: dict[str, object]) -> None:
    model = load_model(trained_run)
    session = ort.InferenceSession(str(exported["output"]), providers=["CPUExecutionProvider"])
    worst = 0.0
    for seed in (0, 1, 7, 123456):
        z = np.asarray(latent(seed, model.z_dim))[None].astype(np.float32)
        image = session.run(["image"], {"z": z})[0]
        assert image.shape == (1, 32, 32, 3)
        pixels = to_uint8(image)[0]
        minted = generate(model, seed)
        diff = np.abs(pixels.astype(int) - minted.astype(int))
        assert diff.max() <= 1, seed  # float rounding may flip a pixel by one level, no more
        worst = max(worst, float(diff.mean()))
    assert worst < 1 / 255


def test_missing_model_is_one_line_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli, ["gan", "export-onnx", "--model", str(tmp_path / "none"), "-o", str(tmp_path / "m")]
    )
    assert result.exit_code == 2
    assert len(result.stderr.strip().splitlines()) == 1 and "not found" in result.stderr
    assert not (tmp_path / "m").exists()
