"""The animation, the model and its ONNX export as part of a token: mint / offer / mint-batch
store and pin them, the metadata commits to them, verify checks the animation's bytes."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from provenance.chain.accounts import dev_accounts
from provenance.content.media import check_animation_bytes, sniff_animation
from provenance.ipfs import Blockstore

from .conftest import invoke, one_line_error, run_cli

DONOR = dev_accounts(2)[1]


def _frames(count: int = 12, size: int = 32) -> np.ndarray:
    return (np.random.default_rng(3).random((count, size, size, 3)) * 255).astype(np.uint8)


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    pytest.importorskip("imageio_ffmpeg")
    from gan.animate import encode_animation

    folder = tmp_path_factory.mktemp("clips")
    out = {}
    for ext in ("mp4", "webm", "gif"):
        path = folder / f"walk.{ext}"
        encode_animation(_frames(), path, fps=8.0, size=64)
        out[ext] = path
    return out


@pytest.mark.parametrize(
    "ext,mime", [("mp4", "video/mp4"), ("webm", "video/webm"), ("gif", "image/gif")]
)
def test_duration_and_mime_agree_with_ffmpeg(clips: dict[str, Path], ext: str, mime: str) -> None:
    import imageio_ffmpeg

    found_mime, duration = sniff_animation(clips[ext].read_bytes())
    _frames_count, seconds = imageio_ffmpeg.count_frames_and_secs(str(clips[ext]))
    assert found_mime == mime
    assert duration is not None
    assert abs(duration - 1.5) < 0.06  # 12 frames at 8 fps
    assert abs(duration - seconds) < 0.06, (duration, seconds)


def test_bytes_that_are_not_an_animation_are_refused() -> None:
    from provenance.errors import InputError

    with pytest.raises(InputError, match="not an MP4, WebM or GIF"):
        sniff_animation(b"\x89PNG\r\n\x1a\n" + bytes(64))
    with pytest.raises(InputError, match="malformed"):
        sniff_animation(b"\0\0\0\x30ftypisom" + bytes(4))


def test_check_animation_bytes_catches_a_wrong_mime(clips: dict[str, Path]) -> None:
    data = clips["webm"].read_bytes()
    record = {
        "cid": "bafk",
        "sha256": hashlib.sha256(data).hexdigest(),
        "mime": "video/mp4",
        "size": len(data),
    }
    ok, detail = check_animation_bytes(record, data)
    assert not ok and "video/webm" in detail
    ok, _ = check_animation_bytes({**record, "mime": "video/webm"}, data)
    assert ok
    ok, detail = check_animation_bytes({**record, "mime": "video/webm"}, data[:-1] + b"\0")
    assert not ok and "differ" in detail


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A PNG whose generation record names a model file, and an 'export' naming that model."""
    from gan.pngrecord import make_record, write_png

    folder = tmp_path_factory.mktemp("gen")
    model = folder / "model.msgpack"
    model.write_bytes(np.random.default_rng(5).bytes(1_500_000))  # > 1 MiB: a multi-block DAG
    sha = hashlib.sha256(model.read_bytes()).hexdigest()
    onnx = folder / "generator.onnx"
    onnx.write_bytes(b"ONNX-ish bytes; metadata_props source_model_sha256=" + sha.encode())
    pixels = (np.random.default_rng(6).random((32, 32, 3)) * 255).astype(np.uint8)
    png = folder / "face.png"
    write_png(pixels, png, make_record(sha, 7))
    other = folder / "other.png"
    write_png(pixels[::-1], other, make_record("0" * 64, 8))
    return {"png": png, "model": model, "onnx": onnx, "other": other, "folder": folder}


def test_mint_with_animation_model_and_onnx(
    home: Path, clips: dict[str, Path], generated: dict[str, Path]
) -> None:
    result = invoke(
        "mint",
        str(generated["png"]),
        "--donor",
        DONOR.address,
        "--animation",
        str(clips["mp4"]),
        "--model",
        str(generated["model"]),
        "--onnx",
        str(generated["onnx"]),
        "--json",
    )
    assert result.exit_code == 0, result.output
    minted = json.loads(result.stdout)
    store = Blockstore.open(home / "ipfs" / "blocks")
    metadata = json.loads(store.cat(minted["metadata_cid"]))
    animation = metadata["provenance"]["animation"]
    mp4 = clips["mp4"].read_bytes()
    assert metadata["animation_url"] == f"ipfs://{minted['animation_cid']}"
    assert animation == {
        "cid": minted["animation_cid"],
        "sha256": hashlib.sha256(mp4).hexdigest(),
        "mime": "video/mp4",
        "size": len(mp4),
        "duration": 1.5,
    }
    onnx = generated["onnx"].read_bytes()
    assert metadata["provenance"]["generator"]["onnx"] == {
        "cid": minted["onnx_cid"],
        "sha256": hashlib.sha256(onnx).hexdigest(),
    }
    # Every file is in the blockstore and pinned: `ipfs cat <model CID>` works.
    for cid, path in [
        (minted["animation_cid"], clips["mp4"]),
        (minted["model_cid"], generated["model"]),
        (minted["onnx_cid"], generated["onnx"]),
    ]:
        assert store.cat(cid) == path.read_bytes()
        assert cid in store.pins()
    cat = subprocess.run(
        [sys.executable, "-m", "provenance", "ipfs", "cat", minted["model_cid"]],
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert cat.returncode == 0 and cat.stdout == generated["model"].read_bytes()
    # verify checks the animation by name, and the generation record with its ONNX reference.
    report = invoke("verify", str(minted["token_id"]), "--json")
    assert report.exit_code == 0, report.stdout
    checks = {c["name"]: c for c in json.loads(report.stdout)["checks"]}
    assert checks["animation"]["ok"] is True and "video/mp4" in checks["animation"]["detail"]
    assert checks["generation"]["ok"] is True


def test_verify_cannot_check_when_the_animation_bytes_are_gone(
    home: Path, clips: dict[str, Path], generated: dict[str, Path]
) -> None:
    art = generated["folder"] / "second.png"
    from gan.pngrecord import make_record, write_png

    write_png(np.full((16, 16, 3), 9, np.uint8), art, make_record("1" * 64, 1))
    result = invoke(
        "mint", str(art), "--donor", DONOR.address, "--animation", str(clips["gif"]), "--json"
    )
    assert result.exit_code == 0, result.output
    minted = json.loads(result.stdout)
    store = Blockstore.open(home / "ipfs" / "blocks")
    store.unpin(minted["animation_cid"])
    store.gc()
    report = invoke("verify", str(minted["token_id"]), "--json")
    # Gone from the store is no evidence against the work: could not check (exit 4, issue 21).
    assert report.exit_code == 4
    checks = {c["name"]: c for c in json.loads(report.stdout)["checks"]}
    assert checks["animation"]["state"] == "could-not-check"
    assert "cannot read" in checks["animation"]["detail"]
    assert checks["image"]["ok"] is True


@pytest.mark.parametrize(
    "extra,message",
    [
        (["--model", "{other_model}"], "generation record of face.png names"),
        (["--animation", "{png}"], "not an MP4, WebM or GIF"),
        (["--animation", "{mp4}", "--animation-url", "ipfs://x"], "not both"),
        (["--onnx", "{fake_onnx}"], "was not exported from the model"),
    ],
)
def test_bad_attachments_are_one_line_errors(
    home: Path,
    clips: dict[str, Path],
    generated: dict[str, Path],
    tmp_path: Path,
    extra: list[str],
    message: str,
) -> None:
    other_model = tmp_path / "other.msgpack"
    other_model.write_bytes(b"not the model")
    fake_onnx = tmp_path / "g.onnx"
    fake_onnx.write_bytes(b"an export of another model")
    values = {
        "other_model": str(other_model),
        "png": str(generated["png"]),
        "mp4": str(clips["mp4"]),
        "fake_onnx": str(fake_onnx),
    }
    args = [arg.format(**values) for arg in extra]
    art = generated["folder"] / "face.png"
    blocks_before = sorted((home / "ipfs" / "blocks").rglob("*"))
    proc = run_cli("mint", str(art), "--donor", DONOR.address, *args)
    assert proc.returncode == 2, proc.stderr
    assert message in one_line_error(proc.stderr)
    assert sorted((home / "ipfs" / "blocks").rglob("*")) == blocks_before


def test_mint_batch_takes_an_animation_column(
    home: Path, clips: dict[str, Path], generated: dict[str, Path], tmp_path: Path
) -> None:
    from gan.pngrecord import make_record, write_png

    write_png(np.full((16, 16, 3), 77, np.uint8), tmp_path / "a.png", make_record("2" * 64, 1))
    (tmp_path / "walk.webm").write_bytes(clips["webm"].read_bytes())
    csv = tmp_path / "donors.csv"
    csv.write_text(f"artwork,donor,animation\na.png,{DONOR.address},walk.webm\n")
    result = invoke("mint-batch", str(tmp_path), "--donors", str(csv), "--json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["minted"] == 1, doc
    token = doc["rows"][0]["token_id"]
    report = invoke("verify", str(token), "--json")
    checks = {c["name"]: c for c in json.loads(report.stdout)["checks"]}
    assert checks["animation"]["ok"] is True and "video/webm" in checks["animation"]["detail"]


def test_offer_with_animation_and_onnx(
    home: Path, clips: dict[str, Path], generated: dict[str, Path], tmp_path: Path
) -> None:
    from gan.pngrecord import make_record, write_png

    sha = hashlib.sha256(generated["model"].read_bytes()).hexdigest()
    art = tmp_path / "offered.png"
    write_png(np.full((16, 16, 3), 40, np.uint8), art, make_record(sha, 3))
    result = invoke(
        "offer",
        str(art),
        "--min-donation",
        "0.01ether",
        "-o",
        str(tmp_path / "offer.json"),
        "--animation",
        str(clips["webm"]),
        "--model",
        str(generated["model"]),
        "--onnx",
        str(generated["onnx"]),
        "--json",
    )
    assert result.exit_code == 0, result.output
    made = json.loads(result.stdout)
    store = Blockstore.open(home / "ipfs" / "blocks")
    metadata = json.loads(store.cat(made["metadata_cid"]))
    record = metadata["provenance"]["animation"]
    assert record["mime"] == "video/webm" and record["duration"] == 1.5
    assert store.cat(record["cid"]) == clips["webm"].read_bytes()
    assert record["cid"] in store.pins()
    onnx_cid = metadata["provenance"]["generator"]["onnx"]["cid"]
    assert store.cat(onnx_cid) == generated["onnx"].read_bytes()


def test_model_found_in_a_run_folder(generated: dict[str, Path], tmp_path: Path) -> None:
    from provenance.content.artwork import load_artwork
    from provenance.content.attachments import load_attachments
    from provenance.errors import InputError

    run = tmp_path / "run"
    (run / "exports").mkdir(parents=True)
    (run / "exports" / "generator-step000001.msgpack").write_bytes(b"an older export")
    (run / "exports" / "generator-step000002.msgpack").write_bytes(generated["model"].read_bytes())
    found = load_attachments(load_artwork(generated["png"]), model=run)
    assert found.model is not None and found.model.path.name == "generator-step000002.msgpack"
    with pytest.raises(InputError, match="no model in"):
        load_attachments(load_artwork(generated["other"]), model=run)
