"""The read-only RPC proxy's JSON-RPC batches (the index's cards read a screenful at once): every
request of a batch is checked as a single one is, refused ones never reach the node, and a batch
is bounded in size, in requests and in log queries. The node is an httpx.MockTransport that
records what reaches it (the real node behind the real proxy: test_gallery_scale.py)."""

from __future__ import annotations

import json
from typing import Any

import httpx

from provenance.gallery.rpcproxy import MAX_BATCH, MAX_BATCH_BYTES, MAX_BATCH_LOGS, RpcProxy

CONTRACT = "0x5FbDB2315678afecb367f032d93F642f64180aa3"


def proxy(seen: list[Any], *, down: bool = False) -> RpcProxy:
    def node(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        seen.append(body)
        if down:
            return httpx.Response(502)
        batch = body if isinstance(body, list) else [body]
        # Answered out of order, as a node may: the proxy matches answers by id.
        answers = [{"jsonrpc": "2.0", "id": r["id"], "result": r["method"]} for r in batch][::-1]
        return httpx.Response(200, json=answers if isinstance(body, list) else answers[0])

    return RpcProxy("http://node.invalid", CONTRACT, transport=httpx.MockTransport(node))


def ask(p: RpcProxy, body: Any) -> Any:
    return json.loads(p.answer(json.dumps(body).encode()))


def request(i: Any, method: str, params: list[Any] | None = None) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": i, "method": method, "params": params or []}


def logs(block: int) -> dict[str, Any]:
    return {"address": CONTRACT, "fromBlock": hex(block), "toBlock": hex(block)}


def test_each_request_of_a_batch_is_checked_and_answered_under_its_own_id() -> None:
    seen: list[Any] = []
    p = proxy(seen)
    call = {"to": CONTRACT, "data": "0x"}
    answers = ask(
        p,
        [
            request(7, "eth_chainId"),
            request(7, "eth_call", [call, "latest"]),  # ids may repeat: answers stay in order
            request("x", "eth_sendRawTransaction", ["0x00"]),
            request(9, "eth_call", [call, "latest", {CONTRACT: {"code": "0x00"}}]),  # override
            request(10, "eth_getLogs", [logs(5)]),
        ],
    )
    assert [a["id"] for a in answers] == [7, 7, "x", 9, 10]
    assert [a.get("result") for a in answers] == [
        "eth_chainId",
        "eth_call",
        None,
        None,
        "eth_getLogs",
    ]
    assert answers[2]["error"]["code"] == -32601 and answers[3]["error"]["code"] == -32601
    # One batch reached the node, without the refused requests, the call's gas capped.
    assert len(seen) == 1 and [r["method"] for r in seen[0]] == [
        "eth_chainId",
        "eth_call",
        "eth_getLogs",
    ]
    assert seen[0][1]["params"][0]["gas"] == hex(3_000_000)


def test_a_batch_is_bounded_and_a_node_outage_is_no_answer() -> None:
    seen: list[Any] = []
    p = proxy(seen)
    too_many = ask(p, [request(i, "eth_chainId") for i in range(MAX_BATCH + 1)])
    assert too_many["error"]["message"] == f"a batch holds at most {MAX_BATCH} requests here"
    scans = ask(p, [request(i, "eth_getLogs", [logs(i)]) for i in range(MAX_BATCH_LOGS + 1)])
    assert "eth_getLogs" in scans["error"]["message"]
    assert ask(p, [])["error"]["code"] == -32600
    big = json.dumps([request(1, "eth_chainId", ["a" * MAX_BATCH_BYTES])]).encode()
    assert "limited to" in json.loads(p.answer(big))["error"]["message"]
    # A single request keeps its own, smaller bound.
    single = json.dumps(request(1, "eth_chainId", ["a" * 20_000])).encode()
    assert "limited to 16384 bytes" in json.loads(p.answer(single))["error"]["message"]
    assert seen == []  # none of these reached the node
    down = proxy(seen, down=True)
    answers = ask(down, [request(1, "eth_chainId"), request(2, "eth_blockNumber")])
    assert [a["error"]["message"] for a in answers] == ["the gallery's node did not answer"] * 2


def test_a_node_that_caps_batches_answers_every_request_through_the_proxy(anvil: str) -> None:
    """A public node behind the gallery that takes at most 4 calls a batch: the proxy sends the
    page's batch again in halves (``chain/batches.py``), so every card's read is answered; before,
    the node's one error object left every request "the gallery's node did not answer"."""
    from ..capped_rpc import capped_rpc

    for mode in ("object", "413", "truncate", "items"):
        with capped_rpc(anvil, max_batch=4, mode=mode) as node:
            p = RpcProxy(node.url, CONTRACT)
            batch = [request(i, "eth_chainId") for i in range(9)] + [
                request("b", "eth_blockNumber")
            ]
            answers = ask(p, batch)
            assert [a["id"] for a in answers] == [*range(9), "b"], mode
            assert [a.get("result") for a in answers[:9]] == ["0x7a69"] * 9, (mode, answers)
            assert answers[9]["result"].startswith("0x"), (mode, answers)
            assert sum(size > 4 for size in node.sizes) <= 2, (mode, node.sizes)
            p.close()
