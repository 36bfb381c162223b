"""The live portrait in the gallery itself: a work minted with `--model RUN --onnx FILE` shows, on
its page served by `gallery serve`, the generator running in Chromium from the ONNX file the
gallery's own gateway serves by the CID in the metadata (hashed first), under the page's CSP."""

from __future__ import annotations

import json
import shutil
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from provenance.chain.accounts import dev_accounts
from provenance.chain.token_id import token_hex
from provenance.cli import cli
from provenance.gallery.live import ort_dist_dir

from ..conftest import ROOT
from ..workflows.conftest import home

__all__ = ["home"]

pytestmark = pytest.mark.skipif(
    not Path("/usr/bin/chromium").exists()
    or shutil.which("node") is None
    or not (ROOT / "node_modules/playwright-core").is_dir()
    or ort_dist_dir() is None,
    reason="needs /usr/bin/chromium, node, playwright-core and onnxruntime-web (scripts/setup)",
)


@pytest.fixture(scope="module")
def minted_live(
    home: Path, trained_run: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[int]:
    pytest.importorskip("jax2onnx")
    from gan.onnx_export import export_onnx
    from gan.sample import load_model

    folder = tmp_path_factory.mktemp("live")
    onnx = export_onnx(load_model(trained_run), folder / "g.onnx").path
    runner = CliRunner()
    png = folder / "seed5.png"
    made = runner.invoke(
        cli, ["gan", "generate", "--model", str(trained_run), "--seed", "5", "-o", str(png)]
    )
    assert made.exit_code == 0, made.output
    donor = dev_accounts(2)[1].address
    result = runner.invoke(
        cli,
        [
            "mint",
            str(png),
            "--donor",
            donor,
            "--model",
            str(trained_run),
            "--onnx",
            str(onnx),
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    yield int(json.loads(result.stdout)["token_id"])


def test_work_page_runs_the_live_portrait(minted_live: int, tmp_path: Path) -> None:
    from provenance.gallery import make_gallery_server
    from provenance.workflows.session import open_session

    server = make_gallery_server(open_session(), port=0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/work/{token_hex(minted_live)}.html"
        result = subprocess.run(
            [
                "node",
                str(ROOT / "tests/js/exhibition_check.mjs"),
                url,
                str(ROOT / "tests/artifacts/exhibition-live-work.png"),
                str(tmp_path / "profile"),
                "1280",
            ],
            capture_output=True,
            text=True,
            timeout=240,
            cwd=ROOT,
            check=False,
        )
    finally:
        server.shutdown()
        server.server_close()
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["badges"] == ["authentic"], report["badgeTexts"]
    [live] = report["live"]
    assert live["state"] == "running", live
    assert report["errors"] == [] and report["foreign"] == [], report
