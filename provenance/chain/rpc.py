"""A small Ethereum JSON-RPC client over HTTP (:mod:`provenance.chain.transport`).

Why not web3.py here: importing web3 costs seconds of interpreter start-up, and a single
``provenance mint`` from the shell has a 1.5 s budget. The toolkit needs a dozen ``eth_*`` methods;
this client speaks them, translates every failure into a ``ChainError`` once, and keeps revert data
so that ``provenance.chain.abi`` can decode it into the contract's custom error. The tests check the
same chain through web3.py 8 as an independent client.
"""

from __future__ import annotations

import itertools
import json
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Self

from provenance.chain.batches import BatchCap, answers_in_order
from provenance.chain.transport import loopback_target, open_poster
from provenance.errors import BatchRefused, ChainError, ChainUnreachable, ContractRevert
from provenance.redact import http_url, redact_url

if TYPE_CHECKING:
    import httpx

__all__ = ["Block", "Receipt", "RpcClient", "Transaction", "hex_to_bytes", "redact_url", "to_hex"]


def _int(value: Any, default: int = 0) -> int:
    return int(value, 16) if isinstance(value, str) and value else default


@dataclass(frozen=True)
class Receipt:
    """A transaction receipt, decoded once (quantities as ints)."""

    tx_hash: str
    succeeded: bool
    block_number: int
    gas_used: int
    contract_address: str | None  # set by a deployment
    logs: list[dict[str, Any]]  # as the node sent them: ContractABI.decode_log reads them

    @classmethod
    def from_json(cls, value: dict[str, Any]) -> Receipt:
        return cls(
            tx_hash=str(value["transactionHash"]),
            succeeded=_int(value.get("status")) == 1,
            block_number=_int(value.get("blockNumber")),
            gas_used=_int(value.get("gasUsed")),
            contract_address=value.get("contractAddress") or None,
            logs=[dict(log) for log in value.get("logs", [])],
        )


@dataclass(frozen=True)
class Transaction:
    """A transaction as the node reports it (mined or pending), decoded once."""

    hash: str
    nonce: int
    sender: str
    to: str | None
    max_fee_per_gas: int  # gasPrice for a legacy transaction
    max_priority_fee_per_gas: int  # gasPrice for a legacy transaction
    fields: dict[str, Any]  # the node's JSON, for code that rebuilds the signed transaction

    @classmethod
    def from_json(cls, value: dict[str, Any]) -> Transaction:
        price = value.get("gasPrice")
        return cls(
            hash=str(value["hash"]),
            nonce=_int(value.get("nonce")),
            sender=str(value.get("from", "")),
            to=value.get("to") or None,
            max_fee_per_gas=_int(value.get("maxFeePerGas") or price),
            max_priority_fee_per_gas=_int(value.get("maxPriorityFeePerGas") or price),
            fields=dict(value),
        )


@dataclass(frozen=True)
class Block:
    number: int
    timestamp: int
    base_fee_per_gas: int  # 0 before London

    @classmethod
    def from_json(cls, value: dict[str, Any]) -> Block:
        return cls(
            number=_int(value.get("number")),
            timestamp=_int(value.get("timestamp")),
            base_fee_per_gas=_int(value.get("baseFeePerGas")),
        )


def to_hex(value: int | bytes) -> str:
    if isinstance(value, int):
        return hex(value)
    return "0x" + value.hex()


def hex_to_bytes(value: str) -> bytes:
    return bytes.fromhex(value.removeprefix("0x"))


# What nodes answer a log query over their cap (results or range), not a bad query.
_LOG_CAP = re.compile(r"more than|too many|exceed|range|limit|too large", re.IGNORECASE)


def _range_halves(filter_params: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """The filter over each half of its block range; None unless both ends are block numbers
    and the range holds two blocks or more."""
    try:
        start, end = int(filter_params["fromBlock"], 16), int(filter_params["toBlock"], 16)
    except (KeyError, TypeError, ValueError):
        return None
    if end <= start:
        return None
    middle = (start + end) // 2
    return (
        {**filter_params, "toBlock": hex(middle)},
        {**filter_params, "fromBlock": hex(middle + 1)},
    )


class RpcClient:
    """JSON-RPC over HTTP. ``transport`` is the seam for unit tests (httpx.MockTransport).

    Not an ``HttpService`` itself, unlike the other remote clients: a node on loopback (the devnet)
    is reached without importing httpx (see :mod:`provenance.chain.transport`); any other URL goes
    through an ``HttpService``."""

    def __init__(
        self,
        url: str,
        *,
        timeout: float = 30.0,
        transport: httpx.BaseTransport | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        # A node on loopback is reached without httpx, so it is not validated by httpx either.
        self.url = url if loopback_target(url) is not None else http_url(url, "--rpc-url")
        self.shown_url = redact_url(url)
        self._client = open_poster(self.url, timeout=timeout, transport=transport, headers=headers)
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._batches = BatchCap(self._batch, self._answer_of_one)

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def request(self, method: str, params: list[Any] | None = None) -> Any:
        body = self._answer_of_one((method, params or []))
        error = body.get("error")
        if error:
            raise self._translate_error(method, error)
        return body.get("result")

    def request_many(self, calls: Sequence[tuple[str, list[Any]]]) -> list[Any]:
        """Several calls in JSON-RPC batches (one HTTP round trip each): each call's result, or the
        ``ChainError`` it answered (returned, not raised: the caller decides per call). A batch
        the node caps is sent again in halves, down to single calls (``chain/batches.py``); an
        outage raises."""
        return [
            self._translate_error(method, answer["error"])
            if answer.get("error")
            else answer.get("result")
            for (method, _params), answer in zip(calls, self._batches.answers(calls), strict=True)
        ]

    def _answer_of_one(self, call: tuple[str, list[Any]]) -> dict[str, Any]:
        method, params = call
        with self._lock:
            request_id = next(self._ids)
        body = self._post(
            {"jsonrpc": "2.0", "id": request_id, "method": method, "params": params}, method
        )
        if not isinstance(body, dict):
            raise ChainError(f"RPC {method} at {self.shown_url} answered a non-object")
        return body

    def _batch(self, calls: Sequence[tuple[str, list[Any]]]) -> list[Any] | None:
        """One batch's answer objects in call order (``SEND_AGAIN`` for a call not answered, or
        refused for the batch's size); None when the node refused the batch as a whole."""
        with self._lock:
            ids = [next(self._ids) for _ in calls]
        payload = [
            {"jsonrpc": "2.0", "id": request_id, "method": method, "params": params}
            for request_id, (method, params) in zip(ids, calls, strict=True)
        ]
        try:
            return answers_in_order(
                self._post(payload, f"batch of {len(calls)} {calls[0][0]}"), ids
            )
        except BatchRefused:
            return None

    def _post(self, payload: Any, what: str) -> Any:
        """POST one JSON-RPC request or batch; the parsed answer (``what`` names it in errors)."""
        status, content = self._client.post(
            json.dumps(payload, separators=(",", ":")).encode(), method=what
        )
        if status in (400, 413) and isinstance(payload, list):
            raise BatchRefused(f"RPC {what} at {self.shown_url} answered HTTP {status}")
        if status != 200:
            raise ChainUnreachable(f"RPC {what} at {self.shown_url} answered HTTP {status}")
        try:
            return json.loads(content)
        except ValueError as exc:
            raise ChainError(f"RPC {what} at {self.shown_url} answered non-JSON") from exc

    def _translate_error(self, method: str, error: Any) -> ChainError:
        message = str(error.get("message", error)) if isinstance(error, dict) else str(error)
        data = error.get("data") if isinstance(error, dict) else None
        if isinstance(data, dict):  # some nodes nest {"data": {"data": "0x.."}}
            data = data.get("data")
        if (
            isinstance(data, str)
            and data.startswith("0x")
            and (
                "revert" in message.lower() or (isinstance(error, dict) and error.get("code") == 3)
            )
        ):
            return ContractRevert(f"{method} reverted: {message}", data=hex_to_bytes(data))
        if "revert" in message.lower():
            return ContractRevert(f"{method} reverted: {message}", data=b"")
        return ChainError(f"RPC {method} failed: {message}", rpc_error=error)

    # The eth_* methods the toolkit uses.

    def chain_id(self) -> int:
        return int(self.request("eth_chainId"), 16)

    def block_number(self) -> int:
        return int(self.request("eth_blockNumber"), 16)

    def get_code(self, address: str, block: str = "latest") -> bytes:
        return hex_to_bytes(self.request("eth_getCode", [address, block]))

    def get_balance(self, address: str, block: str = "latest") -> int:
        return int(self.request("eth_getBalance", [address, block]), 16)

    def call(
        self, to: str, data: bytes, *, sender: str | None = None, block: str = "latest"
    ) -> bytes:
        tx: dict[str, Any] = {"to": to, "data": to_hex(data)}
        if sender:
            tx["from"] = sender
        return hex_to_bytes(self.request("eth_call", [tx, block]))

    def estimate_gas(self, tx: dict[str, Any]) -> int:
        return int(self.request("eth_estimateGas", [tx]), 16)

    def transaction_count(self, address: str, block: str = "pending") -> int:
        return int(self.request("eth_getTransactionCount", [address, block]), 16)

    def send_raw_transaction(self, raw: bytes) -> str:
        return str(self.request("eth_sendRawTransaction", [to_hex(raw)]))

    def get_transaction(self, tx_hash: str) -> Transaction | None:
        result = self.request("eth_getTransactionByHash", [tx_hash])
        return Transaction.from_json(dict(result)) if result else None

    def get_receipt(self, tx_hash: str) -> Receipt | None:
        result = self.request("eth_getTransactionReceipt", [tx_hash])
        return Receipt.from_json(dict(result)) if result else None

    def get_block(self, block: str | int = "latest") -> Block:
        tag = to_hex(block) if isinstance(block, int) else block
        result = self.request("eth_getBlockByNumber", [tag, False])
        if not result:
            raise ChainError(f"block {block} not found")
        return Block.from_json(dict(result))

    def max_priority_fee(self) -> int:
        try:
            return int(self.request("eth_maxPriorityFeePerGas"), 16)
        except ChainError:
            return 1_000_000_000  # 1 gwei where the node does not implement the method

    def get_logs(self, filter_params: dict[str, Any]) -> list[dict[str, Any]]:
        """The logs of a filter. Public nodes cap a query's results or range ("query returned
        more than 10000 results", "block range too large"): a capped query over numbered blocks
        is asked again in halves of its range, down to one block."""
        try:
            return [dict(entry) for entry in self.request("eth_getLogs", [filter_params])]
        except ChainUnreachable:
            raise
        except ChainError as exc:
            halves = _range_halves(filter_params)
            if halves is None or not _LOG_CAP.search(str(exc)):
                raise
            return self.get_logs(halves[0]) + self.get_logs(halves[1])
