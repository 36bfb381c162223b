#!/usr/bin/env python3
"""Live-portrait figures, in a real headless Chromium (Debian's, through playwright-core).

For generators at 64 and 128 px (default widths, random initial weights: speed does not depend on
the weights): the ONNX export is added to an embedded IPFS blockstore and served by the gateway, a
page with the live-portrait element (strict CSP: script-src 'self' 'wasm-unsafe-eval') fetches
it, checks its sha256 and runs it with onnxruntime-web (WebAssembly, one thread: the page is not
cross-origin isolated). Reported side by side:

1. frames per second of the walk as the page draws it (requestAnimationFrame, so capped by the
   display rate) and the model's own rate (median of back-to-back runs); goal >= 15 fps at 128 px;
   again with the page cross-origin isolated (COOP/COEP headers), where onnxruntime-web may use
   WebAssembly threads (one per core, at most 4);
2. the browser's rendering of a seed against ``gan generate``'s pixels for it (the minted PNG):
   mean and max absolute error in 0..255 levels; goal mean < 1/255;
3. the same model in JAX on this machine (images/s at batch 1) as the reference.

Usage: .venv/bin/python scripts/bench_live_portrait.py [--sizes 64,128] [--seconds 4] [--json]
       .venv/bin/python scripts/bench_live_portrait.py --smoke   # 32 px, a second: the path works
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import functools
import json
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
CHECK = REPO / "tests/js/live_portrait_check.mjs"


class _QuietHandler(SimpleHTTPRequestHandler):
    isolated = False

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def end_headers(self) -> None:
        if self.isolated:  # cross-origin isolation: SharedArrayBuffer, so wasm threads
            self.send_header("Cross-Origin-Opener-Policy", "same-origin")
            self.send_header("Cross-Origin-Embedder-Policy", "require-corp")
        super().end_headers()


class _IsolatedHandler(_QuietHandler):
    isolated = True


@contextlib.contextmanager
def _serve(server: ThreadingHTTPServer) -> Iterator[str]:
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        host, port = server.server_address[:2]
        yield f"http://{host}:{port}"
    finally:
        server.shutdown()
        server.server_close()


@contextlib.contextmanager
def live_page(
    onnx_path: Path,
    *,
    seed: int,
    truncation: float | None,
    workdir: Path,
    claimed_sha256: str | None = None,
    isolated: bool = False,
) -> Iterator[str]:
    """Serve ``onnx_path`` from an embedded IPFS gateway and a page whose live portrait names it
    by CID and sha256 (``claimed_sha256`` to name another); yields the page's URL."""
    from provenance.gallery.live import LIVE_SCRIPT_SRC, live_portrait_html, live_static_files
    from provenance.ipfs import Blockstore, add_file
    from provenance.ipfs.server import make_server

    store = Blockstore(workdir / "blocks")
    cid = str(add_file(onnx_path, store=store).cid)
    import hashlib

    sha256 = claimed_sha256 or hashlib.sha256(onnx_path.read_bytes()).hexdigest()
    statics = live_static_files()
    if not statics:
        raise SystemExit("onnxruntime-web is not installed: run scripts/setup (npm ci)")
    site = workdir / "site"
    with _serve(make_server(store)) as gateway:
        csp = (
            f"default-src 'none'; script-src {LIVE_SCRIPT_SRC}; connect-src 'self' {gateway};"
            f" img-src 'self' {gateway}; style-src 'self'; base-uri 'none'; form-action 'none'"
        )
        element = live_portrait_html(
            model_cid=cid, model_sha256=sha256, seed=seed, truncation=truncation, title="Work",
            root="",
        )  # fmt: skip
        page = (
            '<!doctype html><html lang="en"><head><meta charset="utf-8">'
            f'<meta http-equiv="Content-Security-Policy" content="{csp}">'
            f'<meta name="provenance-gateway" content="{gateway}">'
            f"<title>Live portrait</title></head><body>{element}</body></html>"
        )
        # favicon.ico: Chromium asks for one; a 404 would read as a page error.
        for rel, data in {"index.html": page.encode(), "favicon.ico": b"", **statics}.items():
            (site / rel).parent.mkdir(parents=True, exist_ok=True)
            (site / rel).write_bytes(data)
        handler = functools.partial(
            _IsolatedHandler if isolated else _QuietHandler, directory=str(site)
        )
        with _serve(ThreadingHTTPServer(("127.0.0.1", 0), handler)) as origin:
            yield f"{origin}/index.html"


def run_check(
    url: str, profile: Path, *, seconds: float, inferences: int, screenshot: Path | None = None
) -> dict[str, Any]:
    shot = [str(screenshot)] if screenshot is not None else []
    result = subprocess.run(
        ["node", str(CHECK), url, str(profile), str(seconds), str(inferences), *shot],
        check=False,
        capture_output=True,
        text=True,
        timeout=300,
        cwd=REPO,
    )
    if result.returncode != 0:
        raise RuntimeError(f"live_portrait_check.mjs failed: {result.stderr.strip()[-2000:]}")
    out: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return out


def browser_pixels(check: dict[str, Any]) -> np.ndarray:
    size = int(check["size"])
    raw = base64.b64decode(check["seedRGB"])
    return np.frombuffer(raw, np.uint8).reshape(size, size, 3)


def random_model(resolution: int, folder: Path) -> Path:
    """A generator with the default config at ``resolution`` and its initial weights, exported
    like a trained one (as step 1: an export records the step it was taken at, and step 0 is no
    step a run can export)."""
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


def measure(
    resolution: int, *, seconds: float, seed: int, workdir: Path, inferences: int = 20
) -> dict[str, Any]:
    from gan.onnx_export import export_onnx
    from gan.sample import generate, load_model

    model = load_model(random_model(resolution, workdir / f"model{resolution}"))
    onnx = export_onnx(model, workdir / f"generator{resolution}.onnx")
    minted = generate(model, seed)
    generate(model, seed + 1)  # compiled
    started = time.perf_counter()
    runs = min(10, inferences)
    for i in range(runs):
        generate(model, seed + 2 + i)
    jax_fps = runs / (time.perf_counter() - started)
    with live_page(
        onnx.path, seed=seed, truncation=None, workdir=workdir / f"w{resolution}"
    ) as url:
        check = run_check(
            url, workdir / f"profile{resolution}", seconds=seconds, inferences=inferences
        )
    if check.get("state") != "running":
        raise RuntimeError(f"the live portrait did not run: {check}")
    with live_page(
        onnx.path, seed=seed, truncation=None, workdir=workdir / f"i{resolution}", isolated=True
    ) as url:
        threaded = run_check(
            url, workdir / f"iprofile{resolution}", seconds=seconds, inferences=inferences
        )
    if threaded.get("state") != "running" or threaded.get("threads", 1) < 2:
        raise RuntimeError(f"the isolated live portrait did not run threaded: {threaded}")
    diff = np.abs(browser_pixels(check).astype(int) - minted.astype(int))
    return {
        "resolution": resolution,
        "onnx_bytes": onnx.size,
        "walk_fps": round(check["walkFps"], 1),
        "model_fps": round(check["inferenceFps"], 1),
        "model_ms": round(check["inferenceMsMedian"], 1),
        "threaded_walk_fps": round(threaded["walkFps"], 1),
        "threaded_model_fps": round(threaded["inferenceFps"], 1),
        "threads": threaded["threads"],
        "jax_fps_batch1": round(jax_fps, 1),
        "mean_abs_error": float(diff.mean()),
        "max_abs_error": int(diff.max()),
        "pixels_differing": float((diff > 0).mean()),
        "foreign_requests": [r for r in check["requests"] if not r.startswith("http://127.0.0.1")],
        "errors": check["errors"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="64,128")
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--json", action="store_true")
    parser.add_argument(
        "--smoke", action="store_true", help="one 32 px model, one second, 3 inferences (tests)"
    )
    args = parser.parse_args()
    sizes = [32] if args.smoke else [int(s) for s in args.sizes.split(",")]
    seconds, inferences = (1.0, 3) if args.smoke else (args.seconds, 20)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for size in sizes:
            rows.append(
                measure(
                    size, seconds=seconds, seed=args.seed, workdir=Path(tmp), inferences=inferences
                )
            )
    if args.json:
        print(json.dumps(rows, indent=2))
        return
    print(
        "res  onnx MB  walk fps  model fps (ms)  threaded walk / model   JAX fps  mean err"
        "  max err  differing"
    )
    for r in rows:
        print(
            f"{r['resolution']:>3}  {r['onnx_bytes'] / 1e6:7.2f}  {r['walk_fps']:8.1f}"
            f"  {r['model_fps']:9.1f} ({r['model_ms']:.1f})"
            f"  {r['threaded_walk_fps']:8.1f} / {r['threaded_model_fps']:.1f} ({r['threads']} t)"
            f"  {r['jax_fps_batch1']:8.1f}"
            f"  {r['mean_abs_error']:8.5f}  {r['max_abs_error']:7d}  {r['pixels_differing']:.4%}"
        )


if __name__ == "__main__":
    main()
