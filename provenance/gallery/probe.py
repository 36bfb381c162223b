"""Whether the endpoints a static build writes into its pages answer (``gallery build`` warns)."""

from __future__ import annotations

__all__ = ["silent_endpoints"]


def silent_endpoints(*, gateway: str, rpc_url: str, timeout: float = 5.0) -> list[str]:
    """One sentence per endpoint the pages name that does not answer now: the pages would say
    "could not check" for every work until it does."""
    import httpx

    from provenance.redact import redact_url

    problems: list[str] = []
    try:
        # Any HTTP answer will do: the gateway is up. The empty directory's CID is served by
        # every gateway (and by `provenance ipfs serve`) without a network lookup.
        httpx.head(f"{gateway.rstrip('/')}/ipfs/bafyaabakaieac", timeout=timeout)
    except httpx.HTTPError:
        problems.append(
            f'the gateway {redact_url(gateway)} does not answer: every badge will say "could not'
            ' check" until it does (start one with `provenance ipfs serve`, or give --gateway)'
        )
    try:
        answer = httpx.post(
            rpc_url,
            json={"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []},
            timeout=timeout,
        )
        answered = answer.status_code == 200
    except httpx.HTTPError:
        answered = False
    if not answered:
        problems.append(
            f"the RPC endpoint {redact_url(rpc_url)} does not answer: the pages cannot read the"
            " chain until it does (`provenance chain up` for the devnet, or give --rpc-url)"
        )
    return problems
