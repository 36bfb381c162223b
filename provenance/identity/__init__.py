"""The artist's Content Credentials identity: a local X.509 chain and its key at rest
(:mod:`.certificates`), and C2PA manifests signed and read with it (:mod:`.c2pa`).

Not GAN code: ``gan generate --c2pa-identity`` (the CLI) signs with it, ``mint`` binds its
certificate, ``verify`` reads the manifest. Needs the GAN extra's c2pa-python and cryptography,
never jax.
"""
