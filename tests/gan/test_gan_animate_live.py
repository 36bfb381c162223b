"""The live portrait: JAX's PRNG ported to JavaScript draws the same latents as JAX (run in node),
and the ONNX generator, fetched from a real IPFS gateway by CID and hashed first, renders a work's
seed in a real headless Chromium within one level of the minted PNG (mean error < 1/255)."""

from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

from gan.sample import latent, load_model
from provenance.cli import cli
from provenance.gallery.live import live_portrait_for, live_portrait_html, ort_dist_dir

from ..conftest import ROOT

JAX_RANDOM = ROOT / "provenance/gallery/js/live/jax-random.js"
needs_node = pytest.mark.skipif(shutil.which("node") is None, reason="needs node")
needs_browser = pytest.mark.skipif(
    not Path("/usr/bin/chromium").exists()
    or shutil.which("node") is None
    or not (ROOT / "node_modules/playwright-core").is_dir()
    or ort_dist_dir() is None,
    reason="needs /usr/bin/chromium, node, playwright-core and onnxruntime-web (scripts/setup)",
)


def _bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "bench_live_portrait", ROOT / "scripts/bench_live_portrait.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@needs_node
def test_javascript_latents_equal_jax(tmp_path: Path) -> None:
    cases = [
        [0, 64, None], [1, 64, None], [42, 128, None], [2**31 + 5, 64, None],
        [2**32 - 1, 64, None], [123, 256, None], [7, 64, 0.7], [9, 64, 2.0],
    ]  # fmt: skip
    script = tmp_path / "latents.mjs"
    script.write_text(
        f"import {{ seedLatent }} from {json.dumps(JAX_RANDOM.as_uri())}\n"
        "const cases = JSON.parse(process.argv[2])\n"
        "console.log(JSON.stringify(cases.map(([s, n, t]) => Array.from(seedLatent(s, n, t)))))\n"
    )
    result = subprocess.run(
        ["node", str(script), json.dumps(cases)], check=True, capture_output=True, text=True
    )
    drawn = json.loads(result.stdout)
    exact = total = 0
    for (seed, n, truncation), js in zip(cases, drawn, strict=True):
        ref = np.asarray(latent(seed, n, truncation=truncation))
        got = np.asarray(js, np.float32)
        # Float32 rounding of XLA's own log1p/erf may differ in the last bits, never more.
        np.testing.assert_allclose(got, ref, rtol=0, atol=5e-7, err_msg=f"seed {seed}")
        if truncation is None:
            exact += int((got == ref).sum())
            total += n
    assert exact / total > 0.95  # and almost every component is bit-identical


def test_element_contract() -> None:
    html = live_portrait_html(
        model_cid="bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku",
        model_sha256="ab" * 32,
        seed=42,
        truncation=0.7,
        title='A "quoted" <title>',
        root="../",
    )
    assert "data-live-portrait" in html and 'data-seed="42"' in html
    assert 'data-truncation="0.7"' in html and "Live rendering" in html
    assert '<script type="module" src="../static/live-portrait.js">' in html
    assert "<title>" not in html and "&lt;title&gt;" in html
    with pytest.raises(ValueError):
        live_portrait_html(
            model_cid='x" onerror="alert(1)', model_sha256="ab" * 32, seed=1, title="t", root=""
        )
    # A record without an ONNX model, or with values of the wrong type, gets no live portrait.
    assert live_portrait_for({"seed": 1, "model": {"sha256": "ab" * 32}}, title="t", root="") == ""
    bad_seed = {"seed": "1", "onnx": {"cid": "bafkreiabc", "sha256": "ab" * 32}}
    assert live_portrait_for(bad_seed, title="t", root="") == ""


@pytest.fixture(scope="module")
def onnx_model(trained_run: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("jax2onnx")
    from gan.onnx_export import export_onnx

    return export_onnx(load_model(trained_run), tmp_path_factory.mktemp("onnx") / "g.onnx").path


@needs_browser
@pytest.mark.parametrize(("seed", "truncation"), [(7, None), (2**32 - 3, 0.7)])
def test_browser_renders_the_seed_like_the_minted_png(
    trained_run: Path, onnx_model: Path, tmp_path: Path, seed: int, truncation: float | None
) -> None:
    minted_png = tmp_path / "minted.png"
    extra = ["--truncation", str(truncation)] if truncation is not None else []
    result = CliRunner().invoke(
        cli,
        ["gan", "generate", "--model", str(trained_run), "--seed", str(seed), "-o", str(minted_png)]
        + extra,
    )
    assert result.exit_code == 0, result.stderr
    bench = _bench()
    with bench.live_page(onnx_model, seed=seed, truncation=truncation, workdir=tmp_path) as url:
        check = bench.run_check(url, tmp_path / "profile", seconds=1.0, inferences=3)
    assert check["state"] == "running", check
    assert check["status"] == f"Running in your browser; the walk passes through seed {seed}."
    assert check["errors"] == [], check["errors"]  # no CSP violation, no script error
    assert all(r.startswith("http://127.0.0.1") for r in check["requests"])  # no CDN
    assert check["walkFps"] > 0 and check["canvasWidth"] == 32
    # Shown at an integer multiple of its native size (the page is 900 px wide: 512 // 32 = 16).
    assert check["canvasCssWidth"] == 16 * 32
    browser = bench.browser_pixels(check).astype(int)
    with Image.open(minted_png) as image:
        minted = np.asarray(image.convert("RGB")).astype(int)
    diff = np.abs(browser - minted)
    assert diff.mean() < 1 / 255, diff.mean()
    assert diff.max() <= 2


@needs_browser
def test_browser_refuses_a_model_that_does_not_match(onnx_model: Path, tmp_path: Path) -> None:
    bench = _bench()
    with bench.live_page(
        onnx_model, seed=1, truncation=None, workdir=tmp_path, claimed_sha256="00" * 32
    ) as url:
        check = bench.run_check(url, tmp_path / "profile", seconds=0.1, inferences=1)
    assert check["state"] == "error"
    assert "does not match" in check["status"]
    assert "seedRGB" not in check


@needs_browser
def test_live_portrait_benchmark_smoke() -> None:
    """scripts/bench_live_portrait.py runs end to end (--smoke: one 32 px model, one second):
    both pages (plain and cross-origin isolated) run the portrait, close to JAX's pixels."""
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts/bench_live_portrait.py"), "--smoke", "--json"],
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    (row,) = json.loads(result.stdout)
    assert row["resolution"] == 32
    assert row["walk_fps"] > 0 and row["model_fps"] > 0 and row["threaded_model_fps"] > 0
    assert row["threads"] >= 2
    assert row["max_abs_error"] <= 1 and row["mean_abs_error"] < 1 / 255
    assert row["foreign_requests"] == [] and row["errors"] == []
