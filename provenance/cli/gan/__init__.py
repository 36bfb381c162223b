"""``provenance gan train | generate | animate | export-onnx | evaluate | bench``.

One module per stage of the artist's work: training, generation, animation (and the ONNX export
the gallery's live portrait runs), evaluation. jax, flax and ``gan`` are imported inside the
command bodies only, so ``provenance --help`` stays light; ``gan`` errors are translated once, in
``common.gan_errors``, into the toolkit's error tree.
"""

from __future__ import annotations

import click

__all__ = ["gan", "parse_seeds"]


@click.group()
def gan() -> None:
    """Train the GAN, generate and animate artworks, evaluate and benchmark it."""


# The commands register themselves on the group above when their modules are imported.
from provenance.cli.gan import animation, evaluation, generation, training  # noqa: F401
from provenance.cli.gan.common import parse_seeds
