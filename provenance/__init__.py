"""provenance: from a GAN artwork to a verifiable ERC-721 token.

Layers (dependencies point one way, see docs/design.md): ``cli -> workflows -> content, chain,
ipfs, seal, gallery -> state``. Nothing here imports jax; the GAN lives in the separate ``gan``
package.
"""

from __future__ import annotations

from provenance.errors import (
    ChainError,
    ConfigError,
    InputError,
    IPFSError,
    ProvenanceError,
    SealError,
    VerificationError,
)

__version__ = "0.1.0"

__all__ = [
    "ChainError",
    "ConfigError",
    "IPFSError",
    "InputError",
    "ProvenanceError",
    "SealError",
    "VerificationError",
    "__version__",
]
