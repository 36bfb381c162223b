"""Latent walks as video: a seamless loop through the latents of some seeds, encoded to MP4
(H.264), WebM (VP9) or GIF with the static ffmpeg that the ``imageio-ffmpeg`` wheel ships.

The walk is a closed loop of great-circle arcs (spherical interpolation) from each seed's latent to
the next and from the last back to the first; every transition has the same number of frames and
the frame after the last one is the first, so the seam is a step like any other. Frames are the
model's native output; ``upscale`` enlarges them for display with a Lanczos filter (the stills stay
native). For the same model, seeds and options the frames are identical; the encoder runs
single-threaded with ``+bitexact`` so that the encoded bytes are identical too for one ffmpeg build
(docs/gan/animation.md).
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
from PIL import Image

from gan.errors import GanError
from gan.sample import LoadedModel, generate_batch, latent

__all__ = [
    "FORMATS",
    "AnimationError",
    "AnimationFormat",
    "EncodedAnimation",
    "animation_format",
    "encode_animation",
    "ffmpeg_exe",
    "latent_walk",
    "render_walk",
    "slerp",
    "upscale",
    "walk_latents",
]

ProgressCallback = Callable[[int, int], None]
"""Called as ``(frames_done, frames_total)`` while frames are rendered or encoded."""


class AnimationError(GanError):
    """The animation cannot be made: bad options, unknown output type, or the encoder failed."""


@dataclass(frozen=True)
class AnimationFormat:
    suffix: str
    mime: str
    # ffmpeg arguments after the input; the output path follows them.
    codec_args: tuple[str, ...]
    needs_even_size: bool


# Why these settings: H.264 High profile in yuv420p is what every browser's <video> decodes;
# +faststart moves the index (moov) before the media data so playback starts before the download
# ends. VP9 with -b:v 0 -crf is the constant-quality mode libvpx documents. GIF through a palette
# made from the whole walk (palettegen) instead of ffmpeg's fixed 256-colour default.
FORMATS: dict[str, AnimationFormat] = {
    ".mp4": AnimationFormat(
        ".mp4",
        "video/mp4",
        (
            "-c:v", "libx264", "-preset", "medium", "-crf", "18", "-pix_fmt", "yuv420p",
            "-profile:v", "high", "-movflags", "+faststart", "-f", "mp4",
        ),
        needs_even_size=True,
    ),
    ".webm": AnimationFormat(
        ".webm",
        "video/webm",
        (
            "-c:v", "libvpx-vp9", "-b:v", "0", "-crf", "30", "-pix_fmt", "yuv420p",
            "-row-mt", "0", "-f", "webm",
        ),
        needs_even_size=True,
    ),
    ".gif": AnimationFormat(
        ".gif",
        "image/gif",
        (
            "-filter_complex", "split[a][b];[a]palettegen=stats_mode=full[p];[b][p]paletteuse",
            "-loop", "0", "-f", "gif",
        ),
        needs_even_size=False,
    ),
}  # fmt: skip


@dataclass(frozen=True)
class EncodedAnimation:
    path: Path
    mime: str
    frames: int
    fps: float
    width: int
    height: int

    @property
    def duration(self) -> float:
        """Seconds of one loop."""
        return self.frames / self.fps


def animation_format(path: Path) -> AnimationFormat:
    """The output format named by ``path``'s extension (.mp4, .webm or .gif)."""
    try:
        return FORMATS[Path(path).suffix.lower()]
    except KeyError:
        names = ", ".join(FORMATS)
        raise AnimationError(
            f"unknown animation type {Path(path).suffix or '(no extension)'!r}: use one of {names}"
        ) from None


def slerp(a: jax.Array, b: jax.Array, t: float) -> jax.Array:
    """Spherical interpolation from ``a`` (t=0) to ``b`` (t=1) along the great circle between
    their directions; linear where the two are (nearly) parallel."""
    na, nb = a / jnp.linalg.norm(a), b / jnp.linalg.norm(b)
    omega = jnp.arccos(jnp.clip(jnp.dot(na, nb), -1.0, 1.0))
    so = jnp.sin(omega)
    return jnp.where(
        so < 1e-6,
        (1 - t) * a + t * b,
        jnp.sin((1 - t) * omega) / so * a + jnp.sin(t * omega) / so * b,
    )


def walk_latents(
    seeds: Sequence[int],
    z_dim: int,
    *,
    frames_per_transition: int = 16,
    truncation: float | None = None,
) -> jax.Array:
    """(len(seeds) * frames_per_transition, z_dim) latents of the closed walk; frame
    ``i * frames_per_transition`` is exactly seed ``i``'s latent."""
    if len(seeds) < 2:
        raise AnimationError("a latent walk needs at least two seeds")
    if frames_per_transition < 1:
        raise AnimationError("frames per transition must be at least 1")
    zs = [latent(s, z_dim, truncation=truncation) for s in seeds]
    path: list[jax.Array] = []
    for i, a in enumerate(zs):
        b = zs[(i + 1) % len(zs)]
        path.append(a)
        path.extend(slerp(a, b, k / frames_per_transition) for k in range(1, frames_per_transition))
    return jnp.stack(path)


def render_walk(
    model: LoadedModel,
    latents: jax.Array,
    *,
    batch_size: int = 16,
    on_progress: ProgressCallback | None = None,
) -> np.ndarray:
    """(N, R, R, 3) uint8 frames for (N, z_dim) latents, in fixed-size batches (one compiled
    shape, whatever N is; a frame does not depend on its batch)."""
    total = int(latents.shape[0])
    frames: list[np.ndarray] = []
    for start in range(0, total, batch_size):
        chunk = latents[start : start + batch_size]
        n = int(chunk.shape[0])
        if n < batch_size:
            chunk = jnp.concatenate([chunk, jnp.zeros((batch_size - n, chunk.shape[1]))])
        frames.append(generate_batch(model, chunk)[:n])
        if on_progress is not None:
            on_progress(start + n, total)
    return np.concatenate(frames)


def latent_walk(
    model: LoadedModel,
    seeds: Sequence[int],
    *,
    frames_per_transition: int = 16,
    truncation: float | None = None,
    on_progress: ProgressCallback | None = None,
) -> np.ndarray:
    """The frames of a seamless loop through ``seeds`` at the model's native size."""
    latents = walk_latents(
        seeds, model.z_dim, frames_per_transition=frames_per_transition, truncation=truncation
    )
    return render_walk(model, latents, on_progress=on_progress)


def upscale(frames: np.ndarray, size: int) -> np.ndarray:
    """Frames enlarged (or reduced) to ``size`` x ``size`` with a Lanczos filter."""
    h, w = frames.shape[1:3]
    if (h, w) == (size, size):
        return frames
    return np.stack(
        [
            np.asarray(Image.fromarray(f).resize((size, size), Image.Resampling.LANCZOS))
            for f in frames
        ]
    )


def ffmpeg_exe() -> str:
    """The static ffmpeg inside the ``imageio-ffmpeg`` wheel (or $IMAGEIO_FFMPEG_EXE)."""
    try:
        import imageio_ffmpeg
    except ImportError as exc:  # pragma: no cover - the gan extra installs it
        raise AnimationError("imageio-ffmpeg is not installed (pip install '.[gan]')") from exc
    try:
        return str(imageio_ffmpeg.get_ffmpeg_exe())
    except RuntimeError as exc:
        raise AnimationError(f"no ffmpeg executable: {exc}") from exc


def encode_animation(
    frames: np.ndarray,
    path: Path,
    *,
    fps: float = 12.0,
    size: int | None = None,
    on_progress: ProgressCallback | None = None,
) -> EncodedAnimation:
    """Encode (N, H, W, 3) uint8 frames as a looping animation, its type chosen by ``path``'s
    extension; frames are upscaled with Lanczos to ``size`` first when given. The file appears
    atomically: a failed encode leaves nothing at ``path``."""
    fmt = animation_format(path)
    if frames.ndim != 4 or frames.shape[-1] != 3 or frames.dtype != np.uint8 or not len(frames):
        raise AnimationError("frames must be a non-empty (N, H, W, 3) uint8 array")
    if not fps > 0:
        raise AnimationError("fps must be positive")
    if size is not None:
        if size < 1:
            raise AnimationError("display size must be positive")
        frames = upscale(frames, size)
    n, height, width, _ = frames.shape
    if fmt.needs_even_size and (width % 2 or height % 2):
        raise AnimationError(
            f"{fmt.suffix} (yuv420p) needs an even size, got {width}x{height}: choose an even size"
        )
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    tmp = Path(tmp_name)
    command = [
        ffmpeg_exe(),
        "-hide_banner", "-loglevel", "error", "-nostdin", "-y",
        "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{width}x{height}", "-r", f"{fps:g}",
        "-i", "pipe:0",
        # One thread and bitexact muxing: the same frames give the same bytes (no encoder
        # version string, no thread-dependent decisions).
        "-threads", "1", "-fflags", "+bitexact", "-flags:v", "+bitexact", "-map_metadata", "-1",
        *fmt.codec_args,
        str(tmp),
    ]  # fmt: skip
    try:
        proc = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        assert proc.stdin is not None and proc.stderr is not None
        try:
            for i, frame in enumerate(frames):
                proc.stdin.write(np.ascontiguousarray(frame).tobytes())
                if on_progress is not None:
                    on_progress(i + 1, n)
            proc.stdin.close()
        except BrokenPipeError:
            pass  # ffmpeg stopped early: its message on stderr says why
        err = proc.stderr.read().decode(errors="replace").strip()
        if proc.wait() != 0:
            last = err.splitlines()[-1] if err else f"exit status {proc.returncode}"
            raise AnimationError(f"ffmpeg could not encode {path.name}: {last}")
        with tmp.open("rb+") as fh:
            os.fsync(fh.fileno())
        tmp.chmod(0o666 & ~_umask())
        os.replace(tmp, path)
    except OSError as exc:
        raise AnimationError(f"cannot write {path}: {exc}") from exc
    finally:
        tmp.unlink(missing_ok=True)
    return EncodedAnimation(path, fmt.mime, n, float(fps), width, height)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
