"""The session a command works in: the chain, the collection's contract, the content store, the
journal, the signer and the journaled outbox they send through.

Named ``Session`` (not "collection", which is the ERC-7572 document ``collection set`` writes).
Workflows take it as their ``collection`` argument: the collection they act on, connected.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from provenance.chain.contract import ProvenanceArt
from provenance.chain.network import Chain, connect, resolve_contract, signer
from provenance.chain.outbox import JournalSlot, Outbox, TxCall, send_lock
from provenance.chain.rpc import Receipt
from provenance.chain.tx import Sender
from provenance.errors import (
    AlreadyMinted,
    ChainUnreachable,
    ConfigError,
    CouldNotCheck,
    InputError,
    ProvenanceError,
)
from provenance.state.failpoints import failpoint
from provenance.state.home import home
from provenance.state.journal import Journal

if TYPE_CHECKING:
    from provenance.content.descriptor import Descriptor
    from provenance.ipfs import Blockstore, KuboClient, PinningClient
    from provenance.ipfs.reader import ContentSource

__all__ = [
    "NO_COLLECTION",
    "AlreadyMinted",
    "ReadTarget",
    "Session",
    "content_services",
    "fetch_document",
    "open_content_source",
    "open_reader",
    "open_session",
]


@dataclass
class Session:
    """What ``open_session`` connected; read-only commands have no ``sender``."""

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

    def send_lock(self) -> AbstractContextManager[None]:
        """One signing process at a time per state folder (``chain.outbox.send_lock``)."""
        return send_lock(self.sender, home().send_lock)

    def transact(
        self,
        key: str,
        call: TxCall | Callable[[], TxCall],
        *,
        description: str | None = None,
        failpoints: str = "",
    ) -> tuple[Receipt, bool]:
        """Send a call through the journaled outbox, or finish the transaction an interrupted run
        journaled under ``key``; (successful receipt, resumed). ``call`` may be a function that
        checks and builds it: it runs only when a fresh transaction is needed."""
        outbox = self.outbox(key, description=description, failpoints=failpoints)
        sent = outbox.transact(call)
        return sent.receipt, sent.resumed

    def outbox(
        self,
        key: str,
        *,
        details: dict[str, Any] | None = None,
        description: str | None = None,
        failpoints: str = "",
    ) -> Outbox:
        """The journaled outbox for one intent (``key``) other than a mint, to this contract."""
        sender = self.require_sender(description or "sending a transaction")
        slot = JournalSlot(
            self.journal,
            key,
            chain_id=self.chain.chain_id,
            abi=self.contract.abi,
            details=details,
            description=description,
        )
        return Outbox(
            sender, slot, lock=self.send_lock, failpoint=failpoint, failpoint_prefix=failpoints
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


def open_session(
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
    deploy_if_missing: bool = True,
    confirmations: int | None = None,
) -> Session:
    """Connect (starting the devnet and, unless ``deploy_if_missing`` is false, deploying there
    on first use) and open local state. ``read_only``: never start or deploy a collection this
    home does not have (``open_reader``)."""
    from provenance.ipfs import Blockstore

    if read_only:
        target = open_reader(rpc_url=rpc_url, chain_id=chain_id, contract=contract)
        return Session(chain=target.chain, contract=target.contract, store=Blockstore.open())
    chain = connect(rpc_url=rpc_url, chain_id=chain_id, confirmations=confirmations)
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
    bound = resolve_contract(chain, contract=contract, deploy_if_missing=deploy_if_missing)
    sender = None
    if with_signer and local:
        sender = Sender(
            chain.rpc, local, chain_id=chain.chain_id, confirmations=chain.confirmations
        )
    return Session(chain=chain, contract=bound, store=Blockstore.open(), sender=sender)


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


def fetch_document(url: str, *, max_bytes: int, what: str, timeout: float = 15.0) -> bytes:
    """GET ``url``, at most ``max_bytes``. Not answering (or a 5xx) is CouldNotCheck; a 404 or
    an oversized answer is the user's bad URL (InputError)."""
    import httpx

    from provenance.redact import redact_url

    shown = redact_url(url)
    try:
        with (
            httpx.Client(timeout=timeout, follow_redirects=True) as client,
            client.stream("GET", url) as response,
        ):
            if response.status_code >= 500 or response.status_code in (408, 429):
                raise CouldNotCheck(
                    f"could not check: {what} at {shown} answered HTTP {response.status_code}"
                )
            if response.status_code != 200:
                raise InputError(
                    f"{shown} answered HTTP {response.status_code} for {what}: is it a"
                    " provenance gallery?"
                )
            body = bytearray()
            for chunk in response.iter_bytes():
                body += chunk
                if len(body) > max_bytes:
                    raise InputError(f"{what} at {shown} is larger than {max_bytes} bytes")
            return bytes(body)
    except httpx.HTTPError as exc:
        raise CouldNotCheck(
            f"could not check: {what} at {shown} did not answer ({type(exc).__name__})"
        ) from exc


def fetch_descriptor(gallery: str) -> Descriptor:
    """The descriptor of the gallery at ``gallery`` (its URL or the descriptor's)."""
    from provenance.content.descriptor import (
        MAX_DESCRIPTOR_BYTES,
        descriptor_url,
        parse_descriptor,
    )

    url = descriptor_url(gallery)
    data = fetch_document(url, max_bytes=MAX_DESCRIPTOR_BYTES, what="the gallery's provenance.json")
    try:
        return parse_descriptor(data, url=url)
    except ProvenanceError as exc:
        raise InputError(exc.message) from exc
