"""What the gan commands share: error translation, JSON output, loading a model, seeds, the
training set's CID."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from provenance.errors import InputError, ProvenanceError


@contextmanager
def gan_errors() -> Iterator[None]:
    from gan.errors import DataError, GanError, ModelFileError, TrainingDiverged

    try:
        yield
    except (DataError, ModelFileError) as exc:
        raise InputError(str(exc)) from exc
    except TrainingDiverged as exc:
        raise ProvenanceError(f"training diverged: {exc}", step=exc.step) from exc
    except GanError as exc:
        raise InputError(str(exc)) from exc


def training_set(dataset: Any, data: str) -> dict[str, Any]:
    """The training record of ``dataset`` (``gan.input_pipeline.training_record``), with the CID of
    the data folder exactly as ``provenance ipfs add -r DATA`` gives it (default profile).

    The CID is computed here, in the one layer that may import both ``gan`` and ``provenance``:
    the project keeps one UnixFS importer (checked against Kubo), and ``gan`` stays free of it."""
    from gan.input_pipeline import training_record

    if data.startswith("builtin:"):
        return training_record(dataset)
    from provenance.ipfs import DEFAULT_PROFILE, add_path

    cid = add_path(Path(data), params=DEFAULT_PROFILE).cid
    return training_record(dataset, data_cid=str(cid), cid_profile=DEFAULT_PROFILE)


def print_json(data: dict[str, Any]) -> None:
    click.echo(json.dumps(data, indent=2, sort_keys=True))


def load_model(model: str) -> Any:
    from gan.sample import enable_compilation_cache, load_model

    enable_compilation_cache()
    return load_model(model)


def parse_seeds(text: str) -> list[int]:
    """``1-100``, ``3,7,9`` or a mix (``1-5,9``) -> the seeds, in order, without repeats."""
    seeds: list[int] = []
    try:
        for part in (p.strip() for p in text.split(",")):
            if not part:
                continue
            low, dash, high = part.partition("-")
            first, last = int(low), int(high) if dash else int(low)
            if first > last:
                raise ValueError
            seeds += [s for s in range(first, last + 1) if s not in seeds]
    except ValueError as exc:
        raise InputError(f"--seeds must look like 1-100 or 3,7,9 (got {text!r})") from exc
    if not seeds or min(seeds) < 0 or max(seeds) > 2**32 - 1:
        raise InputError(f"--seeds must name seeds from 0 to 2^32-1 (got {text!r})")
    if len(seeds) > 100_000:
        raise InputError(f"--seeds names {len(seeds)} seeds; at most 100000 in one run")
    return seeds
