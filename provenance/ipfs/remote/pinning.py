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
from provenance.http import HttpService, json_object, json_text
from provenance.ipfs.cid import CID
from provenance.redact import redact_url
from provenance.untrusted import plain_text

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
        """A PinStatus object as the spec types it; anything else is one ``IPFSError``."""
        what = "the pinning service's PinStatus"
        doc = json_object(doc, what)
        status = json_text(doc.get("status"), f"the status in {what}")
        if status not in STATUSES:
            raise IPFSError(f"{what} has an unknown status {plain_text(status)[:40]!r}")
        pin = json_object(doc.get("pin"), f"the pin in {what}")
        name = pin.get("name")
        delegates = doc.get("delegates", [])
        info = doc.get("info") or {}
        if not isinstance(delegates, list) or not isinstance(info, dict):
            raise IPFSError(f"{what} has malformed delegates or info")
        return cls(
            requestid=json_text(doc.get("requestid"), f"the requestid in {what}"),
            status=status,
            cid=json_text(pin.get("cid"), f"the CID in {what}"),
            name=None if name is None else json_text(name, f"the name in {what}"),
            created=json_text(doc.get("created", ""), f"the created time in {what}"),
            delegates=tuple(json_text(d, f"a delegate in {what}") for d in delegates),
            info={
                json_text(k, f"info in {what}"): json_text(v, f"info in {what}")
                for k, v in info.items()
            },
        )


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
            what="--pinning-endpoint",
            secrets=[token],
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
        reason = f"HTTP {response.status_code}"
        try:  # the spec's {"error": {"reason", "details"}}; any other body is not shown
            error = json_object(self._json(response)["error"], "the error")
            said = f"{json_text(error['reason'], 'reason')}: {error.get('details') or ''}"
            reason = self.shown(said.rstrip(": ")) or reason
        except (IPFSError, KeyError, TypeError):
            pass
        raise IPFSError(
            f"pinning service {method} {path} failed: {reason}", status=response.status_code
        )

    def _json(self, response: httpx.Response) -> Any:
        return self.answer_json(response.content, "the pinning service's answer")

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
        return PinStatus.from_json(self._json(self._request("POST", "/pins", json=body)))

    def get(self, requestid: str) -> PinStatus:
        return PinStatus.from_json(self._json(self._request("GET", f"/pins/{requestid}")))

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
        doc = json_object(
            self._json(self._request("GET", "/pins", params=params)), "the pinning service's list"
        )
        results = doc.get("results")
        if not isinstance(results, list):
            raise IPFSError("the pinning service's list has no results")
        return [PinStatus.from_json(item) for item in results]

    def remove(self, requestid: str) -> None:
        self._request("DELETE", f"/pins/{requestid}")
