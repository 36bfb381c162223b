"""Scale: every resolution end to end at tiny widths, bf16 mixed precision, and multi-host
data-parallel training with two CPU processes over loopback (Gloo) matching one process."""

from __future__ import annotations

import dataclasses
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from gan.configs.default import Config
from gan.export import read_export
from gan.input_pipeline import Dataset, load_dataset
from gan.sample import generate, load_model
from gan.train import train_and_evaluate


@pytest.mark.parametrize("resolution", [32, 64, 128, 256])
def test_every_resolution_end_to_end(tmp_path: Path, tiny_config: Config, resolution: int) -> None:
    from gan.metrics import compare

    cfg = dataclasses.replace(
        tiny_config, resolution=resolution, steps=2, batch_size=2, ngf=4, ndf=4, num_samples=1
    )
    data = load_dataset("builtin:lfw", resolution)
    data = dataclasses.replace(data, images=data.images[:8])
    train_and_evaluate(cfg, tmp_path, dataset=data)
    model = load_model(tmp_path)
    image = generate(model, 1)
    assert image.shape == (resolution, resolution, 3) and image.dtype == np.uint8
    res = compare(data.images, np.stack([image, generate(model, 2), generate(model, 3)]))
    assert np.isfinite(res.fd) and res.fd > 0


def test_bf16_mixed_precision_keeps_float32_state(
    tmp_path: Path, tiny_config: Config, tiny_dataset: Dataset
) -> None:
    import jax
    import jax.numpy as jnp

    from gan.train import _init_state, jit_train_step

    cfg = dataclasses.replace(tiny_config, precision="bf16", steps=3)
    state, g_def, d_def = _init_state(cfg)
    r = cfg.resolution
    args = (
        state,
        jnp.zeros((cfg.batch_size, r, r, 3)),
        jax.random.key(0),
        jax.random.key(1),
        jnp.float32(0),
    )
    lowered = jit_train_step(cfg, g_def, d_def).lower(*args).as_text()
    assert "bf16" in lowered  # the passes run in bfloat16
    new_state, _ = jit_train_step(cfg, g_def, d_def)(*args)
    dtypes = {str(x.dtype) for x in jax.tree.leaves(new_state) if hasattr(x, "dtype")}
    assert "bfloat16" not in dtypes  # parameters, EMA and Adam state stay float32

    mixed = train_and_evaluate(cfg, tmp_path / "bf16", dataset=tiny_dataset).history
    full = train_and_evaluate(
        dataclasses.replace(cfg, precision="f32"), tmp_path / "f32", dataset=tiny_dataset
    ).history
    np.testing.assert_allclose(
        [h["d_loss"] for h in mixed], [h["d_loss"] for h in full], rtol=0.02, atol=0.02
    )
    exported = read_export(tmp_path / "bf16")
    assert all(np.asarray(v).dtype == np.float32 for v in jax.tree.leaves(exported.params))


_WORKER = """
import dataclasses, json, sys
from gan.distributed import Processes, initialize
initialize(Processes(sys.argv[1], 2, int(sys.argv[2])))
import jax
from gan.configs.default import Config
from gan.input_pipeline import load_dataset
from gan.train import train_and_evaluate
cfg = Config.from_dict(json.loads(sys.argv[3]))
full = load_dataset("builtin:digits", 32)
mine = dataclasses.replace(full, images=full.images[:32][jax.process_index()::2])
first = train_and_evaluate(cfg, sys.argv[4], dataset=mine, stop_after=3)
second = train_and_evaluate(cfg, sys.argv[4], dataset=mine)
print(json.dumps({"history": first.history + second.history, "resumed": second.resumed_from,
                  "export": str(second.export_path), "devices": len(jax.devices())}))
"""


def test_two_processes_match_one(
    tmp_path: Path, tiny_config: Config, tiny_dataset: Dataset
) -> None:
    cfg = dataclasses.replace(tiny_config, data_shards=2, checkpoint_every=2)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**os.environ, "JAX_PLATFORMS": "cpu"}
    env.pop("XLA_FLAGS", None)
    run = tmp_path / "two"
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-c",
                _WORKER,
                f"127.0.0.1:{port}",
                str(i),
                json.dumps(cfg.to_dict()),
                str(run),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for i in range(2)
    ]
    outs = [p.communicate(timeout=400) for p in procs]
    for p, (out, err) in zip(procs, outs, strict=True):
        assert p.returncode == 0, err[-3000:]
    results = [json.loads(out.strip().splitlines()[-1]) for out, _ in outs]
    assert all(r["devices"] == 2 and r["resumed"] == 3 for r in results)
    assert results[0]["history"] == results[1]["history"]  # one computation, two processes

    single = train_and_evaluate(cfg, tmp_path / "one", dataset=tiny_dataset)
    for two, one in zip(results[0]["history"], single.history, strict=True):
        assert two["step"] == one["step"]
        np.testing.assert_allclose(
            [two["d_loss"], two["g_loss"]], [one["d_loss"], one["g_loss"]], rtol=1e-3, atol=1e-4
        )
    a, b = read_export(run), read_export(tmp_path / "one")
    assert a.step == b.step == 6
    # Adam moves a parameter by about lr per step whatever the gradient's size, so the summation
    # order of a near-zero gradient (two processes vs one) can shift it by up to steps * lr.
    np.testing.assert_allclose(_flat(a.params), _flat(b.params), atol=cfg.steps * cfg.lr_g)
    # Checkpoints written by the two processes: the saved steps, readable by one process.
    assert sorted(p.name for p in (run / "checkpoints").iterdir() if p.name.isdigit()) == ["4", "6"]
    resumed = train_and_evaluate(dataclasses.replace(cfg, steps=8), run, dataset=tiny_dataset)
    assert resumed.resumed_from == 6 and resumed.step == 8


def _flat(tree: object) -> np.ndarray:
    import jax

    return np.concatenate([np.ravel(np.asarray(v)) for v in jax.tree.leaves(tree)])
