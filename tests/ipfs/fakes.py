"""Local stand-ins for what cannot run here: a Kubo daemon and a remote pinning service.

They follow the published contracts (Kubo RPC reference: POST /api/v0/..., JSON lines, errors as
``{"Message", "Code", "Type": "error"}`` with HTTP 500; the IPFS Pinning Service API spec:
Bearer auth, PinStatus objects, ``{"error": {"reason", "details"}}``) and answer ``add`` only with
CIDs that Kubo's own test-suite publishes, never with CIDs computed by our importer.
"""

from __future__ import annotations

import email.parser
import email.policy
import io
import json
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from provenance.ipfs.car import iter_car

# (content, cid-version, raw-leaves, chunker) -> CID, from ipfs/kubo test/cli/add_test.go.
KUBO_ADD_VECTORS = {
    (b"hello world", "0", "false", "size-262144"): "Qmf412jQZiuVUtdgnB36FXFX7xg5V6KEbSJ4dpQuhkLyfD",
    (
        b"hello world",
        "1",
        "true",
        "size-262144",
    ): "bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e",
    (
        b"hello world",
        "1",
        "true",
        "size-1048576",
    ): "bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e",
    (
        b"hello world",
        "1",
        "false",
        "size-262144",
    ): "bafybeihykld7uyxzogax6vgyvag42y7464eywpf55gxi5qpoisibh3c5wa",
}


def _multipart_file(handler: BaseHTTPRequestHandler) -> bytes:
    length = int(handler.headers.get("Content-Length", 0))
    body = handler.rfile.read(length)
    head = f"Content-Type: {handler.headers['Content-Type']}\r\n\r\n".encode()
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
    for part in message.iter_parts():  # type: ignore[attr-defined]
        return bytes(part.get_payload(decode=True))
    raise ValueError("no file part")


class FakeKubo(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _KuboHandler)
        self.version = "0.32.1"
        self.required_auth: str | None = None
        self.lie_on_add = False
        self.blocks: dict[str, bytes] = {}
        self.pins: set[str] = set()
        self.calls: list[tuple[str, dict[str, list[str]]]] = []


class _KuboHandler(BaseHTTPRequestHandler):
    server: FakeKubo

    def log_message(self, *args: Any) -> None:
        pass

    def _json(self, status: int, *docs: Any) -> None:
        body = "".join(json.dumps(d) + "\n" for d in docs).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _error(self, message: str) -> None:
        self._json(500, {"Message": message, "Code": 0, "Type": "error"})

    def do_GET(self) -> None:
        self.send_response(405)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_POST(self) -> None:
        url = urlsplit(self.path)
        query = parse_qs(url.query)
        command = url.path.removeprefix("/api/v0/")
        self.server.calls.append((command, query))
        if (
            self.server.required_auth
            and self.headers.get("Authorization") != self.server.required_auth
        ):
            self.send_response(403)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        arg = (query.get("arg") or [""])[0]
        if command == "version":
            self._json(
                200,
                {
                    "Version": self.server.version,
                    "Commit": "",
                    "Repo": "16",
                    "System": "amd64/linux",
                    "Golang": "go1.23",
                },
            )
        elif command == "add":
            data = _multipart_file(self)
            key = (data, query["cid-version"][0], query["raw-leaves"][0], query["chunker"][0])
            cid = KUBO_ADD_VECTORS.get(key)
            if cid is None:
                self._error("fake kubo: no published vector for this input")
                return
            if self.server.lie_on_add:
                cid = "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku"
            self._json(200, {"Name": "file", "Hash": cid, "Size": str(len(data))})
        elif command == "block/get":
            if arg not in self.server.blocks:
                self._error(f"block was not found locally (offline): ipld: could not find {arg}")
                return
            body = self.server.blocks[arg]
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        elif command == "pin/add":
            self.server.pins.add(arg)
            self._json(200, {"Pins": [arg]})
        elif command == "pin/ls":
            keys = {c: {"Type": "recursive"} for c in self.server.pins if not arg or c == arg}
            if arg and not keys:
                self._error(f"path '{arg}' is not pinned")
                return
            self._json(200, {"Keys": keys})
        elif command == "dag/import":
            roots, blocks = iter_car(io.BytesIO(_multipart_file(self)))
            for cid, data in blocks:
                self.server.blocks[str(cid)] = data
            if query.get("pin-roots", ["false"])[0] == "true":
                self.server.pins.update(str(r) for r in roots)
            self._json(200, *({"Root": {"Cid": {"/": str(r)}, "PinErrorMsg": ""}} for r in roots))
        else:
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()


class FakePinningService(ThreadingHTTPServer):
    """Each GET of a pin advances queued -> pinning -> pinned (or failed for ``fail_cids``)."""

    daemon_threads = True

    def __init__(self, token: str) -> None:
        super().__init__(("127.0.0.1", 0), _PinningHandler)
        self.token = token
        self.fail_cids: set[str] = set()
        self.pins: dict[str, dict[str, Any]] = {}
        self.requests: list[dict[str, Any]] = []


class _PinningHandler(BaseHTTPRequestHandler):
    server: FakePinningService

    def log_message(self, *args: Any) -> None:
        pass

    def _reply(self, status: int, doc: Any = None) -> None:
        body = b"" if doc is None else json.dumps(doc).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _authorised(self) -> bool:
        if self.headers.get("Authorization") == f"Bearer {self.server.token}":
            return True
        self._reply(401, {"error": {"reason": "UNAUTHORIZED", "details": "bad token"}})
        return False

    def do_POST(self) -> None:
        if not self._authorised():
            return
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.server.requests.append(body)
        if not isinstance(body.get("cid"), str):
            self._reply(400, {"error": {"reason": "BAD_REQUEST", "details": "cid required"}})
            return
        requestid = f"req-{len(self.server.pins) + 1}"
        status = {
            "requestid": requestid,
            "status": "queued",
            "created": "2026-01-01T00:00:00Z",
            "pin": {k: body[k] for k in ("cid", "name", "origins", "meta") if k in body},
            "delegates": ["/ip4/203.0.113.1/tcp/4001/p2p/QmServicePeer"],
        }
        self.server.pins[requestid] = status
        self._reply(202, status)

    def do_GET(self) -> None:
        if not self._authorised():
            return
        url = urlsplit(self.path)
        if url.path.startswith("/pins/"):
            status = self.server.pins.get(url.path.removeprefix("/pins/"))
            if status is None:
                self._reply(404, {"error": {"reason": "NOT_FOUND"}})
                return
            order = ["queued", "pinning", "pinned"]
            if status["status"] in order[:2]:
                nxt = order[order.index(status["status"]) + 1]
                if nxt == "pinned" and status["pin"]["cid"] in self.server.fail_cids:
                    nxt = "failed"
                status["status"] = nxt
            self._reply(200, status)
            return
        query = parse_qs(url.query)
        wanted = (query.get("status") or ["pinned"])[0].split(",")
        cids = (query.get("cid") or [""])[0].split(",") if "cid" in query else None
        results = [
            s
            for s in self.server.pins.values()
            if s["status"] in wanted and (cids is None or s["pin"]["cid"] in cids)
        ]
        self._reply(200, {"count": len(results), "results": results})

    def do_DELETE(self) -> None:
        if not self._authorised():
            return
        requestid = self.path.removeprefix("/pins/")
        if self.server.pins.pop(requestid, None) is None:
            self._reply(404, {"error": {"reason": "NOT_FOUND"}})
            return
        self._reply(202)
