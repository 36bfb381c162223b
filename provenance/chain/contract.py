"""The ProvenanceArt binding: typed calls, the mint transaction, its events, deployment."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from provenance.chain.abi import ContractABI, DecodedEvent
from provenance.chain.address import to_checksum
from provenance.chain.keccak import keccak
from provenance.chain.outbox import JournalSlot, Outbox, TxCall, send_lock
from provenance.chain.rpc import Receipt, RpcClient, hex_to_bytes, to_hex
from provenance.chain.token_id import TokenRef, match_prefix, token_id_of_image
from provenance.chain.tx import Sender
from provenance.contracts import BUILDS, DEFAULT_BUILD, Build, load_artifact
from provenance.errors import ChainError, ContractRevert
from provenance.state.failpoints import failpoint
from provenance.state.home import home

if TYPE_CHECKING:
    from provenance.state.journal import Journal

__all__ = [
    "DEFAULT_ADMIN_ROLE",
    "MINTER_ROLE",
    "ProvenanceArt",
    "Record",
    "VoucherState",
    "deploy_provenance_art",
]

MINTER_ROLE = keccak(b"MINTER_ROLE")
LOG_RANGE = 10_000  # blocks per eth_getLogs: within what common public endpoints accept
DEFAULT_ADMIN_ROLE = b"\0" * 32


class VoucherState(StrEnum):
    """A voucher's state on chain, as ``voucherState(signer, id)`` returns it (0, 1, 2)."""

    OPEN = "open"
    REDEEMED = "redeemed"
    CANCELED = "canceled"


@dataclass(frozen=True)
class Record:
    token_id: int
    metadata_digest: bytes

    @property
    def image_digest(self) -> bytes:
        """The token id is the image's sha256 (contract v2)."""
        return self.token_id.to_bytes(32, "big")


class ProvenanceArt:
    def __init__(
        self, rpc: RpcClient, address: str, *, abi: ContractABI | None = None, from_block: int = 0
    ) -> None:
        self.rpc = rpc
        self.address = to_checksum(address)
        # Event queries start here (the deployment block when known): public RPCs refuse
        # eth_getLogs over a chain's whole history.
        self.from_block = from_block
        self.abi = abi or ContractABI(load_artifact("ProvenanceArt")["abi"])

    def call(self, name: str, *args: Any) -> Any:
        try:
            data = self.rpc.call(self.address, self.abi.encode_call(name, *args))
        except ContractRevert as exc:
            raise self.abi.explain_revert(exc, action=f"{name}()") from exc
        return self.abi.decode_output(name, data)

    def has_code(self) -> bool:
        return len(self.rpc.get_code(self.address)) > 0

    def exists(self, token_id: int) -> bool:
        try:
            self.call("ownerOf", token_id)
        except ContractRevert as exc:
            if exc.error_name == "ERC721NonexistentToken":
                return False
            raise
        return True

    def owner_of(self, token_id: int) -> str:
        return to_checksum(self.call("ownerOf", token_id))

    def token_uri(self, token_id: int) -> str:
        return str(self.call("tokenURI", token_id))

    def record_of(self, token_id: int) -> Record:
        """The recorded metadata digest; reverts ``UnknownToken`` for an id never minted (a
        burned token keeps its record)."""
        return Record(token_id=token_id, metadata_digest=bytes(self.call("recordOf", token_id)))

    def ever_minted(self, token_id: int) -> bool:
        """Whether the id was ever minted (live or burned): its record exists."""
        try:
            self.call("recordOf", token_id)
        except ContractRevert as exc:
            if exc.error_name == "UnknownToken":
                return False
            raise
        return True

    def tokens_of_images(self, image_digests: Sequence[bytes]) -> list[int]:
        """:meth:`token_of_image` of each digest, asked in one JSON-RPC batch (a batch checks a
        window of works in one round trip)."""
        token_ids = [token_id_of_image(digest) for digest in image_digests]
        calls = [
            (
                "eth_call",
                [
                    {"to": self.address, "data": to_hex(self.abi.encode_call("recordOf", t))},
                    "latest",
                ],
            )
            for t in token_ids
        ]
        found: list[int] = []
        for token_id, answer in zip(token_ids, self.rpc.request_many(calls), strict=True):
            if isinstance(answer, ContractRevert):
                explained = self.abi.explain_revert(answer, action="recordOf()")
                if explained.error_name != "UnknownToken":
                    raise explained
                found.append(0)
            elif isinstance(answer, ChainError):
                raise answer
            else:
                self.abi.decode_output("recordOf", hex_to_bytes(str(answer)))
                found.append(token_id)
        return found

    def token_of_image(self, image_digest: bytes) -> int:
        """The token of an image (its id is the image's sha256), or 0 when it was never minted."""
        token_id = token_id_of_image(image_digest)
        return token_id if self.ever_minted(token_id) else 0

    def minted_token_ids(self) -> list[int]:
        """Every token ever minted, in mint order, from the ArtworkMinted events."""
        return [int(e.args["tokenId"]) for e in self.events("ArtworkMinted")]

    def total_minted(self) -> int:
        """How many works were minted (burned ones included), counted from the events."""
        return len(self.minted_token_ids())

    def resolve_token(self, ref: TokenRef) -> int:
        """A full id as given, or the one minted token a hex prefix names."""
        if ref.token_id is not None:
            return ref.token_id
        return match_prefix(ref, self.minted_token_ids(), contract=self.address)

    def voucher_state(self, signer: str, voucher_id: bytes) -> VoucherState:
        """The state of (signer, id). A number the contract's enum does not have means the address
        is not a ProvenanceArt of this version: refused, not shown as a state."""
        state = int(self.call("voucherState", to_checksum(signer), voucher_id))
        states = list(VoucherState)
        if state >= len(states):
            raise ChainError(
                f"{self.address} answered voucher state {state}, which ProvenanceArt does not have"
            )
        return states[state]

    def has_role(self, role: bytes, account: str) -> bool:
        return bool(self.call("hasRole", role, to_checksum(account)))

    def is_admin(self, account: str) -> bool:
        return self.has_role(DEFAULT_ADMIN_ROLE, account)

    def role_members(self, role: bytes) -> list[str]:
        """Who holds ``role`` now: everyone a RoleGranted event names, asked again (AccessControl
        keeps no list)."""
        topic = "0x" + role.hex()
        granted = [
            to_checksum(str(e.args["account"])) for e in self.events("RoleGranted", topics=[topic])
        ]
        return [a for a in dict.fromkeys(granted) if self.has_role(role, a)]

    def payees(self) -> list[str]:
        return [to_checksum(str(a)) for a in self.call("payees")]

    def is_minter(self, account: str) -> bool:
        return self.has_role(MINTER_ROLE, account)

    def mint_calldata(
        self, *, to: str, metadata_digest: bytes, image_digest: bytes, sealed_message: bytes
    ) -> bytes:
        return self.abi.encode_call(
            "mint", to_checksum(to), metadata_digest, image_digest, sealed_message
        )

    def events(
        self, name: str, *, from_block: int | None = None, topics: list[str | None] | None = None
    ) -> list[DecodedEvent]:
        """Decoded logs of one event, queried in bounded block ranges."""
        topic0 = "0x" + self.abi.event_topic(name).hex()
        start = self.from_block if from_block is None else from_block
        latest = self.rpc.block_number()
        logs: list[dict[str, Any]] = []
        while start <= latest:
            end = min(start + LOG_RANGE - 1, latest)
            logs += self.rpc.get_logs(
                {
                    "address": self.address,
                    "fromBlock": hex(start),
                    "toBlock": hex(end),
                    "topics": [topic0, *(topics or [])],
                }
            )
            start = end + 1
        decoded = [self.abi.decode_log(log) for log in logs]
        return [event for event in decoded if event is not None]

    def minted_event(self, token_id: int) -> DecodedEvent | None:
        topic = "0x" + token_id.to_bytes(32, "big").hex()
        found = self.events("ArtworkMinted", topics=[topic])
        return found[0] if found else None

    def redeemed_event(self, token_id: int) -> DecodedEvent | None:
        """The VoucherRedeemed event of ``token_id`` (topics: signer, id, tokenId), if any."""
        topic = "0x" + token_id.to_bytes(32, "big").hex()
        found = self.events("VoucherRedeemed", topics=[None, None, topic])
        return found[0] if found else None

    def events_in(self, receipt: Receipt, name: str) -> list[DecodedEvent]:
        """The events ``name`` this contract emitted in a transaction."""
        found = []
        for log in receipt.logs:
            if to_checksum(log["address"]) != self.address:
                continue
            event = self.abi.decode_log(log)
            if event is not None and event.name == name:
                found.append(event)
        return found

    def minted_from_receipt(self, receipt: Receipt) -> DecodedEvent:
        for log in receipt.logs:
            if to_checksum(log["address"]) != self.address:
                continue
            event = self.abi.decode_log(log)
            if event is not None and event.name == "ArtworkMinted":
                return event
        raise ChainError(
            f"transaction {receipt.tx_hash} emitted no ArtworkMinted event",
            tx_hash=receipt.tx_hash,
        )


def deploy_provenance_art(
    sender: Sender,
    *,
    name: str = "Provenance",
    symbol: str = "PROV",
    admin: str | None = None,
    royalty_receiver: str | None = None,
    royalty_bps: int = 500,
    contract_uri: str = "",
    payees: list[tuple[str, int]] | None = None,
    journal: Journal | None = None,
    build: Build = BUILDS[DEFAULT_BUILD],
) -> tuple[str, Receipt]:
    """Deploy a shipped build (default: Prague); returns (address, receipt). ``payees`` are
    (address, shares) pairs splitting the donations (none: the admin alone). With ``journal`` the
    deployment goes through the journaled outbox (a re-run after a crash finishes the same
    deployment)."""
    artifact = load_artifact(build.contract)
    abi = ContractABI(artifact["abi"])
    admin = to_checksum(admin or sender.address)
    args = abi.encode_constructor(
        name,
        symbol,
        admin,
        to_checksum(royalty_receiver or admin),
        royalty_bps,
        contract_uri,
        [to_checksum(account) for account, _ in payees or []],
        [shares for _, shares in payees or []],
    )
    bytecode = bytes.fromhex(artifact["bytecode"].removeprefix("0x"))
    call = TxCall(to=None, data=bytecode + args, action="deploy", abi=abi)
    if journal is None:  # a throwaway chain (tests): nothing to resume
        receipt = sender.transact(to=None, data=call.data, abi=abi, action="deploy")
    else:
        slot = JournalSlot(
            journal,
            f"deploy:{sender.chain_id}:{sender.address}",
            chain_id=sender.chain_id,
            abi=abi,
            description="deployment",
        )
        lock = functools.partial(send_lock, sender, home().send_lock)
        outbox = Outbox(sender, slot, lock=lock, failpoint=failpoint, failpoint_prefix="deploy-")
        receipt = outbox.transact(call).receipt
    if not receipt.succeeded or not receipt.contract_address:
        raise ChainError("deployment failed", tx_hash=receipt.tx_hash)
    return to_checksum(receipt.contract_address), receipt
