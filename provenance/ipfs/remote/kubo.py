"""A client for Kubo's RPC API (``POST /api/v0/...``, https://docs.ipfs.tech/reference/kubo/rpc/).

Everything that comes back is checked: ``add`` passes the import parameters explicitly and
compares Kubo's CID with the one computed locally; ``cat`` and ``block get`` verify every block
against its CID (no ``/api/v0/cat``, whose bytes cannot be checked). Connection failures are
retried a bounded number of times, then reported as one clear ``IPFSError``.
"""

from __future__ import annotations

import io
import os
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any, BinaryIO

import httpx

from provenance.errors import ContentUnavailable, IntegrityError, IPFSError
from provenance.http import HttpService, json_object, json_text
from provenance.ipfs.car import MAX_SECTION
from provenance.ipfs.cid import CID
from provenance.ipfs.importer import add_stream
from provenance.ipfs.params import DEFAULT_PROFILE, ImportParams, resolve_params
from provenance.ipfs.reader import as_cid, cat_bytes
from provenance.redact import redact_url, redact_urls

__all__ = ["MIN_KUBO_VERSION", "KuboClient"]

# The first Kubo with every RPC option we pass (raw-leaves, cid-version, chunker size-N, dag
# import with pin-roots) and the /api/v0 JSON shapes parsed here.
MIN_KUBO_VERSION = (0, 18, 0)
KUBO_DEFAULT_MAX_LINKS = 174


def _parse_version(text: str) -> tuple[int, int, int]:
    core = text.split("-", 1)[0]
    try:
        major, minor, patch = (int(p) for p in core.split(".")[:3])
    except ValueError as exc:
        raise IPFSError(f"unexpected Kubo version string {text!r}") from exc
    return major, minor, patch


class KuboClient(HttpService):
    """Kubo RPC over httpx; also a ``ContentSource`` (``cat``)."""

    def __init__(
        self,
        url: str = "http://127.0.0.1:5001",
        *,
        authorization: str | None = None,
        timeout: float = 60.0,
        retries: int = 2,
        backoff: float = 0.5,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.url = url.rstrip("/")
        self.shown_url = redact_url(self.url)  # the URL may carry credentials
        headers = {"Authorization": authorization} if authorization else {}
        self.retries = retries
        self.backoff = backoff
        # The header's value and its credential alone ("Basic dXNl..", "Bearer abc..").
        secrets = [authorization, authorization.split(" ", 1)[-1]] if authorization else []
        super().__init__(
            self.url,
            headers=headers,
            timeout=timeout,
            transport=transport,
            what="--kubo-api",
            secrets=secrets,
        )

    # -- transport ----------------------------------------------------------------------------
    def _post(
        self,
        command: str,
        params: Mapping[str, str | int | bool] | None = None,
        *,
        upload: tuple[str, bytes | BinaryIO] | None = None,
    ) -> httpx.Response:
        query = {
            k: (str(v).lower() if isinstance(v, bool) else str(v))
            for k, v in (params or {}).items()
        }
        attempt = 0
        while True:
            if upload is not None and not isinstance(upload[1], bytes):
                upload[1].seek(0)
            files = (
                None
                if upload is None
                else {"file": (upload[0], upload[1], "application/octet-stream")}
            )
            try:
                response = self._client.post(f"/api/v0/{command}", params=query, files=files)
                break
            except (
                httpx.ConnectError,
                httpx.ConnectTimeout,
                httpx.ReadTimeout,
                httpx.RemoteProtocolError,
            ) as exc:
                if attempt >= self.retries:
                    raise ContentUnavailable(
                        f"Kubo RPC at {self.shown_url} is unreachable "
                        f"({type(exc).__name__}: {redact_urls(str(exc))}); is the daemon running?",
                        url=self.shown_url,
                    ) from exc
                time.sleep(self.backoff * 2**attempt)
                attempt += 1
            except httpx.HTTPError as exc:
                raise IPFSError(
                    f"Kubo RPC {command} failed: {redact_urls(str(exc))}", url=self.shown_url
                ) from exc
        if response.status_code == 200:
            return response
        if response.status_code in (401, 403):
            raise IPFSError(
                f"Kubo RPC refused {command}: HTTP {response.status_code} "
                "(check the Authorization header)"
            )
        message: Any = None
        try:  # Kubo's errors are {"Message", "Code", "Type": "error"}; anything else is shown raw
            doc = self.answer_json(response.content, "Kubo's error")
            message = doc.get("Message") if isinstance(doc, dict) else None
        except IPFSError:
            pass
        if not isinstance(message, str):
            message = response.text.strip() if len(response.content) < 1000 else ""
        shown = self.shown(message) or f"HTTP {response.status_code}"
        raise IPFSError(f"Kubo {command}: {shown}", status=response.status_code)

    def _json_lines(self, response: httpx.Response) -> list[dict[str, Any]]:
        """Kubo's JSON-lines answer: every line one JSON object, or one ``IPFSError``."""
        return [
            json_object(self.answer_json(line, "Kubo's answer"), "a line of Kubo's answer")
            for line in response.content.splitlines()
            if line.strip()
        ]

    # -- commands -----------------------------------------------------------------------------
    def version(self) -> str:
        """Kubo's version, checked to be one this client knows how to talk to."""
        doc = self._json_lines(self._post("version"))
        text = doc[0].get("Version") if doc and isinstance(doc[0], dict) else None
        if not isinstance(text, str):
            raise IPFSError(f"{self.shown_url} does not answer like Kubo (no version)")
        try:
            version = _parse_version(text)
        except IPFSError:
            raise IPFSError(f"unexpected Kubo version string {self.shown(text)!r}") from None
        if version < MIN_KUBO_VERSION:
            minimum = ".".join(map(str, MIN_KUBO_VERSION))
            raise IPFSError(f"Kubo {self.shown(text)} is too old (need >= {minimum})")
        return text

    def add(
        self,
        content: bytes | str | os.PathLike[str],
        *,
        params: ImportParams | str = DEFAULT_PROFILE,
        pin: bool = True,
        name: str = "file",
    ) -> str:
        """Add a file with explicit import parameters; return the CID after checking that Kubo
        computed the same CID as the local importer."""
        resolved = resolve_params(params)
        if isinstance(content, bytes):
            source: BinaryIO = io.BytesIO(content)
        else:
            path = Path(content)
            name = path.name
            source = path.open("rb")
        try:
            expected = add_stream(source, params=resolved).cid
            query: dict[str, str | int | bool] = {
                "cid-version": resolved.cid_version,
                "raw-leaves": resolved.raw_leaves,
                "chunker": f"size-{resolved.chunk_size}",
                "hash": "sha2-256",
                "pin": pin,
                "progress": False,
                "quieter": True,
            }
            if resolved.max_links != KUBO_DEFAULT_MAX_LINKS:
                query["max-file-links"] = resolved.max_links
            lines = self._json_lines(self._post("add", query, upload=(name, source)))
        finally:
            source.close()
        roots = [line.get("Hash") for line in lines if "Hash" in line]
        if not roots:
            raise IPFSError("Kubo add returned no CID")
        got = json_text(roots[-1], "the CID Kubo's add returned")
        try:
            same = CID.parse(got) == CID.parse(expected)
        except IPFSError:
            same = False
        if not same:
            raise IntegrityError(
                f"Kubo returned CID {got} but the local importer computed {expected} "
                f"for the same bytes and parameters",
                cid=expected,
                kubo_cid=got,
            )
        return expected

    def get_block(self, cid: str | CID) -> bytes:
        """``block get``, verified against ``cid``."""
        parsed = as_cid(cid)
        data = self._post("block/get", {"arg": str(parsed)}).content
        if len(data) > MAX_SECTION:
            raise IPFSError(f"Kubo returned an oversized block for {parsed}")
        parsed.verify(data)
        return data

    block_get = get_block

    def cat(self, cid: str, *, max_size: int | None = None) -> bytes:
        """A UnixFS file reassembled from verified blocks, at most ``max_size`` bytes."""
        return cat_bytes(self, cid, max_size=max_size)

    def pin_add(self, cid: str) -> list[str]:
        doc = self._json_lines(self._post("pin/add", {"arg": cid, "recursive": True}))
        pins: list[str] = []
        for line in doc:
            listed = line.get("Pins", [])
            if not isinstance(listed, list):
                raise IPFSError("Kubo's pin/add answer lists no pins")
            pins += [json_text(p, "a pin in Kubo's pin/add answer") for p in listed]
        return pins

    def pin_ls(self, cid: str | None = None) -> dict[str, str]:
        """``{cid: pin type}`` for recursive pins (one CID, or all)."""
        params: dict[str, str | int | bool] = {"type": "recursive"}
        if cid is not None:
            params["arg"] = cid
        doc = self._json_lines(self._post("pin/ls", params))
        keys: dict[str, str] = {}
        for line in doc:
            if "Keys" in line:  # the classic single-object answer
                listed = json_object(line["Keys"], "the Keys of Kubo's pin/ls answer")
                for key, record in listed.items():
                    kind = json_object(record, "a pin in Kubo's pin/ls answer").get("Type", "")
                    keys[key] = json_text(kind, "a pin type in Kubo's pin/ls answer")
            elif "Cid" in line:  # --stream form
                key = json_text(line["Cid"], "a CID in Kubo's pin/ls answer")
                keys[key] = json_text(line.get("Type", ""), "a pin type in Kubo's pin/ls answer")
        return keys

    def dag_import(
        self, car: bytes | str | os.PathLike[str], *, pin_roots: bool = True
    ) -> list[str]:
        """Import a CARv1 into Kubo; return the roots it reports."""
        with io.BytesIO(car) if isinstance(car, bytes) else Path(car).open("rb") as handle:
            doc = self._json_lines(
                self._post("dag/import", {"pin-roots": pin_roots}, upload=("dag.car", handle))
            )
        roots: list[str] = []
        for line in doc:
            root = line.get("Root")
            if isinstance(root, dict):
                if root.get("PinErrorMsg"):
                    raise IPFSError(
                        f"Kubo could not pin a CAR root: {self.shown(root['PinErrorMsg'])}"
                    )
                link = json_object(root.get("Cid"), "a root in Kubo's dag/import answer")
                roots.append(json_text(link.get("/"), "a root CID in Kubo's dag/import answer"))
        return roots
