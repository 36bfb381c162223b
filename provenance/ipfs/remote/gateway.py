"""Fetching from public HTTP gateways while trusting none of them.

Blocks come from the trustless-gateway responses (``?format=raw`` for one block, ``?format=car``
for a DAG); each block is hashed and compared with its CID before it is used. A gateway that
fails, times out or returns bytes that do not match is skipped and the next one is tried.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

import httpx

from provenance.errors import ContentUnavailable, IntegrityError, IPFSError
from provenance.http import HttpService
from provenance.ipfs.car import MAX_SECTION, iter_car
from provenance.ipfs.cid import CID
from provenance.ipfs.reader import as_cid, cat_bytes, walk_dag
from provenance.redact import http_url, redact_url, redact_urls

__all__ = ["GatewayFetcher"]

RAW_TYPE = "application/vnd.ipld.raw"
CAR_TYPE = "application/vnd.ipld.car"


class _Blocks:
    def __init__(self, blocks: dict[bytes, bytes]) -> None:
        self.blocks = blocks

    def get_block(self, cid: str | CID) -> bytes:
        parsed = as_cid(cid)
        try:
            return self.blocks[parsed.multihash]
        except KeyError as exc:
            raise IPFSError(f"CAR response lacks block {parsed}", cid=str(parsed)) from exc


class GatewayFetcher(HttpService):
    """A ``ContentSource`` over a list of gateways (base URLs such as ``http://127.0.0.1:8080``)."""

    def __init__(
        self,
        gateways: Sequence[str],
        *,
        timeout: float = 30.0,
        max_car_bytes: int = 512 * 1024 * 1024,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        if not gateways:
            raise IPFSError("no gateways given")
        self.gateways = [http_url(g, "--gateway").rstrip("/") for g in gateways]
        self.max_car_bytes = max_car_bytes
        super().__init__(timeout=timeout, transport=transport, follow_redirects=True)

    def _download(self, url: str, accept: str, limit: int) -> bytes:
        with self._client.stream("GET", url, headers={"Accept": accept}) as response:
            if response.status_code != 200:
                raise IPFSError(f"HTTP {response.status_code}")
            body = bytearray()
            for chunk in response.iter_bytes():
                body += chunk
                if len(body) > limit:
                    raise IPFSError(f"response larger than {limit} bytes")
            return bytes(body)

    def get_block(self, cid: str | CID) -> bytes:
        """One block, from the first gateway whose answer hashes to ``cid``."""
        parsed = as_cid(cid)
        failures: list[str] = []
        tampered = False
        for gateway in self.gateways:
            try:
                data = self._download(f"{gateway}/ipfs/{parsed}?format=raw", RAW_TYPE, MAX_SECTION)
                parsed.verify(data)
                return data
            except IntegrityError:
                tampered = True
                failures.append(f"{redact_url(gateway)}: returned bytes that do not match the CID")
            except IPFSError as exc:
                failures.append(f"{redact_url(gateway)}: {redact_urls(str(exc))}")
            except httpx.HTTPError as exc:
                failures.append(
                    f"{redact_url(gateway)}: {type(exc).__name__}: {redact_urls(str(exc))}"
                )
        # Down, timed out or without the block: nothing is known about the content. Only bytes
        # that fail their hash are evidence against it.
        error = IPFSError if tampered else ContentUnavailable
        raise error(
            f"no gateway returned a valid block {parsed} ({'; '.join(failures)})", cid=str(parsed)
        )

    def cat(self, cid: str, *, max_size: int | None = None) -> bytes:
        """A UnixFS file, fetched and verified block by block (with fallback per block), at
        most ``max_size`` bytes (``ContentTooLarge`` beyond)."""
        return cat_bytes(self, cid, max_size=max_size)

    def fetch_car(self, cid: str | CID) -> dict[bytes, bytes]:
        """The whole DAG under ``cid`` as one CAR from the first gateway that serves it complete
        and intact; returns ``{multihash: block}`` with every block verified."""
        root = as_cid(cid)
        failures: list[str] = []
        for gateway in self.gateways:
            try:
                body = self._download(
                    f"{gateway}/ipfs/{root}?format=car&dag-scope=all", CAR_TYPE, self.max_car_bytes
                )
                _roots, sections = iter_car(io.BytesIO(body))
                blocks = {c.multihash: data for c, data in sections}
                source = _Blocks(blocks)
                reachable = {c.multihash for c, _ in walk_dag(source, root)}
                return {mh: blocks[mh] for mh in reachable}
            except IntegrityError as exc:
                failures.append(f"{redact_url(gateway)}: {redact_urls(str(exc))}")
            except IPFSError as exc:
                failures.append(f"{redact_url(gateway)}: {redact_urls(str(exc))}")
            except httpx.HTTPError as exc:
                failures.append(
                    f"{redact_url(gateway)}: {type(exc).__name__}: {redact_urls(str(exc))}"
                )
        raise IPFSError(
            f"no gateway returned a complete, valid CAR for {root} ({'; '.join(failures)})",
            cid=str(root),
        )

    def cat_car(self, cid: str, *, max_size: int | None = None) -> bytes:
        """A UnixFS file from one CAR request (fewer round trips than ``cat``)."""
        return cat_bytes(_Blocks(self.fetch_car(cid)), cid, max_size=max_size)
