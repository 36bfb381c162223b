"""``provenance gan animate`` (MP4, WebM, GIF) and ``provenance gan export-onnx`` (the live portrait's model)."""

from __future__ import annotations

from pathlib import Path

import click

from provenance.cli.gan import gan
from provenance.cli.gan.common import gan_errors, load_model, print_json
from provenance.cli.options import json_option
from provenance.content.generation import model_cid
from provenance.errors import ConfigError, InputError, ProvenanceError


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
@json_option
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

    with gan_errors():
        from gan.animate import AnimationError, encode_animation, render_walk, walk_latents

        loaded = load_model(model)
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
        print_json(summary)
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
@json_option
def export_onnx(model: str, output: Path, as_json: bool) -> None:
    """Export the generator to one ONNX file for the gallery's live portrait (onnxruntime-web)."""
    with gan_errors():
        from gan.onnx_export import OnnxExportError, OnnxToolMissing
        from gan.onnx_export import export_onnx as export

        loaded = load_model(model)
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
        print_json(summary)
    else:
        click.echo(f"{exported.path}\nsha256 {exported.sha256}\ncid    {summary['cid']}")
