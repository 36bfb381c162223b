"""One collection to act on: the chain, the contract, the content store, the journal, the signer."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from provenance.chain.contract import ProvenanceArt
from provenance.chain.network import Chain, connect, resolve_contract, signer
from provenance.chain.outbox import JournalSlot, Outbox, TxCall
from provenance.chain.rpc import Receipt
from provenance.chain.token_id import short_token
from provenance.chain.tx import Sender
from provenance.errors import ChainUnreachable, ConfigError, CouldNotCheck, InputError
from provenance.state.failpoints import failpoint
from provenance.state.home import file_lock
from provenance.state.journal import Journal

if TYPE_CHECKING:
    from provenance.gallery.descriptor import Descriptor
    from provenance.ipfs import Blockstore, KuboClient, PinningClient
    from provenance.ipfs.reader import ContentSource

__all__ = [
    "NO_COLLECTION",
    "AlreadyMinted",
    "Collection",
    "ReadTarget",
    "content_services",
    "open_collection",
    "open_content_source",
]


class AlreadyMinted(InputError):
    """The artwork's image is already a token of this collection (refused by mint and offer)."""

    def __init__(self, token_id: int, image_sha256: bytes) -> None:
        # The token id is the image's sha256: the short id names both.
        short = short_token(token_id)
        super().__init__(
            f"this artwork is already minted as token {short} (the image's sha256"
            f" {image_sha256.hex()[:16]}...); see `provenance verify {short}`",
            token_id=token_id,
        )
        self.token_id = token_id


@dataclass
class Collection:
    chain: Chain
    contract: ProvenanceArt
    store: Blockstore
    sender: Sender | None = None
    # Where content is published besides the embedded store (optional).
    kubo: KuboClient | None = None
    pinning: PinningClient | None = None

    @functools.cached_property
    def journal(self) -> Journal:
        """Opened on first use: read-only commands (verify, decrypt) never need it."""
        return Journal()

    def require_sender(self, what: str) -> Sender:
        if self.sender is None:
            raise InputError(f"{what} needs a signer (--account or --private-key-env)")
        return self.sender

    @contextmanager
    def send_lock(self) -> Iterator[None]:
        """One signing process at a time per state folder, from the journal read to the broadcast:
        two commands finishing the same intent, or sharing a signer, must not both sign. The nonce
        is re-read from the node under the lock, since another process may have sent meanwhile."""
        with file_lock(self.journal.path.with_name("mint.lock")):
            if self.sender is not None:
                self.sender.nonces.resync(self.sender.address)
            yield

    def transact(self, key: str, call: TxCall, *, failpoints: str = "") -> tuple[Receipt, bool]:
        """Send ``call`` through the journaled outbox, or finish the transaction an interrupted
        run journaled under ``key``; (successful receipt, resumed)."""
        with self.send_lock():
            outbox = self.outbox(key, call, failpoints=failpoints)
            assert isinstance(outbox.slot, JournalSlot)
            call = outbox.slot.journaled_call() or call  # finish exactly what was journaled
            tx_hash, receipt, resumed = outbox.start(call)
        return outbox.finish(call, tx_hash, receipt), resumed

    def outbox(
        self, key: str, call: TxCall, *, details: dict[str, Any] | None = None, failpoints: str = ""
    ) -> Outbox:
        """The journaled outbox for one intent (``key``) other than a mint, sending ``call``."""
        slot = JournalSlot(
            self.journal, key, chain_id=self.chain.chain_id, call=call, details=details
        )
        return Outbox(
            self.require_sender(call.action),
            slot,
            failpoint=failpoint,
            failpoint_prefix=failpoints,
        )


#: What a read-only command says on a home that names no collection: it never starts a devnet of
#: its own (a stranger's empty devnet would call a genuine work nonexistent).
NO_COLLECTION = (
    "no collection named: give --gallery URL (the gallery publishes its provenance.json), or"
    " --rpc-url URL with --contract 0x.. (this home has none of its own)"
)


@dataclass(frozen=True)
class ReadTarget:
    """The chain and collection a read-only command checks against, and the gallery descriptor
    that named them (None: this home's own, or --rpc-url/--contract)."""

    chain: Chain
    contract: ProvenanceArt
    descriptor: Descriptor | None = None
    named_by_file: bool = False  # the gallery came from the file's own Content Credentials

    @property
    def where(self) -> str:
        """Where the collection's address came from, for the report."""
        if self.descriptor is not None and self.named_by_file:
            return (
                f"named by the gallery at {self.descriptor.url}, which the file's own Content"
                " Credentials name: make sure it is the artist's"
            )
        if self.descriptor is not None:
            return f"named by the gallery at {self.descriptor.url}"
        return self.chain.label


def _reachable(what: Any) -> Any:
    """Run a chain read; an endpoint that does not answer is "could not check" (exit 4)."""
    try:
        return what()
    except ChainUnreachable as exc:
        raise CouldNotCheck(f"could not check: {exc.message}") from exc


def open_reader(
    *,
    gallery: str | None = None,
    rpc_url: str | None = None,
    chain_id: int | None = None,
    contract: str | None = None,
) -> ReadTarget:
    """The collection to read, never starting or deploying anything for a home that has none:
    ``--gallery`` (its descriptor names chain, contract and RPC URL), ``--rpc-url`` with
    ``--contract`` or a recorded deployment, or this home's own devnet collection."""
    import os

    descriptor = None
    if gallery is not None:
        if rpc_url or contract:
            raise InputError("give --gallery, or --rpc-url and --contract, not both")
        from provenance.gallery.descriptor import fetch_descriptor

        descriptor = fetch_descriptor(gallery)
        rpc_url, contract = descriptor.rpc_url, descriptor.contract
        chain_id = chain_id if chain_id is not None else descriptor.chain_id
    rpc_url = rpc_url or os.environ.get("PROVENANCE_RPC_URL") or None
    from provenance.chain.deployments import Deployments

    if rpc_url is None and Deployments().get("devnet") is None:
        # This home's devnet holds no collection (or another address was named): nothing here
        # to check against, and a fresh devnet would only say that nothing exists.
        raise ConfigError(NO_COLLECTION)
    chain = _reachable(lambda: connect(rpc_url=rpc_url, chain_id=chain_id))
    if contract is None and not chain.is_devnet and Deployments().get(chain.key) is None:
        raise ConfigError(NO_COLLECTION)
    bound = _reachable(lambda: resolve_contract(chain, contract=contract, deploy_if_missing=False))
    if descriptor is not None:  # event scans start at the deployment block the gallery names
        bound = ProvenanceArt(chain.rpc, bound.address, from_block=descriptor.from_block)
    return ReadTarget(chain=chain, contract=bound, descriptor=descriptor)


def content_services(
    *,
    kubo_api: str | None = None,
    kubo_auth_env: str | None = None,
    pinning_endpoint: str | None = None,
    pinning_token_env: str | None = None,
) -> tuple[KuboClient | None, PinningClient | None]:
    """Kubo and pinning-service clients; secrets come from environment variables by name."""
    import os

    def secret(var: str | None, what: str) -> str | None:
        if var is None:
            return None
        value = os.environ.get(var)
        if not value:
            raise InputError(f"{what}: environment variable {var} is not set")
        return value

    kubo = pinning = None
    if kubo_api:
        from provenance.ipfs import KuboClient

        kubo = KuboClient(kubo_api, authorization=secret(kubo_auth_env, "--kubo-auth-env"))
    if pinning_endpoint:
        token = secret(pinning_token_env, "--pinning-token-env")
        if token is None:
            raise InputError("--pinning-endpoint needs --pinning-token-env VAR (the access token)")
        from provenance.ipfs import PinningClient

        pinning = PinningClient(pinning_endpoint, token)
    return kubo, pinning


def open_collection(
    *,
    rpc_url: str | None = None,
    chain_id: int | None = None,
    contract: str | None = None,
    account: str | None = None,
    private_key_env: str | None = None,
    password_env: str | None = None,
    keystore_dir: Path | None = None,
    with_signer: bool = False,
    read_only: bool = False,
) -> Collection:
    """Connect (starting the devnet and deploying there on first use) and open local state.
    ``read_only``: never start or deploy a collection this home does not have (``open_reader``)."""
    from provenance.ipfs import Blockstore

    if read_only:
        target = open_reader(rpc_url=rpc_url, chain_id=chain_id, contract=contract)
        return Collection(chain=target.chain, contract=target.contract, store=Blockstore.open())
    chain = connect(rpc_url=rpc_url, chain_id=chain_id)
    local = None
    if with_signer:
        local = signer(
            chain,
            account=account,
            private_key_env=private_key_env,
            password_env=password_env,
            keystore_dir=keystore_dir,
        )
    # On first use the devnet's collection is deployed by dev account 0 (the artist), whoever
    # signs this command: an implicit deployment must not make a stranger its admin.
    bound = resolve_contract(chain, contract=contract)
    sender = Sender(chain.rpc, local, chain_id=chain.chain_id) if with_signer and local else None
    return Collection(chain=chain, contract=bound, store=Blockstore.open(), sender=sender)


def open_content_source(
    kubo_api: str | None, gateways: tuple[str, ...], *, descriptor: Descriptor | None = None
) -> ContentSource:
    """The embedded blockstore by default, the gallery's gateways for a collection named by
    ``--gallery``; Kubo or gateways when asked. All verify every block."""
    if descriptor is not None and not (kubo_api or gateways):
        gateways = descriptor.gateways
    if kubo_api and gateways:
        raise InputError("give --kubo-api or --gateway, not both")
    if kubo_api:
        from provenance.ipfs import KuboClient

        return KuboClient(kubo_api)
    if gateways:
        from provenance.ipfs import GatewayFetcher

        return GatewayFetcher(list(gateways))
    from provenance.ipfs import Blockstore

    return Blockstore.open()
