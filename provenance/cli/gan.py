"""``provenance gan train | generate | animate | export-onnx | evaluate | bench``.

jax, flax and ``gan`` are imported inside the command bodies only, so ``provenance --help`` stays
light. ``gan`` errors are translated here, once, into the toolkit's error tree.
"""

from __future__ import annotations

import json
import shlex
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from provenance.content.generation import model_cid
from provenance.errors import ConfigError, InputError, ProvenanceError

__all__ = ["gan", "parse_seeds"]


@contextmanager
def _gan_errors() -> Iterator[None]:
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


def _json_out(data: dict[str, Any]) -> None:
    click.echo(json.dumps(data, indent=2, sort_keys=True))


@click.group()
def gan() -> None:
    """Train the GAN, generate and animate artworks, evaluate and benchmark it."""


def _seconds(value: float) -> str:
    value = max(0, round(value))
    return f"{value // 3600}:{value % 3600 // 60:02d}:{value % 60:02d}"


class _ProgressLines:
    """Plain progress lines for a log file or a pipe: every ``every`` steps, the first and the
    last, with losses, images/s since the first step (compilation excluded) and the ETA."""

    def __init__(self, *, total: int, batch_size: int, every: int, err: bool) -> None:
        self.total, self.batch_size, self.every, self.err = total, batch_size, every, err
        self.first: tuple[int, float] | None = None

    def __call__(self, step: int, values: dict[str, float]) -> None:
        now = time.perf_counter()
        if self.first is None:
            self.first = (step, now)
        if step % self.every and step != self.total and step != self.first[0]:
            return
        done, elapsed = step - self.first[0], now - self.first[1]
        rate = done / elapsed if done and elapsed > 0 else None
        speed = f"{rate * self.batch_size:.1f} img/s" if rate else "- img/s"
        eta = _seconds((self.total - step) / rate) if rate else "-"
        click.echo(
            f"step {step}/{self.total}  d_loss {values['d_loss']:.4f}  "
            f"g_loss {values['g_loss']:.4f}  {speed}  ETA {eta}",
            err=self.err,
        )
        sys.stdout.flush()


@contextmanager
def _ctrl_c_stops_after_the_step() -> Iterator[Callable[[], bool]]:
    """The first Ctrl-C asks training to stop after the step it is in (then checkpoint); a second
    one interrupts at once, as usual."""
    requested = threading.Event()
    previous = signal.getsignal(signal.SIGINT)

    def on_sigint(signum: int, frame: object) -> None:
        requested.set()
        signal.signal(signal.SIGINT, previous)
        click.echo("stopping after this step (Ctrl-C again to abort at once)...", err=True)

    signal.signal(signal.SIGINT, on_sigint)
    try:
        yield requested.is_set
    finally:
        signal.signal(signal.SIGINT, previous)


@gan.command()
@click.option(
    "--data",
    required=True,
    help="A folder of PNG/JPEG/WebP images, or builtin:lfw / builtin:digits.",
)
@click.option(
    "--resolution", type=click.Choice(["32", "64", "128", "256"]), default="32", show_default=True
)
@click.option("--steps", type=click.IntRange(min=1), default=2000, show_default=True)
@click.option(
    "--out",
    "out",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Run folder (resumed when it exists).",
)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--batch-size", type=click.IntRange(min=1), default=32, show_default=True)
@click.option(
    "--width",
    type=click.IntRange(min=1),
    default=32,
    show_default=True,
    help="Base channel count of the generator and the discriminator.",
)
@click.option("--no-augment", is_flag=True, help="Disable DiffAugment (for comparisons).")
@click.option(
    "--align",
    type=click.Choice(["centre", "faces"]),
    default="centre",
    show_default=True,
    help="centre: centre crop; faces: FFHQ-style face alignment (no face / several: skipped).",
)
@click.option(
    "--precision",
    type=click.Choice(["f32", "bf16"]),
    default="f32",
    show_default=True,
    help="bf16: mixed precision for accelerators (parameters and optimizer state stay float32).",
)
@click.option(
    "--coordinator",
    envvar="JAX_COORDINATOR_ADDRESS",
    default=None,
    help="Multi-host: host:port of process 0 [env JAX_COORDINATOR_ADDRESS].",
)
@click.option(
    "--num-processes",
    envvar="JAX_NUM_PROCESSES",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Multi-host: how many processes train together [env JAX_NUM_PROCESSES].",
)
@click.option(
    "--process-id",
    envvar="JAX_PROCESS_ID",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Multi-host: this process, 0..N-1 [env JAX_PROCESS_ID].",
)
@click.option("--sample-every", type=click.IntRange(min=1), default=500, show_default=True)
@click.option(
    "--progress-every",
    type=click.IntRange(min=1),
    default=100,
    show_default=True,
    help="Steps between progress lines when the output is not a terminal.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.option("-v", "--verbose", is_flag=True, help="Name every skipped image file and why.")
def train(
    data: str,
    resolution: str,
    steps: int,
    out: Path,
    seed: int,
    batch_size: int,
    width: int,
    no_augment: bool,
    align: str,
    precision: str,
    coordinator: str | None,
    num_processes: int,
    process_id: int,
    sample_every: int,
    progress_every: int,
    as_json: bool,
    verbose: bool,
) -> None:
    """Train (or resume) a run; writes samples, checkpoints and an exported generator.

    Ctrl-C stops after the current step, saves a checkpoint and prints the command that resumes.
    """
    if not data.startswith("builtin:") and not Path(data).is_dir():
        raise InputError(f"data folder not found: {data}")
    if batch_size % num_processes:
        raise InputError(
            f"--batch-size {batch_size} must split evenly over {num_processes} processes"
        )
    resume = ["provenance", "gan", "train", "--data", data, "--resolution", resolution]
    resume += ["--steps", str(steps), "--out", str(out), "--seed", str(seed)]
    resume += ["--batch-size", str(batch_size), "--width", str(width)]
    resume += ["--sample-every", str(sample_every), "--align", align, "--precision", precision]
    if num_processes > 1:
        resume += ["--coordinator", str(coordinator), "--num-processes", str(num_processes)]
        resume += ["--process-id", str(process_id)]
    resume += ["--no-augment"] if no_augment else []
    with _gan_errors():
        from gan.configs.default import get_config
        from gan.distributed import from_environment, initialize
        from gan.input_pipeline import load_dataset
        from gan.sample import enable_compilation_cache
        from gan.train import train_and_evaluate

        processes = from_environment(coordinator, num_processes, process_id)
        initialize(processes)  # before anything touches jax's devices
        lead = processes.index == 0
        enable_compilation_cache()
        config = get_config(
            data=data,
            resolution=int(resolution),
            steps=steps,
            seed=seed,
            batch_size=batch_size,
            ngf=width,
            ndf=width,
            augment="" if no_augment else get_config().augment,
            align=align,
            precision=precision,
            data_shards=processes.count,
            sample_every=sample_every,
            checkpoint_every=sample_every,
        )
        dataset = load_dataset(
            data,
            config.resolution,
            cache_dir=out.absolute() / "cache" / f"process{processes.index}",
            align=align,
            shard=(processes.index, processes.count),
        )
        training = training_set(dataset, data)
        if processes.count > 1:
            training.update(_totals_over_processes(len(dataset.images), dataset.skipped))
        started = time.perf_counter()
        with _ctrl_c_stops_after_the_step() as asked:
            should_stop = asked if processes.count == 1 else _any_process(asked)
            if sys.stdout.isatty() and not as_json and lead:
                result = _train_with_bar(config, out, dataset, training, should_stop)
            else:
                lines = _ProgressLines(
                    total=steps, batch_size=batch_size, every=progress_every, err=as_json
                )
                result = train_and_evaluate(
                    config,
                    out,
                    dataset=dataset,
                    on_step=lines if lead else None,
                    should_stop=should_stop,
                    training=training,
                )
    if result.interrupted or result.export_path is None:
        click.echo(
            f"interrupted at step {result.step} of {steps}; checkpoint saved in "
            f"{result.workdir / 'checkpoints'}\nresume with: {shlex.join(resume)}",
            err=True,
        )
        sys.exit(130)
    from gan.export import read_export

    exported = read_export(result.export_path)
    summary = {
        "run": str(result.workdir),
        "step": result.step,
        "resumed_from": result.resumed_from,
        "images": training["images"],  # all processes' images
        "skipped": result.skipped,
        "skipped_files": [{"path": x.path, "reason": x.reason} for x in dataset.skipped_files],
        "model": str(result.export_path),
        "sha256": exported.sha256,
        "cid": model_cid(exported.path, exported.sha256, exported.size),
        "training": training,
        "seconds": round(time.perf_counter() - started, 2),
    }
    if as_json:
        _json_out(summary)
        return
    from rich.console import Console

    console = Console()
    if dataset.skipped_files:
        _print_skipped(console, dataset.skipped_files, verbose=verbose)
    console.print(
        f"trained {training['images']} images to step {result.step} in {summary['seconds']} s"
    )
    console.print(f"model  {result.export_path}\nsha256 {exported.sha256}\ncid    {summary['cid']}")


def _any_process(asked: Callable[[], bool]) -> Callable[[], bool]:
    """Multi-host: every process stops at the same step when any one was asked to (otherwise the
    others would wait for it in the next step's all-reduce)."""
    import numpy as np
    from jax.experimental import multihost_utils

    def should_stop() -> bool:
        flags = multihost_utils.process_allgather(np.array(asked(), dtype=np.int32))
        return bool(np.asarray(flags).any())

    return should_stop


def _totals_over_processes(images: int, skipped: int) -> dict[str, int]:
    import numpy as np
    from jax.experimental import multihost_utils

    totals = np.asarray(multihost_utils.process_allgather(np.array([images, skipped]))).sum(0)
    return {"images": int(totals[0]), "skipped": int(totals[1])}


def _train_with_bar(
    config: Any,
    out: Path,
    dataset: Any,
    training: dict[str, Any],
    should_stop: Callable[[], bool],
) -> Any:
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    from gan.train import train_and_evaluate

    with Progress(
        TextColumn("[bold]train"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TextColumn("{task.fields[speed]} it/s"),
        TextColumn("D {task.fields[d]} G {task.fields[g]}"),
        TimeRemainingColumn(),
        transient=False,
    ) as progress:
        task = progress.add_task("train", total=config.steps, speed="-", d="-", g="-")
        first: dict[str, float] = {}

        def on_step(step: int, values: dict[str, float]) -> None:
            if not first:
                first.update(step=step, t=time.perf_counter())
            elapsed = time.perf_counter() - first["t"]
            done = step - first["step"]
            speed = f"{done / elapsed:.1f}" if elapsed > 0 and done else "-"
            progress.update(
                task,
                completed=step,
                speed=speed,
                d=f"{values['d_loss']:.3f}",
                g=f"{values['g_loss']:.3f}",
            )

        return train_and_evaluate(
            config,
            out,
            dataset=dataset,
            on_step=on_step,
            should_stop=should_stop,
            training=training,
        )


def _print_skipped(console: Any, skipped: Any, *, verbose: bool, shown: int = 3) -> None:
    """One summary line naming the first few skipped files; ``--verbose`` names each one."""
    from rich.markup import escape

    listed = skipped if verbose else skipped[:shown]
    names = ", ".join(f"{x.path} ({x.reason})" for x in listed)
    more = (
        "" if verbose or len(skipped) <= shown else f" and {len(skipped) - shown} more (--verbose)"
    )
    console.print(
        f"[yellow]skipped {len(skipped)} image file(s):[/] {escape(names)}{more}", soft_wrap=True
    )


def _load(model: str) -> Any:
    from gan.sample import enable_compilation_cache, load_model

    enable_compilation_cache()
    return load_model(model)


PASSPHRASE_ENV = "PROVENANCE_IDENTITY_PASSPHRASE"


def _identity_passphrase() -> bytes:
    """The signing key's passphrase: from the environment, else a hidden prompt (never argv)."""
    import os

    value = os.environ.get(PASSPHRASE_ENV)
    if value is None:
        if not sys.stdin.isatty():
            raise InputError(f"set {PASSPHRASE_ENV} (no terminal to ask for the passphrase)")
        value = click.prompt("identity passphrase", hide_input=True, err=True)
    return value.encode()


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


@gan.command()
@click.option(
    "--model", required=True, help="A run folder (its latest export) or an exported model file."
)
@click.option("--seed", type=click.IntRange(min=0, max=2**32 - 1), default=None)
@click.option(
    "--seeds", default=None, help="Many artworks in one run: 1-100, 3,7,9 (-o is then a folder)."
)
@click.option("--truncation", type=click.FloatRange(min=0, min_open=True), default=None)
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    required=True,
    help="A .png file (--seed) or a folder (--seeds).",
)
@click.option(
    "--data",
    default=None,
    help="The training images: report each work's nearest training face (memorisation check).",
)
@click.option(
    "--max-identity-similarity",
    type=click.FloatRange(min=0, max=1),
    default=None,
    help="Refuse works more similar than this to a training face (1 - dlib descriptor distance; "
    "0.4 = dlib's same-person threshold 0.6). Needs --data.",
)
@click.option(
    "--c2pa-identity",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Sign each PNG with Content Credentials (C2PA) using this identity folder; the key's "
    f"passphrase comes from ${PASSPHRASE_ENV} or a prompt.",
)
@click.option("--json", "as_json", is_flag=True)
def generate(
    model: str,
    seed: int | None,
    seeds: str | None,
    truncation: float | None,
    output: Path,
    data: str | None,
    max_identity_similarity: float | None,
    c2pa_identity: Path | None,
    as_json: bool,
) -> None:
    """Generate artworks as PNGs carrying their generation record.

    With --data, each work's identity similarity to its nearest training face is reported; with
    --max-identity-similarity, near-copies of a real sitter are not written."""
    if (seed is None) == (seeds is None):
        raise InputError("give exactly one of --seed N or --seeds 1-100")
    if max_identity_similarity is not None and data is None:
        raise InputError("--max-identity-similarity needs --data (the training images)")
    if data is not None and not data.startswith("builtin:") and not Path(data).is_dir():
        raise InputError(f"data folder not found: {data}")
    if seed is not None:
        if output.suffix.lower() != ".png":
            raise InputError(f"the artwork is a PNG: name the output .png, not {output.name!r}")
        if output.is_dir():
            raise InputError(f"{output} is a folder: give a .png file name (or use --seeds)")
        targets = [(seed, output)]
    else:
        assert seeds is not None
        if output.suffix.lower() == ".png" or output.is_file():
            raise InputError(f"with --seeds, -o is a folder (got {output})")
        targets = [(s, output / f"seed{s:06d}.png") for s in parse_seeds(seeds)]
    identity, passphrase = None, b""
    if c2pa_identity is not None:
        with _gan_errors():
            from gan.identity import load_identity, unlock_signing_key

            identity = load_identity(c2pa_identity)
            passphrase = _identity_passphrase()
            unlock_signing_key(identity, passphrase)  # a wrong passphrase fails before any work
    records: list[dict[str, Any]] = []
    refused: list[dict[str, Any]] = []
    with _gan_errors():
        from gan.export import atomic_write_bytes
        from gan.pngrecord import make_record, png_bytes
        from gan.sample import generate as gen

        loaded = _load(model)
        exported = loaded.export
        cid = model_cid(exported.path, exported.sha256, exported.size)
        training_faces = None
        if data is not None:
            import platformdirs

            from gan.faces import cached_descriptors
            from gan.input_pipeline import load_dataset

            cfg = exported.config
            training_faces = cached_descriptors(
                load_dataset(data, cfg.resolution, align=cfg.align).images,
                Path(platformdirs.user_cache_dir("provenance")) / "faces",
            )
        for one_seed, path in targets:
            pixels = gen(loaded, one_seed, truncation=truncation)
            item: dict[str, Any] = {"output": str(path)}
            if training_faces is not None:
                from gan.faces import face_descriptors, nearest_training_face

                near = nearest_training_face(face_descriptors(pixels[None]), training_faces)
                distance = float(near.distances[0])
                item["identity"] = {
                    "nearest_training_image": int(near.nearest[0]),
                    "distance": round(distance, 4),
                    "similarity": round(1.0 - distance, 4),
                    "same_person": bool(len(near.flagged)),
                }
                if max_identity_similarity is not None and 1.0 - distance > max_identity_similarity:
                    refused.append({"seed": one_seed, **item["identity"]})
                    continue
            item["record"] = make_record(
                exported.sha256,
                one_seed,
                truncation=truncation,
                cid=cid,
                training=exported.training,
            )
            encoded = png_bytes(pixels, item["record"])
            if identity is not None:
                from gan.credentials import sign_png

                encoded = sign_png(
                    encoded,
                    record=item["record"],
                    identity=identity,
                    passphrase=passphrase,
                    title=path.name,
                )
            atomic_write_bytes(path, encoded)
            records.append(item)
    if seed is not None and refused:
        raise ProvenanceError(
            f"not written: seed {seed} is a near-copy of training image "
            f"{refused[0]['nearest_training_image']} (identity similarity "
            f"{refused[0]['similarity']:.3f} > {max_identity_similarity})"
        )
    if as_json:
        _json_out(records[0] if seed is not None else {"outputs": records, "refused": refused})
        return
    for item in records:
        identity = item.get("identity")
        note = ""
        if identity is not None:
            note = f"  (identity similarity {identity['similarity']:.3f} to a training face"
            note += ": same person!)" if identity["same_person"] else ")"
        click.echo(item["output"] + note)
    for r in refused:
        click.echo(
            f"refused seed {r['seed']}: near-copy of training image {r['nearest_training_image']} "
            f"(identity similarity {r['similarity']:.3f})",
            err=True,
        )


@gan.command()
@click.option("--model", required=True, help="A run folder or an exported model file.")
@click.option("--seeds", required=True, help="Comma-separated seeds to walk through, e.g. 1,2,3.")
@click.option(
    "--frames",
    type=click.IntRange(min=1),
    default=24,
    show_default=True,
    help="Frames per transition from one seed to the next.",
)
@click.option("--fps", type=click.FloatRange(min=1, max=120), default=24.0, show_default=True)
@click.option(
    "--size",
    type=click.IntRange(min=16, max=2048),
    default=None,
    help="Display size in pixels (Lanczos upscaling); default: the model's size times the"
    " smallest integer that reaches 256.",
)
@click.option("--truncation", type=click.FloatRange(min=0, min_open=True), default=None)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="walk.mp4 (H.264), walk.webm (VP9) or walk.gif: the extension chooses.",
)
@click.option("--json", "as_json", is_flag=True)
def animate(
    model: str,
    seeds: str,
    frames: int,
    fps: float,
    size: int | None,
    truncation: float | None,
    output: Path,
    as_json: bool,
) -> None:
    """Write a seamless looping walk through the seeds' latents as MP4, WebM or GIF."""
    try:
        seed_list = [int(s) for s in seeds.split(",") if s.strip()]
    except ValueError as exc:
        raise InputError(f"--seeds must be comma-separated integers, got {seeds!r}") from exc
    if len(seed_list) < 2:
        raise InputError("--seeds needs at least two seeds")
    if any(not 0 <= s < 2**32 for s in seed_list):
        raise InputError("--seeds must be between 0 and 2**32 - 1")
    if output.suffix.lower() not in (".mp4", ".webm", ".gif"):
        raise InputError(f"-o must end in .mp4, .webm or .gif, got {output.name!r}")
    if size is not None and size % 2 and output.suffix.lower() != ".gif":
        raise InputError(f"--size must be even for {output.suffix} (yuv420p), got {size}")
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    with _gan_errors():
        from gan.animate import AnimationError, encode_animation, render_walk, walk_latents

        loaded = _load(model)
        native = loaded.export.config.resolution
        display = size if size is not None else native * -(-256 // native)
        latents = walk_latents(
            seed_list, loaded.z_dim, frames_per_transition=frames, truncation=truncation
        )
        total = int(latents.shape[0])
        with Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            disable=as_json,
            transient=False,
        ) as progress:
            render_task = progress.add_task("render", total=total)
            walk = render_walk(
                loaded,
                latents,
                on_progress=lambda done, _: progress.update(render_task, completed=done),
            )
            encode_task = progress.add_task("encode", total=total)
            try:
                encoded = encode_animation(
                    walk,
                    output,
                    fps=fps,
                    size=display,
                    on_progress=lambda done, _: progress.update(encode_task, completed=done),
                )
            except AnimationError as exc:  # the options were checked: the encoder or disk failed
                raise ProvenanceError(str(exc)) from exc
    summary = {
        "output": str(encoded.path),
        "mime": encoded.mime,
        "frames": encoded.frames,
        "fps": encoded.fps,
        "duration": round(encoded.duration, 6),
        "width": encoded.width,
        "height": encoded.height,
        "native": native,
        "seeds": seed_list,
    }
    if as_json:
        _json_out(summary)
    else:
        click.echo(
            f"{encoded.path} ({encoded.frames} frames, {encoded.duration:.2f} s loop,"
            f" {encoded.width}x{encoded.height} from {native} px)"
        )


@gan.command("export-onnx")
@click.option("--model", required=True, help="A run folder or an exported model file.")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="The .onnx file to write (weights embedded).",
)
@click.option("--json", "as_json", is_flag=True)
def export_onnx(model: str, output: Path, as_json: bool) -> None:
    """Export the generator to one ONNX file for the gallery's live portrait (onnxruntime-web)."""
    with _gan_errors():
        from gan.onnx_export import OnnxExportError, OnnxToolMissing
        from gan.onnx_export import export_onnx as export

        loaded = _load(model)
        try:
            exported = export(loaded, output)
        except OnnxToolMissing as exc:
            raise ConfigError(str(exc)) from exc
        except OnnxExportError as exc:
            raise ProvenanceError(str(exc)) from exc
    summary = {
        "output": str(exported.path),
        "sha256": exported.sha256,
        "size": exported.size,
        "cid": model_cid(exported.path, exported.sha256, exported.size),
        "z_dim": exported.z_dim,
        "resolution": exported.resolution,
        "model_sha256": exported.source_sha256,
    }
    if as_json:
        _json_out(summary)
    else:
        click.echo(f"{exported.path}\nsha256 {exported.sha256}\ncid    {summary['cid']}")


_READ_PIXEL_SPACE = (
    "lower = colour, texture and layout statistics closer to the real images (random conv "
    "features: they do not see faces, read them next to the floor and the face numbers)"
)
_READ_FACE_FD = (
    "lower = generated faces closer to the real ones in dlib's 128-D face-descriptor space; "
    "the floor is what two halves of the real faces score, no generator should expect below it"
)
_READ_FACE_KID = "same space, unbiased (usable with few samples); lower is better, floor as above"


@gan.command()
@click.option("--model", required=True, help="A run folder or an exported model file.")
@click.option("--data", required=True, help="Real images: a folder or builtin:NAME.")
@click.option("--samples", type=click.IntRange(min=4), default=200, show_default=True)
@click.option(
    "--face-real",
    type=click.IntRange(min=4),
    default=2000,
    show_default=True,
    help="Real images described in face space (about 60-80 ms each on one core).",
)
@click.option("--no-faces", is_flag=True, help="Skip the face-descriptor numbers.")
@click.option("--json", "as_json", is_flag=True)
def evaluate(
    model: str, data: str, samples: int, face_real: int, no_faces: bool, as_json: bool
) -> None:
    """FD and KID against real images in two spaces, each with its real-vs-real floor: fixed
    random-conv features (pixel statistics) and dlib's face descriptors; plus the memorisation
    check (generated faces closer than dlib's same-person threshold to a training face)."""
    with _gan_errors():
        import jax
        import numpy as np

        from gan.input_pipeline import load_dataset
        from gan.metrics import compare
        from gan.sample import generate_batch, latent

        loaded = _load(model)
        cfg = loaded.export.config
        real = load_dataset(data, cfg.resolution, align=cfg.align).images
        z = jax.numpy.stack([latent(10_000 + i, loaded.z_dim) for i in range(samples)])
        fake = generate_batch(loaded, z)
        res = compare(real, fake)
        face = None
        if not no_faces:
            from gan.faces import SAME_PERSON, compare_faces

            pick = np.sort(np.random.default_rng(0).permutation(len(real))[:face_real])
            face = compare_faces(real[pick], fake)
    out: dict[str, Any] = {
        "fd": res.fd,
        "kid": res.kid,
        "fd_floor": res.fd_floor,
        "kid_floor": res.kid_floor,
        "n_real": res.n_real,
        "n_fake": res.n_fake,
    }
    if face is not None:
        mem = face.memorisation
        out["face"] = {
            "fd": face.fd,
            "kid": face.kid,
            "fd_floor": face.fd_floor,
            "kid_floor": face.kid_floor,
            "n_real": face.n_real,
            "n_fake": face.n_fake,
        }
        out["memorisation"] = {
            "threshold": SAME_PERSON,
            "min_distance": float(mem.distances.min()),
            "flagged": [
                {
                    "seed": 10_000 + int(i),
                    "distance": float(mem.distances[i]),
                    "training_image": int(pick[mem.nearest[i]]),
                }
                for i in mem.flagged
            ],
        }
    if as_json:
        _json_out(out)
        return
    click.echo(
        f"FD {res.fd:.3f} (real-vs-real floor {res.fd_floor:.3f})  "
        f"KID {res.kid:.4f} (floor {res.kid_floor:.4f})  [{res.n_real} real, {res.n_fake} generated]"
    )
    click.echo(f"  {_READ_PIXEL_SPACE}")
    if face is None:
        return
    click.echo(
        f"face FD {face.fd:.4f} (real-vs-real floor {face.fd_floor:.4f})  "
        f"face KID {face.kid:.5f} (floor {face.kid_floor:.5f})  "
        f"[{face.n_real} real, {face.n_fake} generated]"
    )
    click.echo(f"  face FD: {_READ_FACE_FD}")
    click.echo(f"  face KID: {_READ_FACE_KID}")
    flagged = out["memorisation"]["flagged"]
    click.echo(
        f"memorisation: {len(flagged)} of {face.n_fake} generated faces closer than {SAME_PERSON} "
        f"(dlib's same-person threshold) to a training face; nearest "
        f"{out['memorisation']['min_distance']:.3f}"
        + (f"; seeds {', '.join(str(f['seed']) for f in flagged[:10])}" if flagged else "")
    )


@gan.command()
@click.option(
    "--resolution", type=click.Choice(["32", "64", "128", "256"]), default="32", show_default=True
)
@click.option("--batch-size", type=click.IntRange(min=1), default=32, show_default=True)
@click.option("--steps", type=click.IntRange(min=1), default=10, show_default=True)
@click.option("--json", "as_json", is_flag=True)
def bench(resolution: str, batch_size: int, steps: int, as_json: bool) -> None:
    """Training throughput (images/s, GFLOP/s) and this machine's matmul peak."""
    from gan.bench import matmul_peak_gflops, train_throughput
    from gan.configs.default import get_config

    t = train_throughput(get_config(resolution=int(resolution), batch_size=batch_size), steps=steps)
    peak = matmul_peak_gflops()
    out = {
        "resolution": t.resolution,
        "batch_size": t.batch_size,
        "images_per_s": t.images_per_s,
        "gflops": t.gflops,
        "matmul_peak_gflops": peak,
    }
    if as_json:
        _json_out(out)
    else:
        click.echo(
            f"{t.resolution}px batch {t.batch_size}: {t.images_per_s:.1f} images/s, "
            f"{t.gflops:.1f} GFLOP/s ({100 * t.gflops / peak:.0f}% of matmul peak {peak:.1f})"
        )
