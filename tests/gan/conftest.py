from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("jax")

from gan.configs.default import Config, get_config
from gan.input_pipeline import Dataset, load_dataset


@pytest.fixture(scope="session", autouse=True)
def _compilation_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    # Runs with the same tiny config share compiled steps through a session-local cache.
    from gan.sample import enable_compilation_cache

    enable_compilation_cache(tmp_path_factory.mktemp("jax-cache"))


@pytest.fixture(scope="session")
def tiny_config() -> Config:
    return get_config(
        data="builtin:digits",
        resolution=32,
        steps=6,
        batch_size=8,
        z_dim=16,
        ngf=8,
        ndf=8,
        sample_every=1000,
        checkpoint_every=3,
        log_every=1,
        num_samples=4,
    )


@pytest.fixture(scope="session")
def tiny_dataset() -> Dataset:
    full = load_dataset("builtin:digits", 32)
    return dataclasses.replace(full, images=np.ascontiguousarray(full.images[:32]))


@pytest.fixture(scope="session")
def trained_run(
    tmp_path_factory: pytest.TempPathFactory, tiny_config: Config, tiny_dataset: Dataset
) -> Path:
    from gan.train import train_and_evaluate

    run = tmp_path_factory.mktemp("run")
    train_and_evaluate(tiny_config, run, dataset=tiny_dataset)
    return run
