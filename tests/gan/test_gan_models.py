from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from flax import nnx

from gan.augment import diff_augment, parse_policy
from gan.input_pipeline import load_dataset
from gan.models import Discriminator, Generator


@pytest.mark.parametrize("resolution", [32, 64])
def test_shapes_and_dtypes(resolution: int) -> None:
    g = Generator(z_dim=16, resolution=resolution, ngf=8, rngs=nnx.Rngs(0))
    d = Discriminator(resolution=resolution, ndf=8, rngs=nnx.Rngs(1))
    images = g(jax.random.normal(jax.random.key(0), (3, 16)))
    assert images.shape == (3, resolution, resolution, 3)
    assert images.dtype == jnp.float32
    assert float(jnp.max(jnp.abs(images))) <= 1.0
    logits = d(images)
    assert logits.shape == (3,) and logits.dtype == jnp.float32


def test_builtin_sets_load_without_download() -> None:
    lfw = load_dataset("builtin:lfw", 32)
    digits = load_dataset("builtin:digits", 32)
    assert lfw.images.shape == (100, 32, 32, 3)
    assert digits.images.shape == (1797, 32, 32, 3)
    for ds in (lfw, digits):
        assert ds.images.dtype == np.float32
        assert -1.0 <= ds.images.min() < ds.images.max() <= 1.0


def _images(n: int = 4, r: int = 16) -> jax.Array:
    return jax.random.uniform(jax.random.key(3), (n, r, r, 3), minval=-1, maxval=1)


def test_augmentation_is_differentiable_for_every_op() -> None:
    d = Discriminator(resolution=16 * 2, ndf=8, rngs=nnx.Rngs(0))
    x = jax.random.uniform(jax.random.key(3), (4, 32, 32, 3), minval=-1, maxval=1)
    for name in ("color", "translation", "cutout", "flip"):

        def total(im: jax.Array, op: str = name) -> jax.Array:
            return jnp.sum(d(diff_augment(im, jax.random.key(5), (op,))))

        grad = jax.grad(total)(x)
        assert bool(jnp.all(jnp.isfinite(grad))), name
        assert float(jnp.abs(grad).sum()) > 0, name


def test_flip_and_translation_preserve_content() -> None:
    x = np.asarray(_images())
    flipped = np.asarray(diff_augment(jnp.asarray(x), jax.random.key(1), ("flip",)))
    for orig, out in zip(x, flipped, strict=True):
        assert np.array_equal(out, orig) or np.array_equal(out, orig[:, ::-1])
    shifted = np.asarray(diff_augment(jnp.asarray(x), jax.random.key(2), ("translation",)))
    for orig, out in zip(x, shifted, strict=True):
        # Every output is the input moved by some (dy, dx) within 1/8 of the size, zeros filling in.
        found = False
        for dy in range(-2, 3):
            for dx in range(-2, 3):
                ref = np.zeros_like(orig)
                src = orig[max(0, -dy) : 16 - max(0, dy), max(0, -dx) : 16 - max(0, dx)]
                ref[
                    max(0, dy) : max(0, dy) + src.shape[0], max(0, dx) : max(0, dx) + src.shape[1]
                ] = src
                found |= np.array_equal(out, ref)
        assert found


def test_augmentation_uses_its_key() -> None:
    policy = parse_policy("color,translation,cutout,flip")
    x = _images()
    a = diff_augment(x, jax.random.key(1), policy)
    b = diff_augment(x, jax.random.key(1), policy)
    c = diff_augment(x, jax.random.key(2), policy)
    assert np.array_equal(a, b) and not np.array_equal(a, c)
    with pytest.raises(ValueError):
        parse_policy("color,rotate")


def test_cutout_masks_a_half_size_square_and_colour_keeps_grey_grey() -> None:
    # DiffAugment's cutout ratio 0.5 zeroes a 16x16 square of a 32x32 image (fewer pixels only
    # where it is clipped at the border); its colour ops must not tint a grey image (LFW is grey).
    x = jnp.full((64, 32, 32, 3), 0.5, jnp.float32)
    out = np.asarray(diff_augment(x, jax.random.key(3), ("cutout",)))
    zeroed = (out == 0).all(axis=-1).sum(axis=(1, 2))
    assert zeroed.max() == 16 * 16 and zeroed.min() >= 8 * 8
    for img in out:
        rows, cols = np.nonzero((img == 0).all(axis=-1))
        assert rows.max() - rows.min() < 16 and cols.max() - cols.min() < 16
    grey = jnp.asarray(np.random.default_rng(0).uniform(-1, 1, (8, 16, 16, 1)).repeat(3, -1))
    coloured = np.asarray(diff_augment(grey, jax.random.key(4), ("color",)))
    assert np.allclose(coloured[..., 0], coloured[..., 1]) and np.allclose(
        coloured[..., 1], coloured[..., 2]
    )


def test_training_conv_rewrites_compute_the_reference_convs() -> None:
    # The sub-pixel upsample + conv and the space-to-depth strided conv (training speed-ups) must
    # equal XLA's own convs on the explicit upsampled / strided problem, values and gradients.
    from gan.models import ONE_CONV_MIN_SIZE, strided_conv4x4, upsample_conv3x3

    dn = ("NHWC", "HWIO", "NHWC")
    k3 = jax.random.normal(jax.random.key(1), (3, 3, 5, 7))

    def ref3(x: jax.Array, k: jax.Array) -> jax.Array:
        up = jnp.repeat(jnp.repeat(x, 2, axis=1), 2, axis=2)
        return jax.lax.conv_general_dilated(up, k, (1, 1), "SAME", dimension_numbers=dn)

    # Both forms: four phase convs on small maps, one conv with the phases side by side on large.
    for size in (ONE_CONV_MIN_SIZE // 2, ONE_CONV_MIN_SIZE):
        x = jax.random.normal(jax.random.key(size), (2, size, size, 5))
        np.testing.assert_allclose(upsample_conv3x3(x, k3), ref3(x, k3), atol=1e-4)
        g_fast = jax.grad(lambda x, k: jnp.sum(jnp.sin(upsample_conv3x3(x, k))), (0, 1))(x, k3)
        g_ref = jax.grad(lambda x, k: jnp.sum(jnp.sin(ref3(x, k))), (0, 1))(x, k3)
        for a, b in zip(g_fast, g_ref, strict=True):
            np.testing.assert_allclose(a, b, atol=1e-3)
    x = jax.random.normal(jax.random.key(0), (2, 8, 8, 5))
    k4 = jax.random.normal(jax.random.key(2), (4, 4, 5, 7))
    bias = jax.random.normal(jax.random.key(3), (7,))
    ref4 = jax.lax.conv_general_dilated(x, k4, (2, 2), ((1, 1), (1, 1)), dimension_numbers=dn)
    np.testing.assert_allclose(strided_conv4x4(x, k4, bias), ref4 + bias, atol=1e-4)
    z = jax.random.normal(jax.random.key(4), (3, 16))
    g = Generator(z_dim=16, resolution=32, ngf=8, rngs=nnx.Rngs(0))
    np.testing.assert_allclose(g(z, fast=True), g(z), atol=1e-4)


@pytest.mark.parametrize("groups", [8, 1])
def test_group_norm_matches_flax_values_and_gradients(groups: int) -> None:
    # The training path's GroupNorm (hand-written backward) is nnx.GroupNorm's function: outputs
    # and the gradients for x, scale and bias agree, with a mean far from 0 (E[x^2] - E[x]^2).
    from gan.models import group_norm

    c = 16
    norm = nnx.GroupNorm(c, num_groups=groups, rngs=nnx.Rngs(0))
    norm.scale[...] = jax.random.normal(jax.random.key(1), (c,))
    norm.bias[...] = jax.random.normal(jax.random.key(2), (c,))
    x = 3.0 * jax.random.normal(jax.random.key(3), (3, 8, 8, c)) + 2.0
    w = jax.random.normal(jax.random.key(4), x.shape)

    norm_def, _ = nnx.split(norm)

    def loss_ref(x: jax.Array, s: jax.Array, b: jax.Array) -> jax.Array:
        return jnp.sum(jnp.sin(nnx.merge(norm_def, {"scale": s, "bias": b})(x)) * w)

    def loss_fast(x: jax.Array, s: jax.Array, b: jax.Array) -> jax.Array:
        return jnp.sum(jnp.sin(group_norm(x, s, b, groups, norm.epsilon)) * w)

    args = (x, norm.scale[...], norm.bias[...])
    np.testing.assert_allclose(group_norm(*args, groups, norm.epsilon), norm(x), atol=2e-5)
    grads_ref = jax.grad(loss_ref, (0, 1, 2))(*args)
    grads_fast = jax.grad(loss_fast, (0, 1, 2))(*args)
    for a, b in zip(grads_fast, grads_ref, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-4)


def test_generator_training_path_has_the_reference_gradients() -> None:
    # Sub-pixel convs + hand-written GroupNorm backward (fast=True) against the plain modules.
    g = Generator(z_dim=16, resolution=32, ngf=8, rngs=nnx.Rngs(0))
    g_def, params = nnx.split(g)
    z = jax.random.normal(jax.random.key(5), (4, 16))
    w = jax.random.normal(jax.random.key(6), (4, 32, 32, 3))

    def loss(p: nnx.State, fast: bool) -> jax.Array:
        return jnp.sum(nnx.merge(g_def, p)(z, fast=fast) * w)

    fast, ref = jax.grad(loss)(params, True), jax.grad(loss)(params, False)
    for a, b in zip(jax.tree.leaves(fast), jax.tree.leaves(ref), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-3, atol=1e-3 * float(jnp.abs(b).max()))


def test_discriminator_has_the_reference_values_and_gradients() -> None:
    # The discriminator's convs are written for a fast backward pass (space-to-depth, bias
    # gradients as products, gan.conv): the same function and gradients as its nnx.Conv modules
    # applied as declared, for the parameters and the input.
    from gan.models import DownBlock

    d = Discriminator(resolution=32, ndf=8, rngs=nnx.Rngs(0))
    for path, leaf in nnx.iter_graph(d):
        if isinstance(leaf, nnx.Param) and path[-1] == "bias":  # zero-initialised: make them count
            leaf[...] = jax.random.normal(jax.random.key(len(path)), leaf.shape)
    d_def, params = nnx.split(d)
    x = jax.random.normal(jax.random.key(7), (3, 32, 32, 3))
    w = jax.random.normal(jax.random.key(8), (3,))

    def reference(d: Discriminator, x: jax.Array) -> jax.Array:
        h = jax.nn.leaky_relu(d.from_rgb(x), 0.2)
        for r in (16, 8, 4):
            block: DownBlock = getattr(d, f"down{r}")
            n, s, _, c = h.shape
            pooled = h.reshape(n, s // 2, 2, s // 2, 2, c).mean(axis=(2, 4))
            main = jax.nn.leaky_relu(block.conv(h), 0.2)
            h = (main + jax.nn.leaky_relu(block.skip(pooled), 0.2)) / 2
        return d.logit(h).reshape(x.shape[0])

    def loss(p: nnx.State, x: jax.Array, fast: bool) -> jax.Array:
        model = nnx.merge(d_def, p)
        return jnp.sum(jnp.sin(model(x) if fast else reference(model, x)) * w)

    model = nnx.merge(d_def, params)
    np.testing.assert_allclose(model(x), reference(model, x), rtol=1e-4, atol=1e-4)
    fast = jax.grad(loss, (0, 1))(params, x, True)
    ref = jax.grad(loss, (0, 1))(params, x, False)
    for a, b in zip(jax.tree.leaves(fast), jax.tree.leaves(ref), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-3, atol=1e-4 * float(jnp.abs(b).max()))
