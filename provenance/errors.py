"""The exception tree. Every error a user can cause is a ``ProvenanceError``; the CLI turns it into
one line on stderr and a non-zero exit, in one place (``provenance.cli``).

    ProvenanceError                 exit_code 1
    ├── InputError                  a bad argument, file or value the user gave        (exit 2)
    ├── ConfigError                 missing or inconsistent configuration / state      (exit 3)
    ├── ChainError                  RPC, transaction, revert (carries tx hash, decoded error)
    │   ├── ContractRevert          a revert decoded into the contract's custom error name
    │   └── AbiDecodingError        return data, a log or revert data that is not valid ABI
    ├── IPFSError                   importer, blockstore, CAR, Kubo RPC, pinning, gateways
    │   └── IntegrityError          content whose hash does not match its CID (carries the CID)
    ├── SealError                   envelopes, keys, decryption (never carries key material)
    └── VerificationError           a verify check failed (carries the check's name)

Third-party exceptions are translated once, at the boundary where they occur, with
``raise ... from exc`` so the cause stays visible under ``--debug``.
"""

from __future__ import annotations

from typing import Any


class ProvenanceError(Exception):
    """Root of every error the toolkit raises on purpose."""

    exit_code = 1

    def __init__(self, message: str, **context: Any) -> None:
        super().__init__(message)
        self.message = message
        self.context = context

    def __str__(self) -> str:
        return self.message


class InputError(ProvenanceError):
    """The user gave something unusable: a missing file, a bad address, an oversize message."""

    exit_code = 2


class ConfigError(ProvenanceError):
    """Configuration or local state is missing or inconsistent (no deployment, wrong chain id)."""

    exit_code = 3


class ChainError(ProvenanceError):
    """An RPC call or transaction failed."""


class ContractRevert(ChainError):
    """A call reverted; ``error_name`` is the decoded custom error, ``data`` the raw revert data."""

    def __init__(
        self, message: str, *, error_name: str | None = None, data: bytes = b"", **context: Any
    ) -> None:
        super().__init__(message, error_name=error_name, data=data, **context)
        self.error_name = error_name
        self.data = data


class AbiDecodingError(ChainError):
    """Bytes from a node (return data, a log, revert data) that do not decode as the ABI says."""


class IPFSError(ProvenanceError):
    """Content addressing, the blockstore, CAR files, Kubo, pinning services or gateways."""


class IntegrityError(IPFSError):
    """Bytes that do not hash to the CID they were fetched or stored under."""


class SealError(ProvenanceError):
    """Sealed-message envelopes and keys. Messages never include key material."""


class VerificationError(ProvenanceError):
    """A named verification check failed."""

    def __init__(self, message: str, *, check: str, **context: Any) -> None:
        super().__init__(message, check=check, **context)
        self.check = check
