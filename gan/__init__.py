"""A data-efficient JAX/Flax GAN for an artist's own photographs. Never imports ``provenance``."""
