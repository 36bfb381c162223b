"""``provenance gan train``: progress for people and for logs, Ctrl-C that keeps the work,
multi-host runs."""

from __future__ import annotations

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

from provenance.cli.gan import gan
from provenance.cli.gan.common import gan_errors, print_json, training_set
from provenance.cli.options import json_option
from provenance.content.generation import model_cid
from provenance.errors import InputError


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
@json_option
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
    with gan_errors():
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
        print_json(summary)
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
