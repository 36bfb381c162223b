"""The gallery's same-origin, read-only JSON-RPC proxy: the browser reads the chain itself.

Only reads a badge, the donate form and "Read the message" need are forwarded to the node:
``eth_chainId``, ``eth_blockNumber``, ``eth_call``, ``eth_getCode`` and ``eth_getLogs`` on the
collection's own contract (logs over a bounded block range; ``verify --gallery`` reads the code), ``eth_getTransactionReceipt`` and
``eth_getBlockByNumber``. A POST holds one request object of bounded size and depth, or a JSON-RPC
batch (an array) of at most ``MAX_BATCH`` of them, ``MAX_BATCH_LOGS`` of which may be
``eth_getLogs``, in at most ``MAX_BATCH_BYTES``: the index's badges read the chain for a whole
screenful of works in one request. Each request of a batch is checked alone; one that is refused
is answered with its own JSON-RPC error and never reaches the node, the others are forwarded
together as one batch.

``eth_call`` takes only a call object (``to``, ``data``, ``gas``) and a block tag: a third parameter
would be a state override (any code run at the collection's address, reading anything), and the
call's gas is capped at ``MAX_CALL_GAS``, enough for every view the pages read and too little for
a precompile-heavy loop to hold the node's CPU. The HTTP side (``gallery/server.py``) takes only
``application/json`` POSTs and grants no CORS, so another site's page cannot drive the proxy.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any, Final

import httpx

from provenance.chain.batches import BatchCap, answers_in_order
from provenance.errors import ChainUnreachable
from provenance.untrusted import UntrustedDataError, load_json

__all__ = [
    "MAX_BATCH",
    "MAX_BATCH_BYTES",
    "MAX_BATCH_LOGS",
    "MAX_CALL_GAS",
    "MAX_LOG_BLOCKS",
    "MAX_REQUEST_BYTES",
    "RpcProxy",
]

MAX_REQUEST_BYTES: Final = 16 * 1024
MAX_REQUEST_DEPTH: Final = 8
# A screenful of cards (js/cards.js asks for at most 24 works a batch: 3 calls each, the chain id
# and the mint events) fits with room to spare.
MAX_BATCH: Final = 100
MAX_BATCH_BYTES: Final = 64 * 1024
# A log query scans up to MAX_LOG_BLOCKS blocks: a batch holds few, so that one POST costs the
# node about what a few single requests did.
MAX_BATCH_LOGS: Final = 4
MAX_LOG_BLOCKS: Final = 10_000
# A view of the contract costs well under 1M gas; BLAKE2F at this cap costs ~50 ms of node CPU.
MAX_CALL_GAS: Final = 3_000_000
_CAPPED: Final = object()  # the node refused a batch for its size (HTTP 400 or 413)
_BLOCK_TAGS: Final = frozenset({"latest", "pending", "safe", "finalized", "earliest"})
_HEX_NUMBER: Final = re.compile(r"^0x[0-9a-fA-F]{1,16}$")
_METHODS: Final = frozenset(
    {
        "eth_chainId",
        "eth_blockNumber",
        "eth_call",
        "eth_getCode",
        "eth_getLogs",
        "eth_getTransactionReceipt",
        "eth_getBlockByNumber",
    }
)


class ProxyRefusal(Exception):
    """A request the proxy does not forward (the message goes back to the browser)."""

    def __init__(self, message: str, code: int = -32601) -> None:
        super().__init__(message)
        self.code = code


def _quantity(value: Any, what: str) -> int:
    if not isinstance(value, str) or not value.startswith("0x") or len(value) > 18:
        raise ProxyRefusal(f"{what} must be a hex block number")
    try:
        return int(value, 16)
    except ValueError:
        raise ProxyRefusal(f"{what} must be a hex block number") from None


class RpcProxy:
    """Checks a JSON-RPC request against the allowlist and forwards it to ``node_url``."""

    def __init__(
        self, node_url: str, contract: str, *, transport: httpx.BaseTransport | None = None
    ) -> None:
        self.node_url = node_url
        self.contract = contract.lower()
        self._client = httpx.Client(timeout=30.0, transport=transport)
        self._batches = BatchCap(self._forward_batch, self._forward_one)

    def close(self) -> None:
        self._client.close()

    def check(self, request: Any) -> dict[str, Any]:
        """The request to forward, or ``ProxyRefusal`` saying why not."""
        if not isinstance(request, dict):
            raise ProxyRefusal("a JSON-RPC request object, or a batch of them")
        method, params = request.get("method"), request.get("params", [])
        if method not in _METHODS:
            raise ProxyRefusal(f"method {str(method)[:40]!r} is not served by this read-only proxy")
        if not isinstance(params, list):
            raise ProxyRefusal("params must be a list")
        if method == "eth_call":
            call = params[0] if params else None
            if not isinstance(call, dict) or str(call.get("to", "")).lower() != self.contract:
                raise ProxyRefusal("eth_call is served for this collection's contract only")
            if set(call) - {"to", "data", "input", "gas"}:
                raise ProxyRefusal("eth_call takes only to, data and gas here")
            if len(params) > 2 or (len(params) == 2 and not _block_tag(params[1])):
                raise ProxyRefusal("eth_call takes a call and a block tag here, nothing more")
            params = [{**call, "gas": hex(_call_gas(call.get("gas")))}, *params[1:]]
        if method == "eth_getCode" and (
            not params
            or str(params[0]).lower() != self.contract
            or len(params) > 2
            or (len(params) == 2 and not _block_tag(params[1]))
        ):
            raise ProxyRefusal("eth_getCode is served for this collection's contract only")
        if method == "eth_getLogs":
            query = params[0] if len(params) == 1 else None
            if (
                not isinstance(query, dict)
                or str(query.get("address", "")).lower() != self.contract
            ):
                raise ProxyRefusal("eth_getLogs is served for this collection's contract only")
            if "blockHash" in query:
                raise ProxyRefusal("eth_getLogs takes fromBlock and toBlock here")
            start = _quantity(query.get("fromBlock"), "fromBlock")
            end = _quantity(query.get("toBlock"), "toBlock")
            if not 0 <= end - start < MAX_LOG_BLOCKS:
                raise ProxyRefusal(f"eth_getLogs covers at most {MAX_LOG_BLOCKS} blocks here")
        return {"jsonrpc": "2.0", "id": request.get("id"), "method": method, "params": params}

    def answer(self, body: bytes) -> bytes:
        """The JSON-RPC answer to one request body, or to a batch (an error object for each
        refused request; a single one for a body that is not a request at all)."""
        try:
            if len(body) > MAX_BATCH_BYTES:
                raise ProxyRefusal(f"requests are limited to {MAX_BATCH_BYTES} bytes")
            try:
                request = load_json(
                    body, max_bytes=MAX_BATCH_BYTES, max_depth=MAX_REQUEST_DEPTH + 1
                )
            except UntrustedDataError:
                raise ProxyRefusal(
                    f"the request is not JSON of at most {MAX_REQUEST_DEPTH} levels", -32600
                ) from None
            if isinstance(request, list):
                return json.dumps(self._batch(request)).encode()
            if len(body) > MAX_REQUEST_BYTES:
                raise ProxyRefusal(f"a single request is limited to {MAX_REQUEST_BYTES} bytes")
            if _depth(request) > MAX_REQUEST_DEPTH:
                raise ProxyRefusal(
                    f"the request is not JSON of at most {MAX_REQUEST_DEPTH} levels", -32600
                )
        except ProxyRefusal as exc:
            return json.dumps(_error(None, exc.code, str(exc))).encode()
        return json.dumps(self._one(request)).encode()

    def _one(self, request: Any) -> dict[str, Any]:
        request_id = request.get("id") if isinstance(request, dict) else None
        try:
            forward = self.check(request)
        except ProxyRefusal as exc:
            return _error(request_id, exc.code, str(exc))
        answer = self._forward(forward)
        if not isinstance(answer, dict):
            return _error(request_id, -32603, "the gallery's node did not answer")
        return answer

    def _batch(self, requests: list[Any]) -> list[dict[str, Any]] | dict[str, Any]:
        if not requests:
            return _error(None, -32600, "an empty batch")
        if len(requests) > MAX_BATCH:
            return _error(None, -32600, f"a batch holds at most {MAX_BATCH} requests here")
        logs = sum(1 for r in requests if isinstance(r, dict) and r.get("method") == "eth_getLogs")
        if logs > MAX_BATCH_LOGS:
            return _error(None, -32600, f"a batch holds at most {MAX_BATCH_LOGS} eth_getLogs here")
        answers: list[dict[str, Any] | None] = []
        forward: list[dict[str, Any]] = []
        for request in requests:
            try:
                if _depth(request) > MAX_REQUEST_DEPTH:
                    raise ProxyRefusal(
                        f"the request is not JSON of at most {MAX_REQUEST_DEPTH} levels", -32600
                    )
                checked = self.check(request)
            except ProxyRefusal as exc:
                request_id = request.get("id") if isinstance(request, dict) else None
                answers.append(_error(request_id, exc.code, str(exc)))
                continue
            # Numbered here: the node's answers are matched to the requests by these ids, never
            # by the page's own (which may repeat).
            forward.append({**checked, "id": len(forward)})
            answers.append(None)
        replies: dict[int, dict[str, Any]] = {}
        if forward:
            try:
                replies = dict(enumerate(self._batches.answers(forward)))
            except ChainUnreachable:
                pass  # every forwarded request: "the gallery's node did not answer"
        out: list[dict[str, Any]] = []
        index = 0
        for request, answer in zip(requests, answers, strict=True):
            if answer is not None:
                out.append(answer)
                continue
            request_id = request.get("id")
            reply = replies.get(index)
            index += 1
            if reply is None:
                out.append(_error(request_id, -32603, "the gallery's node did not answer"))
            else:
                out.append({**reply, "id": request_id})
        return out

    def _forward_batch(self, calls: Sequence[dict[str, Any]]) -> list[Any] | None:
        """The node's answers to a batch, for ``BatchCap``: a node that caps batches (a public
        one behind the gallery) gets them again in halves instead of failing every card."""
        got = self._forward(list(calls))
        if got is _CAPPED:
            return None
        if got is None:
            raise ChainUnreachable("the gallery's node did not answer")
        return answers_in_order(got, [call["id"] for call in calls])

    def _forward_one(self, call: dict[str, Any]) -> dict[str, Any]:
        got = self._forward(call)
        if not isinstance(got, dict):
            raise ChainUnreachable("the gallery's node did not answer")
        return got

    def _forward(self, payload: Any) -> Any:
        try:
            response = self._client.post(self.node_url, json=payload)
            if isinstance(payload, list) and response.status_code in (400, 413):
                return _CAPPED
            response.raise_for_status()
            return response.json()
        except (httpx.HTTPError, ValueError):
            return None


def _depth(value: Any) -> int:
    if isinstance(value, dict):
        return 1 + max((_depth(v) for v in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((_depth(v) for v in value), default=0)
    return 0


def _block_tag(value: Any) -> bool:
    return isinstance(value, str) and (value in _BLOCK_TAGS or bool(_HEX_NUMBER.match(value)))


def _call_gas(value: Any) -> int:
    """The gas a proxied call gets: what it asks for, at most ``MAX_CALL_GAS``."""
    if value is None:
        return MAX_CALL_GAS
    if not isinstance(value, str) or not _HEX_NUMBER.match(value):
        raise ProxyRefusal("gas must be a hex number")
    return min(int(value, 16), MAX_CALL_GAS)


def _error(request_id: Any, code: int, message: str) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": request_id, "error": {"code": code, "message": message}}
