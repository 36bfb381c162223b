"""The ProvenanceArt binding: typed calls, the mint transaction, its events, deployment."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from eth_hash.auto import keccak

from provenance.chain.abi import ContractABI, DecodedEvent
from provenance.chain.address import to_checksum
from provenance.chain.outbox import JournalSlot, Outbox, TxCall
from provenance.chain.rpc import Receipt, RpcClient
from provenance.chain.tx import Sender
from provenance.contracts import load_artifact
from provenance.errors import ChainError, ContractRevert
from provenance.state.failpoints import failpoint

if TYPE_CHECKING:
    from provenance.state.journal import Journal

__all__ = ["MINTER_ROLE", "ProvenanceArt", "Record", "deploy_provenance_art"]

MINTER_ROLE = keccak(b"MINTER_ROLE")
LOG_RANGE = 10_000  # blocks per eth_getLogs: within what common public endpoints accept
DEFAULT_ADMIN_ROLE = b"\0" * 32


@dataclass(frozen=True)
class Record:
    token_id: int
    metadata_digest: bytes
    image_digest: bytes


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
        raw = self.call("recordOf", token_id)
        return Record(
            token_id=token_id,
            metadata_digest=bytes(raw["metadataDigest"]),
            image_digest=bytes(raw["imageDigest"]),
        )

    def token_of_image(self, image_digest: bytes) -> int:
        return int(self.call("tokenOfImage", image_digest))

    def total_minted(self) -> int:
        return int(self.call("totalMinted"))

    def is_minter(self, account: str) -> bool:
        return bool(self.call("hasRole", MINTER_ROLE, to_checksum(account)))

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
        """The VoucherRedeemed event of ``token_id`` (topics: id, tokenId, redeemer), if any."""
        topic = "0x" + token_id.to_bytes(32, "big").hex()
        found = self.events("VoucherRedeemed", topics=[None, topic])
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
    journal: Journal | None = None,
) -> tuple[str, Receipt]:
    """Deploy the shipped artifact; returns (address, receipt). With ``journal`` the deployment
    goes through the journaled outbox (a re-run after a crash finishes the same deployment)."""
    artifact = load_artifact("ProvenanceArt")
    abi = ContractABI(artifact["abi"])
    admin = to_checksum(admin or sender.address)
    args = abi.encode_constructor(
        name, symbol, admin, to_checksum(royalty_receiver or admin), royalty_bps, contract_uri
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
            call=call,
        )
        call = slot.journaled_call() or call
        outbox = Outbox(sender, slot, failpoint=failpoint, failpoint_prefix="deploy-")
        tx_hash, found, _resumed = outbox.start(call)
        receipt = outbox.finish(call, tx_hash, found)
    if not receipt.succeeded or not receipt.contract_address:
        raise ChainError("deployment failed", tx_hash=receipt.tx_hash)
    return to_checksum(receipt.contract_address), receipt
