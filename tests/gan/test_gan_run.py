"""Training as people run it: progress lines in a pipe, Ctrl-C, settings that differ; many
artworks in one `gan generate`; a wrong output extension."""

from __future__ import annotations

import dataclasses
import json
import os
import shlex
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

from gan.configs.default import Config
from gan.errors import DataError
from gan.export import read_export
from gan.input_pipeline import Dataset
from gan.train import train_and_evaluate
from provenance.cli import cli
from provenance.cli.gan import parse_seeds
from provenance.errors import InputError


def test_stop_request_checkpoints_and_resume_matches(
    tmp_path: Path, trained_run: Path, tiny_config: Config, tiny_dataset: Dataset
) -> None:
    asked = []

    def should_stop() -> bool:
        asked.append(1)
        return len(asked) >= 4  # "Ctrl-C" during step 4

    stopped = train_and_evaluate(
        tiny_config, tmp_path, dataset=tiny_dataset, should_stop=should_stop
    )
    assert stopped.interrupted and stopped.step == 4 and stopped.export_path is None
    assert not (tmp_path / "exports").exists()
    resumed = train_and_evaluate(tiny_config, tmp_path, dataset=tiny_dataset)
    assert resumed.resumed_from == 4 and not resumed.interrupted
    assert read_export(tmp_path).sha256 == read_export(trained_run).sha256


def test_config_mismatch_names_each_setting(
    trained_run: Path, tiny_config: Config, tiny_dataset: Dataset
) -> None:
    other = dataclasses.replace(tiny_config, batch_size=4, seed=1, sample_every=7)
    with pytest.raises(DataError) as info:
        train_and_evaluate(other, trained_run, dataset=tiny_dataset)
    message = str(info.value)
    assert "batch_size: run has 8, this call 4" in message
    assert "seed: run has 0, this call 1" in message
    assert "sample_every" not in message  # a schedule setting may change on resume


def test_run_saved_before_new_settings_resumes(tmp_path: Path, tiny_config: Config) -> None:
    from gan.train import config_differences

    older = {k: v for k, v in tiny_config.to_dict().items() if k not in ("align", "precision")}
    assert config_differences(older, tiny_config) == []
    assert config_differences(older, dataclasses.replace(tiny_config, precision="bf16")) == [
        "precision: run has 'f32', this call 'bf16'"
    ]


def _cli_env(tmp_path: Path) -> dict[str, str]:
    return {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "xdg"), "JAX_PLATFORMS": "cpu"}


def test_pipe_progress_lines_and_ctrl_c(tmp_path: Path) -> None:
    run = tmp_path / "run"
    args = ["gan", "train", "--data", "builtin:digits", "--steps", "100000", "--out", str(run)]
    args += ["--width", "4", "--batch-size", "4", "--progress-every", "2"]
    prog = "from provenance.cli import main; main()"
    proc = subprocess.Popen(
        [sys.executable, "-c", prog, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_cli_env(tmp_path),
    )
    assert proc.stdout is not None
    lines = []
    for line in proc.stdout:  # arrives while training runs: stdout is a pipe, not a terminal
        lines.append(line)
        if line.startswith("step 6/"):
            proc.send_signal(signal.SIGINT)
            break
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert lines[0].startswith("step 1/100000  d_loss ")
    assert "img/s  ETA " in lines[1] and lines[1].startswith("step 2/100000")
    stopped_at = int(err.split("interrupted at step ")[1].split()[0])
    assert stopped_at >= 6
    resume = err.strip().splitlines()[-1]
    assert resume.startswith("resume with: provenance gan train ")
    steps = sorted(int(p.name) for p in (run / "checkpoints").iterdir() if p.name.isdigit())
    assert steps[-1] == stopped_at
    # The printed command (with a nearer end, and --json) resumes from that checkpoint.
    resumed_args = shlex.split(resume.removeprefix("resume with: provenance "))
    resumed_args[resumed_args.index("--steps") + 1] = str(stopped_at + 2)
    done = subprocess.run(
        [sys.executable, "-c", prog, *resumed_args, "--json"],
        capture_output=True,
        text=True,
        env=_cli_env(tmp_path),
        timeout=240,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["resumed_from"] == stopped_at
    assert done.stderr.count("step ") >= 1  # with --json the progress lines go to stderr


@pytest.mark.parametrize(
    ("extra", "needle"),
    [
        (["--batch-size", "5", "--num-processes", "2", "--coordinator", "127.0.0.1:1"], "split"),
        (["--num-processes", "2", "--process-id", "2", "--coordinator", "127.0.0.1:1"], "0..1"),
        (["--num-processes", "2"], "coordinator"),
    ],
)
def test_bad_multihost_options(tmp_path: Path, extra: list[str], needle: str) -> None:
    args = ["gan", "train", "--data", "builtin:digits", "--out", str(tmp_path / "run"), *extra]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0], result.stderr


def test_parse_seeds() -> None:
    assert parse_seeds("1-3") == [1, 2, 3]
    assert parse_seeds("3,7,9-10,3") == [3, 7, 9, 10]
    for bad in ("", "a", "5-2", "-1", "1-"):
        with pytest.raises(InputError):
            parse_seeds(bad)


def test_generate_many_seeds_in_one_process(tmp_path: Path, trained_run: Path) -> None:
    out = tmp_path / "works"
    result = CliRunner().invoke(
        cli, ["gan", "generate", "--model", str(trained_run), "--seeds", "1-3", "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in out.iterdir())
    assert names == ["seed000001.png", "seed000002.png", "seed000003.png"]
    single = tmp_path / "two.png"
    result = CliRunner().invoke(
        cli, ["gan", "generate", "--model", str(trained_run), "--seed", "2", "-o", str(single)]
    )
    assert result.exit_code == 0, result.output
    with Image.open(out / "seed000002.png") as a, Image.open(single) as b:
        assert np.array_equal(np.asarray(a), np.asarray(b))
        assert a.text["provenance"] == b.text["provenance"]


@pytest.mark.parametrize(
    ("extra", "needle"),
    [
        (["--seed", "1", "-o", "art.jpg"], "name the output .png"),
        (["--seeds", "1-2", "-o", "art.png"], "-o is a folder"),
        (["-o", "art.png"], "exactly one of"),
    ],
)
def test_generate_refuses_a_wrong_output(
    tmp_path: Path,
    trained_run: Path,
    extra: list[str],
    needle: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["gan", "generate", "--model", str(trained_run), *extra])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0], result.stderr
    assert list(tmp_path.iterdir()) == []
