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
from provenance.errors import AlreadyMinted, InputError
from provenance.state.failpoints import failpoint
from provenance.state.home import home
from provenance.state.journal import Journal

if TYPE_CHECKING:
    from provenance.ipfs import Blockstore, KuboClient, PinningClient
    from provenance.ipfs.reader import ContentSource

__all__ = [
    "AlreadyMinted",
    "Session",
    "content_services",
    "open_content_source",
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
    deploy_if_missing: bool = True,
    confirmations: int | None = None,
) -> Session:
    """Connect (starting the devnet and, unless ``deploy_if_missing`` is false, deploying there
    on first use) and open local state."""
    from provenance.ipfs import Blockstore

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


def open_content_source(kubo_api: str | None, gateways: tuple[str, ...]) -> ContentSource:
    """The embedded blockstore by default; Kubo or gateways when asked. All verify every block."""
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
