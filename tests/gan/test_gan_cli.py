from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
from click.testing import CliRunner
from PIL import Image

from gan.input_pipeline import load_dataset
from provenance.cli import cli


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stderr if hasattr(result, "stderr") else result.output


def _assert_one_line_error(code: int, err: str, needle: str) -> None:
    assert code != 0
    lines = [ln for ln in err.strip().splitlines() if ln]
    assert len(lines) == 1 and lines[0].startswith("Error:") and needle in lines[0], err
    assert "Traceback" not in err


def test_train_missing_folder(tmp_path: Path) -> None:
    code, err = _run(
        "gan",
        "train",
        "--data",
        str(tmp_path / "nope"),
        "--steps",
        "1",
        "--out",
        str(tmp_path / "run"),
    )
    _assert_one_line_error(code, err, "not found")
    assert not (tmp_path / "run").exists()


def test_train_empty_folder(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "notes.txt").write_text("no images here")
    code, err = _run(
        "gan",
        "train",
        "--data",
        str(tmp_path / "empty"),
        "--steps",
        "1",
        "--out",
        str(tmp_path / "run"),
    )
    _assert_one_line_error(code, err, "no PNG/JPEG/WebP images")


def test_unknown_builtin(tmp_path: Path) -> None:
    code, err = _run(
        "gan", "train", "--data", "builtin:cifar", "--steps", "1", "--out", str(tmp_path / "run")
    )
    _assert_one_line_error(code, err, "unknown built-in")


def test_generate_bad_model_file(tmp_path: Path) -> None:
    bad = tmp_path / "model.msgpack"
    bad.write_bytes(b"garbage")
    code, err = _run(
        "gan", "generate", "--model", str(bad), "--seed", "1", "-o", str(tmp_path / "a.png")
    )
    _assert_one_line_error(code, err, "not an exported generator")
    assert not (tmp_path / "a.png").exists()
    code, err = _run(
        "gan",
        "generate",
        "--model",
        str(tmp_path / "missing"),
        "--seed",
        "1",
        "-o",
        str(tmp_path / "a.png"),
    )
    _assert_one_line_error(code, err, "not found")


def test_generate_writes_record(tmp_path: Path, trained_run: Path) -> None:
    out = tmp_path / "art.png"
    code, err = _run("gan", "generate", "--model", str(trained_run), "--seed", "3", "-o", str(out))
    assert code == 0, err
    with Image.open(out) as img:
        assert '"seed":3' in img.text["provenance"]


def test_corrupt_images_are_skipped_and_counted(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    (tmp_path / "sub").mkdir()
    Image.fromarray(rng.integers(0, 255, (40, 30, 3), dtype=np.uint8)).save(tmp_path / "a.png")
    Image.fromarray(rng.integers(0, 255, (20, 50, 3), dtype=np.uint8)).save(
        tmp_path / "sub" / "b.jpg"
    )
    Image.fromarray(rng.integers(0, 255, (20, 20, 3), dtype=np.uint8)).save(
        tmp_path / "sub" / "c.webp"
    )
    (tmp_path / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\nbroken")
    ds = load_dataset(str(tmp_path), 32, cache_dir=tmp_path / "cache")
    assert ds.images.shape == (3, 32, 32, 3) and ds.skipped == 1 and not ds.cached
    again = load_dataset(str(tmp_path), 32, cache_dir=tmp_path / "cache")
    assert again.cached and again.skipped == 1 and np.array_equal(again.images, ds.images)


def test_help_does_not_import_jax() -> None:
    code = "import sys; from provenance.cli import main\ntry:\n main(['--help'])\nexcept SystemExit: pass\nassert 'jax' not in sys.modules and 'gan' not in sys.modules"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    assert "gan" in proc.stdout


def test_evaluate_reports_fd_kid_and_floor(trained_run: Path) -> None:
    result = CliRunner().invoke(
        cli,
        [
            "gan",
            "evaluate",
            "--model",
            str(trained_run),
            "--data",
            "builtin:digits",
            "--samples",
            "40",
            "--no-faces",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["n_fake"] == 40 and out["n_real"] == 1797
    # An untrained 6-step generator is far from the digits; two halves of the real set are close.
    assert out["fd"] > 10 * out["fd_floor"] > 0
    assert out["kid"] > out["kid_floor"]
