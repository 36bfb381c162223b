"""JSON-RPC batches against nodes that cap them (public nodes do, each its own way): the toolkit's
``request_many`` gets every answer, the same as one call at a time, in batches the node takes; an
outage still raises. A real anvil behind ``tests/capped_rpc.py``."""

from __future__ import annotations

import pytest

from provenance.chain.rpc import RpcClient
from provenance.errors import ChainError, ChainUnreachable

from ..capped_rpc import capped_rpc

# Twelve reads with known answers, one of them failing on its own (an unknown method).
CALLS = [("eth_getBalance", [f"0x{n:040x}", "latest"]) for n in range(1, 11)] + [
    ("eth_chainId", []),
    ("eth_noSuchMethod", []),
]


@pytest.mark.parametrize("mode", ["object", "413", "truncate", "items"])
def test_a_capped_node_answers_every_call(anvil: str, mode: str) -> None:
    with RpcClient(anvil) as direct:
        expected = [direct.request_many([call])[0] for call in CALLS]
    with capped_rpc(anvil, max_batch=5, mode=mode) as node, RpcClient(node.url) as rpc:
        answers = rpc.request_many(CALLS)
        for got, want in zip(answers, expected, strict=True):
            if isinstance(want, ChainError):
                assert isinstance(got, ChainError) and str(got) == str(want)
            else:
                assert got == want
        assert answers[10] == "0x7a69"  # chain 31337
        # Over the cap twice at most (12, then 6 when halving finds it), never again after.
        assert sum(size > 5 for size in node.sizes) <= 2, node.sizes
        # The size that worked is kept: the next batches go out at it from the start.
        node.sizes.clear()
        assert rpc.request_many(CALLS[:10]) == expected[:10]
        assert node.sizes and max(node.sizes) <= 5, node.sizes


def test_a_node_without_batches_is_asked_one_call_at_a_time(anvil: str) -> None:
    with capped_rpc(anvil, max_batch=0) as node, RpcClient(node.url) as rpc:
        assert rpc.request_many(CALLS[:4]) == [
            rpc.request(method, params) for method, params in CALLS[:4]
        ]


def test_an_outage_is_not_a_cap(anvil: str) -> None:
    with capped_rpc(anvil, max_batch=5, mode="down") as node, RpcClient(node.url) as rpc:
        with pytest.raises(ChainUnreachable, match="HTTP 503"):
            rpc.request_many(CALLS)
        assert node.sizes == []  # one refused POST, not a cascade of halves
