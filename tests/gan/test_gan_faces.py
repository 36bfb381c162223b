"""Face-descriptor metrics (dlib's 128-D space), the memorisation check, and `gan generate`
refusing near-copies of a training face."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

from gan.faces import SAME_PERSON, compare_faces, face_descriptors, nearest_training_face
from provenance.cli import cli


@pytest.fixture(scope="module")
def lfw64() -> np.ndarray:
    from skimage.data import lfw_subset

    faces = lfw_subset()[:100]  # type: ignore[no-untyped-call]
    return np.stack(
        [
            np.asarray(Image.fromarray((f * 255).astype(np.uint8)).resize((64, 64)).convert("RGB"))
            for f in faces
        ]
    )


def test_same_face_is_the_same_person_others_are_not(lfw64: np.ndarray) -> None:
    from skimage.data import astronaut

    face = np.asarray(Image.fromarray(astronaut()).crop((160, 60, 290, 190)).resize((64, 64)))  # type: ignore[no-untyped-call]
    shifted = np.asarray(Image.fromarray(astronaut()).crop((166, 64, 296, 194)).resize((64, 64)))  # type: ignore[no-untyped-call]
    d = face_descriptors(np.stack([face, shifted]))
    others = face_descriptors(lfw64[:10])
    assert d.shape == (2, 128)
    assert np.linalg.norm(d[0] - d[1]) < SAME_PERSON  # the same sitter, framed a little apart
    assert nearest_training_face(d[:1], others).distances[0] > SAME_PERSON


def test_face_fd_ranks_faces_above_noise_and_flags_copies(lfw64: np.ndarray) -> None:
    rng = np.random.default_rng(0)
    real, held_out = lfw64[:60], lfw64[60:]
    noise = rng.integers(0, 255, (40, 64, 64, 3), dtype=np.uint8)
    faces = compare_faces(real, held_out)
    blobs = compare_faces(real, noise)
    # 60 faces in 128 dimensions: FD carries a large small-sample bias (the floor, from two halves
    # of 30, is above real-vs-held-out); KID is unbiased and separates faces from noise clearly.
    assert faces.fd_floor > 0 and blobs.fd > 2 * faces.fd
    assert blobs.kid > 100 * max(faces.kid, 1e-6)
    # (Blurred 25 px greyscale crops: many LFW faces sit within 0.6 of another; the threshold
    # is meant for sharp colour faces, see docs/gan/portraits.md.)
    copied = np.concatenate([held_out[:5], real[7:8]])
    flagged = compare_faces(real, copied).memorisation
    assert 5 in flagged.flagged and flagged.nearest[5] == 7 and flagged.distances[5] < 1e-6
    assert flagged.distances[:5].min() > 0.2


def test_generate_refuses_a_near_copy(tmp_path: Path, trained_run: Path) -> None:
    runner = CliRunner()
    art = tmp_path / "art.png"
    assert (
        runner.invoke(
            cli, ["gan", "generate", "--model", str(trained_run), "--seed", "3", "-o", str(art)]
        ).exit_code
        == 0
    )
    copies = tmp_path / "training"
    copies.mkdir()
    Image.open(art).convert("RGB").save(copies / "sitter.png")  # the work is in the training set
    again = tmp_path / "again.png"
    args = ["gan", "generate", "--model", str(trained_run), "--data", str(copies)]
    refused = runner.invoke(
        cli, [*args, "--seed", "3", "-o", str(again), "--max-identity-similarity", "0.4"]
    )
    assert refused.exit_code == 1
    assert "near-copy of training image 0" in refused.stderr and not again.exists()
    kept = runner.invoke(
        cli,
        [
            *args,
            "--seeds",
            "3-4",
            "-o",
            str(tmp_path / "many"),
            "--max-identity-similarity",
            "0.99",
            "--json",
        ],
    )
    assert kept.exit_code == 0, kept.output
    out = json.loads(kept.stdout)
    assert [r["seed"] for r in out["refused"]] == [3]
    assert [Path(o["output"]).name for o in out["outputs"]] == ["seed000004.png"]
    assert 0 < out["outputs"][0]["identity"]["distance"]


def test_evaluate_reports_face_space_and_how_to_read_it(trained_run: Path) -> None:
    args = ["gan", "evaluate", "--model", str(trained_run), "--data", "builtin:digits"]
    args += ["--samples", "20", "--face-real", "30"]
    result = CliRunner().invoke(cli, [*args, "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["face"]["n_real"] == 30 and out["face"]["n_fake"] == 20
    assert out["face"]["fd"] > out["face"]["fd_floor"] > 0
    assert out["memorisation"]["threshold"] == 0.6 and out["memorisation"]["min_distance"] > 0
    # Digits are no faces, and a 6-step model makes none.
    assert out["faces_found"] == {"generated": 0.0, "real": 0.0, "ratio": None}
    text = CliRunner().invoke(cli, args).stdout
    assert "face FD: lower = generated faces closer" in text
    assert "real-vs-real floor" in text.split("face FD ")[1]
    assert "memorisation: " in text
    assert "faces found: 0% of 20 generated, 0% of 30 real (ratio n/a)" in text
    # The shipped face model on its own training faces: faces found in both.
    default_model = Path(__file__).resolve().parents[2] / "gan/default_model/generator.msgpack"
    faces = CliRunner().invoke(
        cli,
        ["gan", "evaluate", "--model", str(default_model), "--data", "builtin:lfw",
         "--samples", "10", "--face-real", "10", "--json"],
    )  # fmt: skip
    assert faces.exit_code == 0, faces.output
    found = json.loads(faces.stdout)["faces_found"]
    assert found["generated"] >= 0.7 and found["real"] >= 0.7
