"""``gan animate``: a seamless latent loop encoded by a real ffmpeg (the imageio-ffmpeg wheel's)
and played by a real headless Chromium (Debian's package, through playwright-core)."""

from __future__ import annotations

import json
import shutil
import struct
import subprocess
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

from gan.animate import (
    AnimationError,
    encode_animation,
    latent_walk,
    render_walk,
    upscale,
    walk_latents,
)
from gan.sample import generate, latent, load_model
from provenance.cli import cli

from ..conftest import ROOT

CHROMIUM = Path("/usr/bin/chromium")
needs_chromium = pytest.mark.skipif(
    not CHROMIUM.exists()
    or shutil.which("node") is None
    or not (ROOT / "node_modules/playwright-core").is_dir(),
    reason="needs /usr/bin/chromium, node and node_modules/playwright-core (scripts/setup)",
)


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


def _top_level_boxes(data: bytes) -> list[str]:
    boxes, at = [], 0
    while at + 8 <= len(data):
        size, kind = struct.unpack(">I4s", data[at : at + 8])
        if size == 1:
            size = struct.unpack(">Q", data[at + 8 : at + 16])[0]
        boxes.append(kind.decode("latin-1"))
        if size < 8:
            break
        at += size
    return boxes


def test_walk_passes_through_every_seed_and_loops(trained_run: Path) -> None:
    model = load_model(trained_run)
    latents = walk_latents([1, 2, 3], model.z_dim, frames_per_transition=4)
    assert latents.shape == (12, model.z_dim)
    for i, seed in enumerate([1, 2, 3]):
        assert np.array_equal(np.asarray(latents[4 * i]), np.asarray(latent(seed, model.z_dim)))
    frames = render_walk(model, latents, batch_size=5)  # a batch that does not divide 12
    assert frames.shape == (12, 32, 32, 3) and frames.dtype == np.uint8
    # Stills stay the model's native output: the walk's seed frames are the generated images.
    assert np.array_equal(frames[0], generate(model, 1))
    assert np.array_equal(frames[8], generate(model, 3))


def test_no_jump_at_the_seam(trained_run: Path) -> None:
    model = load_model(trained_run)
    f = 8
    latents = np.asarray(walk_latents([5, 6, 7], model.z_dim, frames_per_transition=f))
    closed = np.concatenate([latents, latents[:1]])
    steps = np.linalg.norm(np.diff(closed, axis=0), axis=1)
    seam, last_transition = steps[-1], steps[-f:-1]
    # The step from the last frame back to the first is one more step of the last arc.
    assert last_transition.min() * 0.9 <= seam <= last_transition.max() * 1.1
    # ...where cutting the loop open (no way back) would jump the whole arc.
    assert np.linalg.norm(latents[-f] - latents[0]) > 4 * seam

    frames = latent_walk(model, [5, 6, 7], frames_per_transition=f).astype(np.float64)
    closed_frames = np.concatenate([frames, frames[:1]])
    image_steps = np.abs(np.diff(closed_frames, axis=0)).mean(axis=(1, 2, 3))
    assert image_steps[-1] <= image_steps[:-1].max()
    assert image_steps[-1] <= 3 * np.median(image_steps[-f:-1]) + 1e-9


def test_frames_and_bytes_are_deterministic(trained_run: Path, tmp_path: Path) -> None:
    model = load_model(trained_run)
    first = latent_walk(model, [1, 2], frames_per_transition=6)
    again = latent_walk(load_model(trained_run), [1, 2], frames_per_transition=6)
    assert np.array_equal(first, again)
    for suffix in (".mp4", ".webm", ".gif"):
        a = encode_animation(first, tmp_path / f"a{suffix}", fps=12, size=64)
        b = encode_animation(again, tmp_path / f"b{suffix}", fps=12, size=64)
        assert a.path.read_bytes() == b.path.read_bytes(), suffix
        assert (a.width, a.height, a.frames) == (64, 64, 12)


def test_upscale_is_lanczos_and_keeps_native_size() -> None:
    rng = np.random.default_rng(0)
    frames = rng.integers(0, 256, (2, 32, 32, 3), dtype=np.uint8)
    big = upscale(frames, 96)
    expected = Image.fromarray(frames[1]).resize((96, 96), Image.Resampling.LANCZOS)
    assert np.array_equal(big[1], np.asarray(expected))
    assert upscale(frames, 32) is frames


def test_cli_writes_faststart_h264_mp4(trained_run: Path, tmp_path: Path) -> None:
    out = tmp_path / "walk.mp4"
    code, stdout, stderr = _run(
        "gan", "animate", "--model", str(trained_run), "--seeds", "1,2,3",
        "--frames", "4", "--fps", "8", "-o", str(out), "--json",
    )  # fmt: skip
    assert code == 0, stderr
    summary = json.loads(stdout)
    assert summary["mime"] == "video/mp4"
    assert (summary["frames"], summary["width"], summary["native"]) == (12, 256, 32)
    assert summary["duration"] == pytest.approx(1.5)
    data = out.read_bytes()
    boxes = _top_level_boxes(data)
    assert boxes[0] == "ftyp" and boxes.index("moov") < boxes.index("mdat"), boxes  # +faststart
    assert b"avc1" in data and b"avcC" in data
    assert not list(tmp_path.glob(".walk.mp4.*"))  # no temporary file left behind


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--seeds", "1"], "at least two seeds"),
        (["--seeds", "1,x"], "comma-separated integers"),
        (["--seeds", "1,-2"], "between 0 and"),
        (["--seeds", "1,2", "--size", "101"], "must be even"),
        (["--seeds", "1,2", "-o", "walk.avi"], ".mp4, .webm or .gif"),
        (["--seeds", "1,2", "--model", "/nonexistent/model"], "not found"),
    ],
)
def test_cli_bad_input(trained_run: Path, tmp_path: Path, args: list[str], needle: str) -> None:
    options = {"--model": str(trained_run), "-o": str(tmp_path / "walk.mp4")}
    for i in range(0, len(args), 2):
        value = args[i + 1]
        options[args[i]] = str(tmp_path / value) if args[i] == "-o" else value
    code, _, stderr = _run("gan", "animate", *[x for kv in options.items() for x in kv])
    assert code == 2, stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0], stderr
    assert not [p for p in tmp_path.iterdir()]


def test_encoder_failure_leaves_nothing(tmp_path: Path) -> None:
    frames = np.zeros((3, 31, 31, 3), np.uint8)
    with pytest.raises(AnimationError, match="even size"):
        encode_animation(frames, tmp_path / "odd.mp4")
    with pytest.raises(AnimationError, match="unknown animation type"):
        encode_animation(frames, tmp_path / "walk.mkv")
    assert not list(tmp_path.iterdir())


@needs_chromium
@pytest.mark.parametrize("suffix", [".mp4", ".webm"])
def test_video_plays_in_chromium(trained_run: Path, tmp_path: Path, suffix: str) -> None:
    out = tmp_path / f"walk{suffix}"
    code, _, stderr = _run(
        "gan", "animate", "--model", str(trained_run), "--seeds", "4,5",
        "--frames", "12", "--fps", "12", "-o", str(out),
    )  # fmt: skip
    assert code == 0, stderr
    result = subprocess.run(
        ["node", str(ROOT / "tests/js/video_check.mjs"), str(out), str(tmp_path / "profile")],
        check=False,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr
    state = json.loads(result.stdout.strip().splitlines()[-1])
    assert state["error"] is None and state["errorAfter"] is None, state
    assert state["readyState"] >= 2, state
    assert state["duration"] == pytest.approx(2.0, abs=0.1), state
    assert (state["width"], state["height"]) == (256, 256), state
    assert not state["paused"] and state["after"] > state["start"], state


def test_gif_loops_forever_at_the_given_rate(trained_run: Path, tmp_path: Path) -> None:
    model = load_model(trained_run)
    seen: list[tuple[int, int]] = []
    frames = latent_walk(
        model, [1, 2], frames_per_transition=5, on_progress=lambda d, t: seen.append((d, t))
    )
    assert seen[-1] == (10, 10) and [d for d, _ in seen] == sorted(d for d, _ in seen)
    encoded: list[int] = []
    gif = encode_animation(
        frames, tmp_path / "walk.gif", fps=10, on_progress=lambda d, _: encoded.append(d)
    )
    assert encoded == list(range(1, 11))
    with Image.open(gif.path) as image:
        assert image.n_frames == 10 and image.info["loop"] == 0
        assert image.info["duration"] == 100
        assert image.size == (32, 32)  # no size given: the native frames
