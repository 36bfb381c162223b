"""A model's identity never changes: an export is written once, and a work generated from it
regenerates after any re-run of the training command in the same folder."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from gan.configs.default import Config
from gan.export import file_sha256, list_exports, read_export
from gan.input_pipeline import Dataset
from gan.pngrecord import make_record, write_png
from gan.regenerate import regenerate_and_compare
from gan.sample import generate, load_model
from gan.train import train_and_evaluate


def test_rerun_with_fewer_steps_keeps_the_model(
    tmp_path: Path, tiny_config: Config, tiny_dataset: Dataset
) -> None:
    run = tmp_path / "run"
    first = train_and_evaluate(tiny_config, run, dataset=tiny_dataset)
    model = load_model(run)
    art = tmp_path / "art.png"
    write_png(generate(model, 5), art, make_record(model.export.sha256, 5))
    sha_before = file_sha256(first.export_path)

    # The user runs the same command again with a smaller --steps: nothing to train.
    again = train_and_evaluate(dataclasses.replace(tiny_config, steps=3), run, dataset=tiny_dataset)
    assert again.export_path == first.export_path
    assert file_sha256(first.export_path) == sha_before
    assert list_exports(run) == [first.export_path]
    result = regenerate_and_compare(art, run)
    assert result.match, result.reason

    # Training on gives a different state: a new file; the old one stays, and the record finds it.
    more = train_and_evaluate(dataclasses.replace(tiny_config, steps=8), run, dataset=tiny_dataset)
    assert more.export_path != first.export_path
    assert list_exports(run) == [first.export_path, more.export_path]
    assert file_sha256(first.export_path) == sha_before
    assert read_export(run).path == more.export_path  # the folder's latest
    assert regenerate_and_compare(art, run).match


def test_export_name_carries_step_and_digest(trained_run: Path) -> None:
    exported = read_export(trained_run)
    assert exported.path.name == f"generator-step000006-{exported.sha256[:16]}.msgpack"
    assert exported.config.steps == exported.step == 6
