"""The JSON-RPC client decodes receipts, transactions and blocks once, into typed results."""

from __future__ import annotations

import json
from typing import Any

import httpx

from provenance.chain.rpc import Block, Receipt, RpcClient, Transaction

ANSWERS: dict[str, Any] = {
    "eth_getTransactionReceipt": {
        "transactionHash": "0xaa",
        "status": "0x1",
        "blockNumber": "0x1b",
        "gasUsed": "0x5208",
        "contractAddress": None,
        "logs": [{"address": "0x01", "topics": [], "data": "0x"}],
    },
    "eth_getTransactionByHash": {
        "hash": "0xbb",
        "nonce": "0x7",
        "from": "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266",
        "to": None,
        "gasPrice": "0x3b9aca00",  # a legacy transaction: both caps are its gas price
    },
    "eth_getBlockByNumber": {"number": "0x10", "timestamp": "0x65", "baseFeePerGas": "0x2a"},
}


def client() -> RpcClient:
    def answer(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        result = ANSWERS[body["method"]]
        return httpx.Response(200, json={"jsonrpc": "2.0", "id": body["id"], "result": result})

    return RpcClient("http://node.invalid", transport=httpx.MockTransport(answer))


def test_receipt_transaction_block_are_typed() -> None:
    rpc = client()
    receipt = rpc.get_receipt("0xaa")
    assert receipt == Receipt(
        tx_hash="0xaa",
        succeeded=True,
        block_number=27,
        gas_used=21000,
        contract_address=None,
        logs=[{"address": "0x01", "topics": [], "data": "0x"}],
    )
    tx = rpc.get_transaction("0xbb")
    assert isinstance(tx, Transaction)
    assert (tx.nonce, tx.to, tx.max_fee_per_gas, tx.max_priority_fee_per_gas) == (
        7,
        None,
        10**9,
        10**9,
    )
    assert rpc.get_block("latest") == Block(number=16, timestamp=101, base_fee_per_gas=42)


def test_a_failed_receipt_is_not_succeeded() -> None:
    failed = Receipt.from_json({**ANSWERS["eth_getTransactionReceipt"], "status": "0x0"})
    assert not failed.succeeded


def test_a_batch_is_matched_by_id_and_each_error_stays_with_its_call() -> None:

    from provenance.errors import ContractRevert

    def answer(request: httpx.Request) -> httpx.Response:
        calls = json.loads(request.content)
        if isinstance(calls, dict):  # a single call
            return httpx.Response(
                200, json={"jsonrpc": "2.0", "id": calls["id"], "result": calls["params"][0]}
            )
        if len(calls) == 3:  # a node capping batches at 2: one error object
            return httpx.Response(
                200, json={"jsonrpc": "2.0", "id": None, "error": {"code": -32600}}
            )
        replies = [
            {"jsonrpc": "2.0", "id": c["id"], "result": c["params"][0]}
            if c["params"][0] != "revert"
            else {
                "jsonrpc": "2.0",
                "id": c["id"],
                "error": {"code": 3, "message": "execution reverted", "data": "0x1234"},
            }
            for c in calls
        ]
        return httpx.Response(200, json=replies[::-1])  # any order, as the spec allows

    rpc = RpcClient("http://node.invalid", transport=httpx.MockTransport(answer))
    results = rpc.request_many([("m", ["a"]), ("m", ["revert"])])
    assert results[0] == "a"
    assert isinstance(results[1], ContractRevert) and results[1].data == b"\x12\x34"
    # Three calls are refused as a batch (one error object): sent again in halves, 2 and 1.
    assert rpc.request_many([("m", ["a"]), ("m", ["b"]), ("m", ["c"])]) == ["a", "b", "c"]
    assert rpc.request_many([]) == []
