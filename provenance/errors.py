"""The exception tree. Every error a user can cause is a ``ProvenanceError``; the CLI turns it into
one line on stderr and a non-zero exit, in one place (``provenance.cli``).

    ProvenanceError                 exit_code 1
    ├── InputError                  a bad argument, file or value the user gave        (exit 2)
    │   ├── AlreadyMinted           the artwork's image is already a token (mint, offer)
    │   ├── InvalidCID              a CID given as text that does not parse (also an IPFSError)
    │   └── CredentialsError        Content Credentials: a C2PA manifest not written or read
    │       └── IdentityError       the artist's certificate chain / key: missing, malformed,
    │                               wrong passphrase
    ├── ConfigError                 missing or inconsistent configuration / state      (exit 3)
    │   └── NoDeploymentError       no collection contract known for the chain
    ├── ChainError                  RPC, transaction, revert (carries tx hash, decoded error)
    │   ├── ContractRevert          a revert decoded into the contract's custom error name
    │   ├── AbiDecodingError        return data, a log or revert data that is not valid ABI
    │   ├── TransactionDropped      a reorganisation took a mined transaction off the chain
    │   ├── SendError               a signed, journaled transaction the node did not accept
    │   └── ChainUnreachable        the endpoint did not answer (network, timeout, HTTP status)
    ├── IPFSError                   importer, blockstore, CAR, Kubo RPC, pinning, gateways
    │   ├── IntegrityError          content whose hash does not match its CID (carries the CID)
    │   ├── ContentUnavailable      no source delivered the content (gone, down): no verdict
    │   │   └── BlockNotFound       a block this store does not hold
    │   ├── ContentTooLarge         a file larger than the reader may produce
    │   └── ReadCancelled           the reader's consumer went away
    ├── UntrustedDataError          data from outside too large, too deep, or not what it claims
    ├── CouldNotCheck               a check that could not be made: no verdict         (exit 4)
    ├── SealError                   envelopes, keys, decryption (never carries key material)
    └── VerificationError           a verify check failed (carries the check's name)

Every exception class of the toolkit is defined here, even when raised far away (httpx's
``_exceptions.py``); the modules that raise them re-export their own.

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


class CredentialsError(InputError):
    """A C2PA manifest could not be written or read (``provenance.identity.c2pa``)."""


class IdentityError(CredentialsError):
    """The artist's signing identity is missing, malformed, or its passphrase is wrong
    (``provenance.identity.certificates``)."""


class AlreadyMinted(InputError):
    """The artwork's image is already a token of this collection (refused by mint and offer)."""

    def __init__(self, token_id: int, image_sha256: bytes) -> None:
        from provenance.chain.token_id import short_token

        # The token id is the image's sha256: the short id names both.
        short = short_token(token_id)
        super().__init__(
            f"this artwork is already minted as token {short} (the image's sha256"
            f" {image_sha256.hex()[:16]}...); see `provenance verify {short}`",
            token_id=token_id,
        )
        self.token_id = token_id


class ConfigError(ProvenanceError):
    """Configuration or local state is missing or inconsistent (no deployment, wrong chain id)."""

    exit_code = 3


class NoDeploymentError(ConfigError):
    """This home knows no collection contract on the chain (none recorded, none given)."""


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


class TransactionDropped(ChainError):
    """A transaction that was mined is no longer on the chain (a reorganisation dropped it) and
    did not come back; it stays journaled, so a re-run sends it again (or learns its nonce was
    taken and decides afresh)."""

    def __init__(self, tx_hash: str, *, block: int | None) -> None:
        where = (
            f"was dropped by a reorganisation at block {block}"
            if block is not None
            else "is no longer known to the node (a reorganisation or the node dropped it)"
        )
        super().__init__(
            f"transaction {tx_hash} {where}: re-run to send it again", tx_hash=tx_hash, block=block
        )
        self.tx_hash = tx_hash
        self.block = block


class SendError(ChainError):
    """A signed transaction could not be handed to the node (it stays journaled)."""


class BatchRefused(ChainError):
    """The node refused a JSON-RPC batch for its size (HTTP 400 or 413); ``RpcClient`` sends it
    again in halves, so it never reaches a command."""


class ChainUnreachable(ChainError):
    """The RPC endpoint did not answer (refused, timed out, an HTTP error): nothing was learnt."""


class IPFSError(ProvenanceError):
    """Content addressing, the blockstore, CAR files, Kubo, pinning services or gateways."""


class IntegrityError(IPFSError):
    """Bytes that do not hash to the CID they were fetched or stored under."""


class ContentUnavailable(IPFSError):
    """No source delivered the content: not in the store, every gateway down or without it.
    Unlike ``IntegrityError`` it says nothing about the content itself."""


class InvalidCID(InputError, IPFSError):
    """A CID given as text that does not parse. An ``InputError`` first (exit code 2: the user
    typed it), and an ``IPFSError`` for code that catches content-addressing failures."""


class BlockNotFound(ContentUnavailable):
    """The block is not in this store (``context['cid']`` names it)."""


class ContentTooLarge(IPFSError):
    """A file is (or declares itself) larger than the reader was allowed to produce."""


class ReadCancelled(IPFSError):
    """The reader's ``cancelled`` callback asked it to stop (its consumer went away)."""


class UntrustedDataError(ProvenanceError):
    """Data from outside (a token, a gateway, a file) is too large, too deep or not what it claims."""


class CouldNotCheck(ProvenanceError):
    """A check could not be made (the chain, the gallery or the content did not answer): the
    honest answer is "could not check", never a verdict."""

    exit_code = 4


class SealError(ProvenanceError):
    """Sealed-message envelopes and keys. Messages never include key material."""


class VerificationError(ProvenanceError):
    """A named verification check failed."""

    def __init__(self, message: str, *, check: str, **context: Any) -> None:
        super().__init__(message, check=check, **context)
        self.check = check
