"""A wheel carries everything the gallery serves: built with `pip wheel --no-deps` from this
repository and unpacked, its package serves the live portrait's and the screen's bundles and
onnxruntime-web's WebAssembly from the package itself, with no node_modules in sight."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from provenance.gallery.live import ORT_WASM

from ..conftest import ROOT


def test_a_wheel_serves_the_live_portrait_and_the_screen(tmp_path: Path) -> None:
    if not (ROOT / "node_modules/onnxruntime-web/dist" / ORT_WASM).is_file():
        pytest.skip("onnxruntime-web is not installed (scripts/setup)")
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(tmp_path / "wheel"), str(ROOT)],
        capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert built.returncode == 0, built.stderr[-2000:]
    [wheel] = (tmp_path / "wheel").glob("provenance-*.whl")
    unpacked = tmp_path / "site"
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(unpacked)
    # In a fresh interpreter whose `provenance` is the wheel's, run from a folder with no
    # node_modules above it: the files a gallery serves come from the package.
    probe = (
        "import sys, json; sys.path.insert(0, sys.argv[1]);"
        "import provenance; from provenance.gallery.live import live_static_files;"
        "from importlib.resources import files;"
        "static = files('provenance.gallery') / 'static';"
        "print(json.dumps({'package': provenance.__file__,"
        " 'live': {k: len(v) for k, v in live_static_files().items()},"
        " 'bundles': [n for n in ('app.js', 'screen.js', 'live-portrait.js', 'gallery.css')"
        " if (static / n).is_file()]}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe, str(unpacked)],
        capture_output=True, text=True, cwd=tmp_path, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["package"].startswith(str(unpacked))
    wasm = (ROOT / "node_modules/onnxruntime-web/dist" / ORT_WASM).stat().st_size
    assert report["live"] == {
        "static/live-portrait.js": (ROOT / "provenance/gallery/static/live-portrait.js")
        .stat()
        .st_size,
        f"static/ort/{ORT_WASM}": wasm,
    }
    assert report["bundles"] == ["app.js", "screen.js", "live-portrait.js", "gallery.css"]
