#!/usr/bin/env python3
"""The screen's frame rate, as a wall shows it: `<gallery>/screen/` at 1920x1080 in a real headless
Chromium (Debian's, through playwright-core), the generator walking from work to work.

For each model (the shipped default model, and a 128 px generator with the default config and its
initial weights: speed does not depend on the weights), a fresh PROVENANCE_HOME gets two works
minted with the model's ONNX export; `gallery serve` serves them; tests/js/screen_check.mjs watches
the screen for SECONDS and the frames drawn per second are reported (requestAnimationFrame caps
them at the display rate, 60 here). Goal: >= 30 fps.

Usage: .venv/bin/python scripts/bench_screen.py [--seconds 20] [--json] [--smoke]
       (--smoke: 4 seconds a model, to check that the benchmark runs)
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
CHECK = REPO / "tests/js/screen_check.mjs"
DEFAULT_MODEL = REPO / "gan/default_model/generator.msgpack"
DONOR = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"


def cli(*args: str, home: Path) -> dict[str, Any]:
    result = subprocess.run(
        [sys.executable, "-m", "provenance", *args, "--json"],
        capture_output=True,
        text=True,
        env={**os.environ, "PROVENANCE_HOME": str(home)},
        check=False,
        timeout=600,
    )
    if result.returncode != 0:
        raise SystemExit(f"provenance {' '.join(args[:2])} failed: {result.stderr.strip()}")
    out: dict[str, Any] = json.loads(result.stdout)
    return out


def model_file(resolution: int | None, folder: Path) -> Path:
    """The default model, or a generator at ``resolution`` with the default config and its initial
    weights (exported as after one step)."""
    if resolution is None:
        return DEFAULT_MODEL
    from flax import nnx

    from gan.configs.default import get_config
    from gan.export import export_generator
    from gan.models import Generator

    config = get_config(resolution=resolution)
    generator = Generator(
        z_dim=config.z_dim, resolution=resolution, ngf=config.ngf, rngs=nnx.Rngs(0)
    )
    params = nnx.to_pure_dict(nnx.split(generator)[1])
    return export_generator(params, config, folder, step=1)


def measure(label: str, model: Path, *, seconds: float, workdir: Path) -> dict[str, Any]:
    from gan.onnx_export import export_onnx
    from gan.sample import load_model

    home = workdir / "home"
    art = workdir / "art"
    art.mkdir(parents=True)
    loaded = load_model(model)
    onnx = export_onnx(loaded, art / "generator.onnx")
    cli("gan", "generate", "--model", str(model), "--seeds", "1-2", "-o", str(art), home=home)
    for png in sorted(art.glob("seed*.png")):
        cli("mint", str(png), "--donor", DONOR, "--model", str(model), "--onnx", str(onnx.path),
            home=home)  # fmt: skip
    os.environ["PROVENANCE_HOME"] = str(home)
    from provenance.gallery import make_gallery_server
    from provenance.workflows.session import open_session

    server = make_gallery_server(open_session(), port=0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        job = {
            "url": f"http://127.0.0.1:{server.server_address[1]}/screen/?dwell=5",
            "profile": str(workdir / "profile"),
            "width": 1920,
            "height": 1080,
            "seconds": seconds,
            "sample": 1,
        }
        result = subprocess.run(
            ["node", str(CHECK)],
            input=json.dumps(job),
            capture_output=True,
            text=True,
            timeout=seconds + 240,
            cwd=REPO,
            check=False,
        )
    finally:
        server.shutdown()
        server.server_close()
        subprocess.run(
            [sys.executable, "-m", "provenance", "chain", "down"],
            env={**os.environ, "PROVENANCE_HOME": str(home)},
            capture_output=True,
            check=False,
        )
    if result.returncode != 0:
        raise SystemExit(f"screen_check.mjs failed: {result.stderr.strip()[-2000:]}")
    samples = json.loads(result.stdout.strip().splitlines()[-1])["samples"]
    first, last = samples[0], samples[-1]
    fps = (last["frames"] - first["frames"]) / (last["t"] - first["t"])
    return {
        "model": label,
        "size": last["size"][0],
        "onnx_bytes": onnx.size,
        "fps": round(fps, 1),
        "modes": sorted({s["mode"] for s in samples}),
        "seconds": round(last["t"] - first["t"], 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--smoke", action="store_true", help="4 seconds a model")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    seconds = 4.0 if args.smoke else args.seconds
    load_before = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for label, resolution in (("default model", None), ("128 px model", 128)):
            workdir = Path(tmp) / label.replace(" ", "-")
            workdir.mkdir()
            model = model_file(resolution, workdir / "model")
            rows.append(measure(label, model, seconds=seconds, workdir=workdir))
    if args.json:
        print(json.dumps({"load_average": os.getloadavg(), "rows": rows}, indent=2))
        return
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(
        f"load average before and after: {load_before} / {load} (this machine: {os.cpu_count()} cores)"
    )
    print("model           size  onnx MB   fps at 1920x1080 (goal >= 30)  modes")
    for r in rows:
        print(
            f"{r['model']:<15} {r['size']:>4}  {r['onnx_bytes'] / 1e6:7.2f}   {r['fps']:6.1f}"
            f" over {r['seconds']:.0f} s                {','.join(r['modes'])}"
        )


if __name__ == "__main__":
    main()
