"""The gallery's same-origin, read-only JSON-RPC proxy: the browser reads the chain itself.

Only reads a badge, the donate form and "Read the message" need are forwarded to the node:
``eth_chainId``, ``eth_blockNumber``, ``eth_call``, ``eth_getCode`` and ``eth_getLogs`` on the
collection's own contract (logs over a bounded block range; ``verify --gallery`` reads the code), ``eth_getTransactionReceipt`` and
``eth_getBlockByNumber``. One request object per POST, of bounded size; anything else is answered
with a JSON-RPC error and never reaches the node.
"""

from __future__ import annotations

import json
from typing import Any, Final

import httpx

__all__ = ["MAX_LOG_BLOCKS", "MAX_REQUEST_BYTES", "RpcProxy"]

MAX_REQUEST_BYTES: Final = 16 * 1024
MAX_LOG_BLOCKS: Final = 10_000
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

    def close(self) -> None:
        self._client.close()

    def check(self, request: Any) -> dict[str, Any]:
        """The request to forward, or ``ProxyRefusal`` saying why not."""
        if not isinstance(request, dict):
            raise ProxyRefusal("one JSON-RPC request object per call (no batches)")
        method, params = request.get("method"), request.get("params", [])
        if method not in _METHODS:
            raise ProxyRefusal(f"method {str(method)[:40]!r} is not served by this read-only proxy")
        if not isinstance(params, list):
            raise ProxyRefusal("params must be a list")
        if method == "eth_call":
            call = params[0] if params else None
            if not isinstance(call, dict) or str(call.get("to", "")).lower() != self.contract:
                raise ProxyRefusal("eth_call is served for this collection's contract only")
            if set(call) - {"to", "data", "input"}:
                raise ProxyRefusal("eth_call takes only to and data here")
        if method == "eth_getCode" and (
            not params or str(params[0]).lower() != self.contract or len(params) > 2
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
        """The JSON-RPC answer to one request body (an error object for a refused request)."""
        request_id: Any = None
        try:
            if len(body) > MAX_REQUEST_BYTES:
                raise ProxyRefusal(f"requests are limited to {MAX_REQUEST_BYTES} bytes")
            try:
                request = json.loads(body)
            except (ValueError, UnicodeDecodeError):
                raise ProxyRefusal("the request is not JSON") from None
            if isinstance(request, dict):
                request_id = request.get("id")
            forward = self.check(request)
        except ProxyRefusal as exc:
            return _error(request_id, -32601, str(exc))
        try:
            response = self._client.post(self.node_url, json=forward)
            response.raise_for_status()
            answer = response.json()
        except (httpx.HTTPError, ValueError):
            return _error(request_id, -32603, "the gallery's node did not answer")
        return json.dumps(answer).encode()


def _error(request_id: Any, code: int, message: str) -> bytes:
    reply = {"jsonrpc": "2.0", "id": request_id, "error": {"code": code, "message": message}}
    return json.dumps(reply).encode()
