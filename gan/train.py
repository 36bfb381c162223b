"""Training: ``train_and_evaluate(config, workdir)``, as in the Flax examples.

The run folder holds ``config.json``, ``metrics.jsonl`` (one JSON object per logged step),
``samples/step_NNNNNN.png`` grids from the EMA generator, ``checkpoints/`` (Orbax
``CheckpointManager``; a second call resumes from the latest step and produces the same losses as an
uninterrupted run) and ``exports/`` (the compact inference file, see ``gan.export``).

Randomness: the config's seed becomes named ``nnx.Rngs`` streams for parameters; the training loop
derives every step's keys with ``jax.random.fold_in(stream, step)``, and the batch indices are a pure
function of (seed, step), so nothing depends on how many steps ran before a restart.

Data parallelism: the batch is sharded over all devices along a one-axis ``Mesh`` and the
parameters are replicated; XLA inserts the gradient all-reduce. Multi-host (after
``jax.distributed.initialize``, see ``gan.distributed``): the mesh spans every process's devices,
each process holds only its shard of the images (``load_dataset(shard=(process, count))``) and
draws its part of each batch from it; ``config.data_shards`` equals the process count, and a
single process with the same ``data_shards`` draws the same batches (so results match). Every
process runs every step and every checkpoint save (Orbax coordinates them); process 0 alone writes
config.json, metrics, samples and the export.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import optax
import orbax.checkpoint as ocp
from flax import nnx
from jax.sharding import Mesh, NamedSharding, PartitionSpec

from gan import export as export_mod
from gan.augment import diff_augment, parse_policy
from gan.configs.default import Config
from gan.errors import DataError, TrainingDiverged
from gan.input_pipeline import Dataset, batch_indices, load_dataset
from gan.models import Discriminator, Generator
from gan.sample import save_grid

__all__ = [
    "SCHEDULE_SETTINGS",
    "TRAIN_COMPILER_OPTIONS",
    "TrainResult",
    "build_models",
    "config_differences",
    "jit_train_step",
    "make_train_step",
    "train_and_evaluate",
]

Params = dict[str, Any]


@dataclass(frozen=True)
class TrainResult:
    workdir: Path
    step: int
    resumed_from: int | None
    history: list[dict[str, float]]  # metrics of the steps run by this call
    export_path: Path | None  # None when interrupted (the checkpoint holds the state)
    dataset_size: int
    skipped: int
    interrupted: bool = False


# Settings a run may change between calls: they schedule logging and saving, not the trajectory.
SCHEDULE_SETTINGS = frozenset({"steps", "sample_every", "checkpoint_every", "log_every"})


def config_differences(saved: dict[str, Any], config: Config) -> list[str]:
    """``name: run has X, this call Y`` for each trajectory setting that differs. A setting the
    saved run predates counts as its default (what that run trained with)."""
    try:
        saved = Config.from_dict(saved).to_dict()
    except (TypeError, ValueError):
        pass  # unreadable values are compared as they are, and so reported
    current = config.to_dict()
    out = []
    for name in sorted(set(saved) | set(current)):
        if name in SCHEDULE_SETTINGS:
            continue
        if saved.get(name) != current.get(name):
            out.append(f"{name}: run has {saved.get(name)!r}, this call {current.get(name)!r}")
    return out


def _streams(seed: int) -> nnx.Rngs:
    return nnx.Rngs(params=seed, noise=seed + 1, augment=seed + 2, sample=seed + 3)


def build_models(config: Config, rngs: nnx.Rngs) -> tuple[Generator, Discriminator]:
    g = Generator(z_dim=config.z_dim, resolution=config.resolution, ngf=config.ngf, rngs=rngs)
    d = Discriminator(resolution=config.resolution, ndf=config.ndf, rngs=rngs)
    return g, d


def _optimizers(
    config: Config,
) -> tuple[optax.GradientTransformation, optax.GradientTransformation]:
    tx_g = optax.adam(config.lr_g, b1=config.beta1, b2=config.beta2)
    tx_d = optax.adam(config.lr_d, b1=config.beta1, b2=config.beta2)
    return tx_g, tx_d


def make_train_step(
    config: Config, g_def: nnx.GraphDef[Generator], d_def: nnx.GraphDef[Discriminator]
) -> Callable[
    [Params, jax.Array, jax.Array, jax.Array, jax.Array], tuple[Params, dict[str, jax.Array]]
]:
    """A pure (state, real, noise_key, augment_key, step) -> (state, metrics) step: one D update,
    one G update (hinge losses), one EMA update. Augmentation hits real and fake images in both
    steps."""
    tx_g, tx_d = _optimizers(config)
    policy = parse_policy(config.augment)
    compute = jnp.bfloat16 if config.precision == "bf16" else jnp.float32

    def low(tree: Any) -> Any:
        # Mixed precision: the float32 master parameters are cast for the pass; gradients flow
        # back through the cast, so they (and Adam's state) stay float32.
        return jax.tree.map(lambda p: p.astype(compute), tree) if compute != jnp.float32 else tree

    def aug(x: jax.Array, key: jax.Array) -> jax.Array:
        return diff_augment(x, key, policy) if policy else x

    def d_loss_fn(d_params: Params, fake: jax.Array, real: jax.Array, key: jax.Array) -> jax.Array:
        d = nnx.merge(d_def, low(d_params))
        k_real, k_fake = jax.random.split(key)
        real_logits = d(aug(real.astype(compute), k_real)).astype(jnp.float32)
        fake_logits = d(aug(fake.astype(compute), k_fake)).astype(jnp.float32)
        return jnp.mean(jax.nn.relu(1.0 - real_logits)) + jnp.mean(jax.nn.relu(1.0 + fake_logits))

    def g_loss_fn(g_params: Params, d_params: Params, z: jax.Array, key: jax.Array) -> jax.Array:
        fake = nnx.merge(g_def, low(g_params))(z.astype(compute), fast=True)
        return -jnp.mean(nnx.merge(d_def, low(d_params))(aug(fake, key)).astype(jnp.float32))

    def step(
        state: Params,
        real: jax.Array,
        noise_key: jax.Array,
        augment_key: jax.Array,
        step: jax.Array,
    ) -> tuple[Params, dict[str, jax.Array]]:
        n = real.shape[0]
        kz_d, kz_g = jax.random.split(noise_key)
        ka_d, ka_g = jax.random.split(augment_key)
        fake = jax.lax.stop_gradient(
            nnx.merge(g_def, low(state["g"]))(
                jax.random.normal(kz_d, (n, config.z_dim)).astype(compute), fast=True
            )
        )
        d_loss, d_grads = jax.value_and_grad(d_loss_fn)(state["d"], fake, real, ka_d)
        d_updates, opt_d = tx_d.update(d_grads, state["opt_d"], state["d"])
        d_params = optax.apply_updates(state["d"], d_updates)

        z = jax.random.normal(kz_g, (n, config.z_dim))
        g_loss, g_grads = jax.value_and_grad(g_loss_fn)(state["g"], d_params, z, ka_g)
        g_updates, opt_g = tx_g.update(g_grads, state["opt_g"], state["g"])
        g_params = optax.apply_updates(state["g"], g_updates)
        # EMA warm-up: early on the average would be dominated by the random initialisation.
        decay = jnp.minimum(config.ema_decay, (1.0 + step) / (10.0 + step))
        ema = jax.tree.map(lambda e, p: decay * e + (1.0 - decay) * p, state["ema"], g_params)
        new_state = {"g": g_params, "d": d_params, "ema": ema, "opt_g": opt_g, "opt_d": opt_d}
        return new_state, {"d_loss": d_loss, "g_loss": g_loss}

    return step


# XLA:CPU in jaxlib 0.10.2 (pinned) hands convolutions to YNNPACK by default; on this model's
# shapes (few channels at the high resolutions, 2x2 sub-pixel and space-to-depth kernels, and the
# weight-gradient convolutions with batch-major operands) its kernels run at 35-55 GFLOP/s and the
# whole step is 1.2-1.4x slower than with XLA's own Eigen convolutions (README, "Figures"). An
# empty fusion list turns the YNNPACK fusions off for the training step only: generation keeps the
# default backend, so the pixels of artworks already made do not change.
TRAIN_COMPILER_OPTIONS: dict[str, str] = {"xla_cpu_experimental_ynn_fusion_type": ""}


def jit_train_step(
    config: Config,
    g_def: nnx.GraphDef[Generator],
    d_def: nnx.GraphDef[Discriminator],
    *,
    tuned: bool = True,
) -> Any:
    """``make_train_step`` jitted as training runs it: state donated, CPU compiler options set
    (``tuned=False`` leaves XLA's defaults, for the benchmark's comparison)."""
    options = TRAIN_COMPILER_OPTIONS if tuned and jax.default_backend() == "cpu" else None
    return jax.jit(
        make_train_step(config, g_def, d_def), donate_argnums=(0,), compiler_options=options
    )


def _init_state(
    config: Config,
) -> tuple[Params, nnx.GraphDef[Generator], nnx.GraphDef[Discriminator]]:
    g, d = build_models(config, _streams(config.seed))
    g_def, g_state = nnx.split(g)
    d_def, d_state = nnx.split(d)
    g_params, d_params = nnx.to_pure_dict(g_state), nnx.to_pure_dict(d_state)
    tx_g, tx_d = _optimizers(config)
    state = {
        "g": g_params,
        "d": d_params,
        "ema": jax.tree.map(jnp.copy, g_params),
        "opt_g": tx_g.init(g_params),
        "opt_d": tx_d.init(d_params),
    }
    return state, g_def, d_def


def _step_keys(seed: int) -> tuple[jax.Array, jax.Array, jax.Array]:
    rngs = _streams(seed)
    return rngs.noise(), rngs.augment(), rngs.sample()


def _read_metrics(path: Path, *, up_to: int) -> list[str]:
    if not path.is_file():
        return []
    return [ln for ln in path.read_text().splitlines() if ln and json.loads(ln)["step"] <= up_to]


def train_and_evaluate(
    config: Config,
    workdir: str | os.PathLike[str],
    *,
    dataset: Dataset | None = None,
    on_step: Callable[[int, dict[str, float]], None] | None = None,
    stop_after: int | None = None,
    should_stop: Callable[[], bool] | None = None,
    training: dict[str, Any] | None = None,
) -> TrainResult:
    """Train (or resume) the run in ``workdir``; returns the exported EMA generator's path.

    ``stop_after`` ends this call after that global step (a checkpoint is written), as if the
    process had been interrupted there: the next call resumes from it. ``should_stop`` is asked
    after every step (the CLI's Ctrl-C handler sets it): when it says yes, the state of the last
    finished step is checkpointed and the result is ``interrupted`` (nothing exported).
    ``training`` (what the model was trained on) is written into the export.
    """
    workdir = Path(workdir).absolute()
    workdir.mkdir(parents=True, exist_ok=True)
    config_path = workdir / "config.json"
    if config_path.is_file():
        differences = config_differences(json.loads(config_path.read_text()), config)
        if differences:
            raise DataError(
                f"{workdir} holds a run with other settings ({'; '.join(differences)}): "
                "repeat its settings to resume, or use a new --out"
            )
    if dataset is None:
        dataset = load_dataset(
            config.data, config.resolution, cache_dir=workdir / "cache", align=config.align
        )
    images = dataset.images
    if images.shape[1:] != (config.resolution, config.resolution, 3):
        raise DataError(f"dataset images are {images.shape[1:]}, expected {config.resolution} px")
    processes, me = jax.process_count(), jax.process_index()
    if processes > 1 and config.data_shards != processes:
        raise DataError(f"{processes} processes need data_shards={processes}")
    lead = me == 0  # the one process that writes files other than checkpoints
    if lead:
        export_mod.atomic_write_text(config_path, json.dumps(config.to_dict(), indent=2) + "\n")

    devices = jax.devices()
    if config.batch_size % len(devices):
        raise DataError(
            f"batch size {config.batch_size} is not divisible by {len(devices)} devices"
        )
    mesh = Mesh(np.array(devices), ("data",))
    replicated = NamedSharding(mesh, PartitionSpec())  # type: ignore[no-untyped-call]
    batch_sharding = NamedSharding(mesh, PartitionSpec("data"))  # type: ignore[no-untyped-call]
    # The images each batch part is drawn from: this process's shard, or (one process) all shards.
    parts = (
        [images]
        if processes > 1
        else [images[k :: config.data_shards] for k in range(config.data_shards)]
    )
    part_ids = [me] if processes > 1 else list(range(config.data_shards))
    part_size = config.batch_size // config.data_shards

    def global_batch(step: int) -> Any:
        if config.data_shards == 1:
            idx = batch_indices(len(images), config.batch_size, seed=config.seed, step=step)
            local = images[idx]
        else:
            local = np.concatenate(
                [
                    part[batch_indices(len(part), part_size, seed=config.seed, step=step, shard=k)]
                    for part, k in zip(parts, part_ids, strict=True)
                ]
            )
        if processes == 1:
            return jax.device_put(local, batch_sharding)
        shape = (config.batch_size, *local.shape[1:])
        return jax.make_array_from_process_local_data(  # type: ignore[no-untyped-call]
            batch_sharding, local, shape
        )

    state, g_def, d_def = _init_state(config)
    manager = ocp.CheckpointManager(
        workdir / "checkpoints",
        options=ocp.CheckpointManagerOptions(max_to_keep=2, create=True),
    )
    start, resumed_from = 0, manager.latest_step()
    if resumed_from is not None:
        abstract = jax.tree.map(
            lambda x: jax.ShapeDtypeStruct(  # type: ignore[no-untyped-call]
                x.shape, x.dtype, sharding=replicated
            ),
            state,
        )
        state = manager.restore(resumed_from, args=ocp.args.StandardRestore(abstract))
        start = resumed_from
    state = jax.device_put(state, replicated)
    metrics_path = workdir / "metrics.jsonl"
    if lead:
        kept = _read_metrics(metrics_path, up_to=start)
        export_mod.atomic_write_text(metrics_path, "".join(ln + "\n" for ln in kept))

    train_step = jit_train_step(config, g_def, d_def)
    noise_base, augment_base, sample_key = _step_keys(config.seed)
    sample_z = jax.random.normal(sample_key, (config.num_samples, config.z_dim))
    generate = jax.jit(lambda params, z: nnx.merge(g_def, params)(z))

    end = config.steps if stop_after is None else min(config.steps, stop_after)
    history: list[dict[str, float]] = []
    interrupted = False
    with metrics_path.open("a") if lead else open(os.devnull, "w") as log:
        for step in range(start, end):
            real = global_batch(step)
            state, metrics = train_step(
                state,
                real,
                jax.random.fold_in(noise_base, step),
                jax.random.fold_in(augment_base, step),
                jnp.asarray(step, jnp.float32),
            )
            values = {k: float(v) for k, v in metrics.items()}
            if not all(math.isfinite(v) for v in values.values()):
                raise TrainingDiverged(f"loss became {values} at step {step + 1}", step=step + 1)
            done = step + 1
            record = {"step": done, **values}
            history.append(record)
            interrupted = should_stop is not None and done < end and should_stop()
            if done % config.log_every == 0 or done == end or interrupted:
                log.write(json.dumps(record) + "\n")
                log.flush()
            if on_step is not None:
                on_step(done, values)
            if done % config.sample_every == 0 or done == config.steps:
                grid = np.asarray(generate(state["ema"], sample_z))  # every process computes
                if lead:
                    save_grid(grid, workdir / "samples" / f"step_{done:06d}.png")
            if done % config.checkpoint_every == 0 or done == end or interrupted:
                manager.save(done, args=ocp.args.StandardSave(state))
            if interrupted:
                end = done
                break
    manager.wait_until_finished()
    manager.close()
    final = max(end, start)
    export_path = None
    if not interrupted:
        ema = jax.tree.map(np.asarray, state["ema"])
        data = export_mod.export_bytes(ema, config, step=final, training=training)
        export_path = export_mod.export_path_for(workdir / "exports", data, step=final)
        if lead:
            export_mod.export_generator(
                ema, config, workdir / "exports", step=final, training=training
            )
        if processes > 1:
            from jax.experimental import multihost_utils

            multihost_utils.sync_global_devices("export written")
    return TrainResult(
        workdir=workdir,
        step=final,
        resumed_from=resumed_from,
        history=history,
        export_path=export_path,
        dataset_size=len(images),
        skipped=dataset.skipped,
        interrupted=interrupted,
    )
