"""Training configurations (``get_config()`` per module, as in the Flax examples)."""
