"""Only a build step setuptools cannot express in pyproject.toml: before the package is built
(a wheel, an sdist, an install), onnxruntime-web's WebAssembly binary is copied into
provenance/gallery/static/ort/ from node_modules (scripts/build-gallery-js --runtime-only), so
that the built package carries every file the gallery serves. Without node_modules the package
is built without it, and the gallery says that the live portrait is unavailable."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent


class BuildWithGalleryRuntime(build_py):
    def run(self) -> None:
        script = ROOT / "scripts" / "build-gallery-js"
        runtime = ROOT / "node_modules" / "onnxruntime-web"
        if runtime.is_dir() and script.is_file() and shutil.which("node"):
            # A failed copy (another onnxruntime-web version installed) leaves the package
            # without the live portrait, which the gallery then says; it does not stop the build.
            subprocess.run([str(script), "--runtime-only"], check=False)
        super().run()


setup(cmdclass={"build_py": BuildWithGalleryRuntime})
