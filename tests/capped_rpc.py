"""A JSON-RPC front for a real node that caps batches the ways public nodes do, for the tests of
the toolkit's and the gallery's batch fallback (a public node cannot be reached from here).

Modes, for a batch over ``max_batch`` calls (what providers were seen to answer): ``object`` one
error object instead of an array; ``413`` HTTP 413; ``truncate`` the first ``max_batch`` answers
only; ``items`` the calls past the cap each answered with a "batch limit exceeded" error. ``down``
answers every request HTTP 503 (an outage, not a cap). ``max_logs``: an ``eth_getLogs`` with more
results is refused as Infura does ("query returned more than N results"). Within the cap the batch is passed to the
node as it came; ``sizes`` records every batch's size."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from .helpers import serving

CORS = {"Access-Control-Allow-Origin": "*", "Access-Control-Allow-Headers": "content-type"}


class CappedRpc:
    def __init__(
        self, upstream: str, *, max_batch: int, mode: str = "object", max_logs: int | None = None
    ) -> None:
        self.upstream, self.max_batch, self.mode = upstream, max_batch, mode
        self.max_logs = max_logs  # an eth_getLogs over it: "query returned more than N results"
        self.log_queries = 0
        self.sizes: list[int] = []
        front = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_OPTIONS(self) -> None:  # a browser's preflight (the page is another origin)
                self._reply(HTTPStatus.NO_CONTENT, b"")

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                status, answer = front.answer(json.loads(body))
                self._reply(status, json.dumps(answer).encode() if answer is not None else b"")

            def _reply(self, status: int, body: bytes) -> None:
                self.send_response(status)
                for name, value in {**CORS, "Content-Type": "application/json"}.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = ""

    def _node(self, payload: Any) -> Any:
        request = urllib.request.Request(
            self.upstream, json.dumps(payload).encode(), {"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=30) as answer:
            return json.loads(answer.read())

    def answer(self, payload: Any) -> tuple[int, Any]:
        if self.mode == "down":
            return HTTPStatus.SERVICE_UNAVAILABLE, None
        if not isinstance(payload, list):
            answer = self._node(payload)
            if payload.get("method") == "eth_getLogs":
                self.log_queries += 1
                if self.max_logs is not None and len(answer.get("result") or []) > self.max_logs:
                    error = {
                        "code": -32005,
                        "message": f"query returned more than {self.max_logs} results",
                    }
                    answer = {"jsonrpc": "2.0", "id": payload.get("id"), "error": error}
            return HTTPStatus.OK, answer
        self.sizes.append(len(payload))
        if len(payload) <= self.max_batch:
            return HTTPStatus.OK, self._node(payload)
        if self.mode == "413":
            return HTTPStatus.REQUEST_ENTITY_TOO_LARGE, None
        if self.mode == "object":
            error = {"code": -32600, "message": f"batch too large: at most {self.max_batch}"}
            return HTTPStatus.OK, {"jsonrpc": "2.0", "id": None, "error": error}
        head, rest = payload[: self.max_batch], payload[self.max_batch :]
        answers = self._node(head) if head else []
        if self.mode == "items":
            error = {"code": -32005, "message": "batch limit exceeded"}
            answers += [{"jsonrpc": "2.0", "id": call["id"], "error": error} for call in rest]
        return HTTPStatus.OK, answers


@contextmanager
def capped_rpc(
    upstream: str, *, max_batch: int, mode: str = "object", max_logs: int | None = None
) -> Iterator[CappedRpc]:
    """A ``CappedRpc`` in front of ``upstream``, served from a thread while the block runs."""
    front = CappedRpc(upstream, max_batch=max_batch, mode=mode, max_logs=max_logs)
    with serving(front.server) as url:
        front.url = url
        yield front
