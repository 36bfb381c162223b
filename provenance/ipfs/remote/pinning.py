"""A client for the IPFS Pinning Service API (https://ipfs.github.io/pinning-services-api-spec/).

Bearer-token auth; ``POST /pins`` with ``origins`` (the multiaddrs of a node that has the content,
so the service can fetch it directly), poll ``GET /pins/{requestid}`` until the status is
``pinned`` or ``failed``, ``GET /pins`` to list, ``DELETE /pins/{requestid}`` to remove. The token
never appears in an error message.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx

from provenance.errors import IPFSError
from provenance.http import HttpService
from provenance.ipfs.cid import CID
from provenance.redact import redact_url

__all__ = ["PinStatus", "PinningClient"]

STATUSES = ("queued", "pinning", "pinned", "failed")


@dataclass(frozen=True, slots=True)
class PinStatus:
    requestid: str
    status: str
    cid: str
    name: str | None = None
    created: str = ""
    delegates: tuple[str, ...] = ()
    info: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_json(cls, doc: Any) -> PinStatus:
        try:
            status = doc["status"]
            if status not in STATUSES:
                raise ValueError(f"unknown status {status!r}")
            pin = doc["pin"]
            return cls(
                requestid=str(doc["requestid"]),
                status=status,
                cid=str(pin["cid"]),
                name=pin.get("name"),
                created=str(doc.get("created", "")),
                delegates=tuple(str(d) for d in doc.get("delegates", [])),
                info=dict(doc.get("info") or {}),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise IPFSError(f"pinning service sent a malformed PinStatus: {exc}") from exc


class PinningClient(HttpService):
    def __init__(
        self,
        endpoint: str,
        token: str,
        *,
        timeout: float = 30.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.endpoint = endpoint.rstrip("/")
        self.shown_endpoint = redact_url(self.endpoint)  # the URL may carry credentials
        super().__init__(
            self.endpoint,
            headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
            timeout=timeout,
            transport=transport,
        )

    def _request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            response = self._client.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            raise IPFSError(
                f"pinning service {self.shown_endpoint} unreachable: {type(exc).__name__}"
            ) from exc
        if response.status_code < 300:
            return response
        if response.status_code == 401:
            raise IPFSError(
                f"pinning service {self.shown_endpoint} rejected the access token (401)"
            )
        try:
            error = response.json()["error"]
            reason = f"{error['reason']}: {error.get('details', '')}".rstrip(": ")
        except (ValueError, KeyError, TypeError):
            reason = f"HTTP {response.status_code}"
        raise IPFSError(
            f"pinning service {method} {path} failed: {reason}", status=response.status_code
        )

    def add(
        self,
        cid: str,
        *,
        name: str | None = None,
        origins: Sequence[str] = (),
        meta: Mapping[str, str] | None = None,
    ) -> PinStatus:
        """Ask the service to pin ``cid``; returns the (usually ``queued``) status."""
        body: dict[str, Any] = {"cid": str(CID.parse(cid))}
        if name is not None:
            body["name"] = name
        if origins:
            body["origins"] = list(origins)
        if meta:
            body["meta"] = dict(meta)
        return PinStatus.from_json(self._request("POST", "/pins", json=body).json())

    def get(self, requestid: str) -> PinStatus:
        return PinStatus.from_json(self._request("GET", f"/pins/{requestid}").json())

    def wait(
        self,
        requestid: str,
        *,
        timeout: float = 600.0,
        interval: float = 2.0,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> PinStatus:
        """Poll until ``pinned`` (returned) or ``failed`` / timeout (``IPFSError``)."""
        deadline = clock() + timeout
        while True:
            status = self.get(requestid)
            if status.status == "pinned":
                return status
            if status.status == "failed":
                raise IPFSError(
                    f"pinning service failed to pin {status.cid} (request {requestid})",
                    cid=status.cid,
                )
            if clock() >= deadline:
                raise IPFSError(
                    f"{status.cid} still {status.status} after {timeout:.0f} s "
                    f"(request {requestid})",
                    cid=status.cid,
                )
            sleep(interval)

    def list(
        self,
        *,
        cids: Sequence[str] = (),
        statuses: Sequence[str] = ("pinned",),
        name: str | None = None,
        limit: int = 10,
    ) -> list[PinStatus]:
        params: dict[str, str | int] = {"status": ",".join(statuses), "limit": limit}
        if cids:
            params["cid"] = ",".join(cids)
        if name:
            params["name"] = name
        doc = self._request("GET", "/pins", params=params).json()
        try:
            return [PinStatus.from_json(item) for item in doc["results"]]
        except (KeyError, TypeError) as exc:
            raise IPFSError("pinning service sent a malformed list") from exc

    def remove(self, requestid: str) -> None:
        self._request("DELETE", f"/pins/{requestid}")
