"""Issue 12 item 13: Kubo, pinning-service and gateway URLs carry credentials (``user:secret@``,
``?token=``) and were echoed in errors; they are redacted as RPC URLs are (``redact_url``)."""

from __future__ import annotations

import httpx
import pytest

from provenance.errors import IPFSError
from provenance.ipfs.remote.gateway import GatewayFetcher
from provenance.ipfs.remote.kubo import KuboClient
from provenance.ipfs.remote.pinning import PinningClient

SECRETS = ("s3cret", "t0ken")
URL = "http://alice:s3cret@127.0.0.1:5001/api-key-t0ken/?token=t0ken"
CID = "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku"


def _refused(request: httpx.Request) -> httpx.Response:
    raise httpx.ConnectError(f"cannot connect to {request.url}", request=request)


def _answer(status: int) -> httpx.MockTransport:
    return httpx.MockTransport(lambda request: httpx.Response(status, json={}))


def _assert_clean(error: IPFSError) -> None:
    shown = f"{error} {error.context!r}"
    for secret in SECRETS:
        assert secret not in shown, shown
    assert "127.0.0.1:5001" in str(error)  # still says where


@pytest.mark.parametrize("transport", [httpx.MockTransport(_refused), _answer(200)])
def test_kubo_errors_redact_the_url(transport: httpx.MockTransport) -> None:
    client = KuboClient(URL, retries=0, transport=transport)
    with pytest.raises(IPFSError) as info:
        client.version()
    _assert_clean(info.value)


def test_kubo_url_is_kept_whole_for_requests() -> None:
    seen: list[str] = []

    def record(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        return httpx.Response(200, json={"Version": "0.38.1"})

    KuboClient(
        "http://alice:s3cret@127.0.0.1:5001", transport=httpx.MockTransport(record)
    ).version()
    assert seen and seen[0].startswith("http://alice:s3cret@127.0.0.1:5001/api/v0/version")


@pytest.mark.parametrize("transport", [httpx.MockTransport(_refused), _answer(401)])
def test_pinning_errors_redact_the_endpoint(transport: httpx.MockTransport) -> None:
    client = PinningClient(URL, "bearer-value", transport=transport)
    with pytest.raises(IPFSError) as info:
        client.get("1")
    _assert_clean(info.value)
    assert "bearer-value" not in str(info.value)


@pytest.mark.parametrize("transport", [httpx.MockTransport(_refused), _answer(500)])
def test_gateway_errors_redact_the_gateway(transport: httpx.MockTransport) -> None:
    fetcher = GatewayFetcher([URL], transport=transport)
    with pytest.raises(IPFSError) as info:
        fetcher.get_block(CID)
    _assert_clean(info.value)
    with pytest.raises(IPFSError) as info:
        fetcher.fetch_car(CID)
    _assert_clean(info.value)


def test_redact_urls_in_free_text() -> None:
    from provenance.chain.rpc import redact_url as rpc_redact_url
    from provenance.redact import redact_url, redact_urls

    assert rpc_redact_url is redact_url  # one rule for RPC, Kubo, pinning and gateways
    text = f"failed for url '{URL}' and https://x.example:8443 then http://[::1:bad/"
    assert redact_urls(text) == (
        "failed for url 'http://127.0.0.1:5001/...' and https://x.example:8443 then <url>"
    )
