"""Kubo and pinning services that answer badly (security review, round three, finding 4), served
by real loopback HTTP servers: a list where an object belongs, numbers and strings swapped, a 500
with a list body, JSON nested thousands deep, and an error that quotes the bearer token back.
Every call ends in one ``IPFSError`` (exit 1 or 4 at the CLI, never 70) and no message carries
the token."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from provenance.errors import IPFSError
from provenance.ipfs import KuboClient, PinningClient

from ..helpers import serving
from ..workflows.conftest import home, make_artwork, run_cli

__all__ = ["home"]  # the fixture: a PROVENANCE_HOME on a real anvil

TOKEN = "sk-live-0123456789abcdef"
CID = "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku"
DEEP = b"[" * 5000 + b"]" * 5000
DONOR = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"


class Hostile(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Answer)
        self.status = 200
        self.body = b"{}"


class _Answer(BaseHTTPRequestHandler):
    server: Hostile

    def log_message(self, *args: Any) -> None:
        pass

    def _answer(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(self.server.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(self.server.body)))
        self.end_headers()
        self.wfile.write(self.server.body)

    do_GET = do_POST = do_DELETE = _answer


@pytest.fixture(scope="module")
def hostile() -> Iterator[tuple[Hostile, str]]:
    server = Hostile()
    with serving(server) as url:
        yield server, url


def _lines(*docs: Any) -> bytes:
    return b"".join(json.dumps(doc).encode() + b"\n" for doc in docs)


KUBO_ANSWERS = {
    "a list": (200, _lines([1, 2])),
    "a string for Keys": (200, _lines({"Keys": "recursive"})),
    "a string for a key's record": (200, _lines({"Keys": {CID: "recursive"}})),
    "a number for Cid": (200, _lines({"Cid": 5, "Type": "recursive"})),
    "a string for Root.Cid": (200, _lines({"Root": {"Cid": CID}})),
    "a number for Pins": (200, _lines({"Pins": 5})),
    "a number for Version": (200, _lines({"Version": 7})),
    "a number for Hash": (200, _lines({"Hash": 7})),
    "a 500 with a list body": (500, b"[1, 2, 3]"),
    "deep JSON": (200, DEEP),
    "a 500 with deep JSON": (500, DEEP),
    "not JSON": (200, b"\xff\xfe<html>"),
}
KUBO_CALLS: dict[str, Callable[[KuboClient], Any]] = {
    "version": lambda kubo: kubo.version(),
    "pin_ls": lambda kubo: kubo.pin_ls(CID),
    "pin_add": lambda kubo: kubo.pin_add(CID),
    "dag_import": lambda kubo: kubo.dag_import(b"car"),
    "add": lambda kubo: kubo.add(b"hello world"),
    "get_block": lambda kubo: kubo.get_block(CID),
}


@pytest.mark.parametrize("answer", KUBO_ANSWERS)
def test_kubo_answering_badly_is_one_ipfs_error(hostile: tuple[Hostile, str], answer: str) -> None:
    server, url = hostile
    server.status, server.body = KUBO_ANSWERS[answer]
    with KuboClient(url, retries=0, authorization=f"Bearer {TOKEN}") as kubo:
        for name, call in KUBO_CALLS.items():
            try:
                result = call(kubo)
            except IPFSError as exc:
                assert TOKEN not in str(exc)
                continue
            # What a call returns despite a bad answer is at least of its declared type.
            assert isinstance(result, str | list | dict), (name, result)
            if isinstance(result, dict):
                assert all(isinstance(k, str) and isinstance(v, str) for k, v in result.items())
            if isinstance(result, list):
                assert all(isinstance(item, str) for item in result), (name, result)


PINNING_ANSWERS = {
    "a list": (200, b"[1, 2]"),
    "a string for pin": (200, json.dumps({"requestid": "r", "status": "queued", "pin": CID})),
    "numbers for strings": (
        200,
        json.dumps({"requestid": 5, "status": "queued", "pin": {"cid": 6, "name": 7}}),
    ),
    "a string for delegates and info": (
        200,
        json.dumps(
            {
                "requestid": "r",
                "status": "queued",
                "pin": {"cid": CID},
                "delegates": "/ip4/1.2.3.4",
                "info": "x",
            }
        ),
    ),
    "a string for results": (200, json.dumps({"count": "1", "results": "none"})),
    "a number in results": (200, json.dumps({"count": 1, "results": [1]})),
    "a 500 with a list body": (500, b"[1, 2, 3]"),
    "deep JSON": (200, DEEP),
    "a 500 with deep JSON": (500, DEEP),
    "an error echoing the token": (
        400,
        json.dumps({"error": {"reason": TOKEN, "details": f"bad header Bearer {TOKEN}"}}),
    ),
    "a 500 echoing the token": (500, f"Authorization: Bearer {TOKEN} rejected"),
}
PINNING_CALLS: dict[str, Callable[[PinningClient], Any]] = {
    "add": lambda pins: pins.add(CID, name="artwork"),
    "get": lambda pins: pins.get("r"),
    "list": lambda pins: pins.list(cids=[CID]),
    "remove": lambda pins: pins.remove("r"),
}


@pytest.mark.parametrize("answer", PINNING_ANSWERS)
def test_a_pinning_service_answering_badly_is_one_ipfs_error(
    hostile: tuple[Hostile, str], answer: str
) -> None:
    server, url = hostile
    status, body = PINNING_ANSWERS[answer]
    server.status, server.body = status, body if isinstance(body, bytes) else body.encode()
    with PinningClient(url, TOKEN) as pins:
        for name, call in PINNING_CALLS.items():
            if name == "remove" and status < 300:
                continue  # DELETE reads no body
            with pytest.raises(IPFSError) as refused:
                call(pins)
            assert TOKEN not in str(refused.value), (name, str(refused.value))
            assert TOKEN not in repr(refused.value.context)


def test_publish_to_hostile_services_is_lines_and_exit_1_without_the_token(
    hostile: tuple[Hostile, str], home: Path, tmp_path: Path
) -> None:
    server, url = hostile
    minted = run_cli("mint", str(make_artwork(tmp_path / "a.png", seed=404)), "--donor", DONOR)
    assert minted.returncode == 0, minted.stderr
    server.status, server.body = PINNING_ANSWERS["an error echoing the token"]
    server.body = server.body.encode() if isinstance(server.body, str) else server.body
    for args in (
        ["--pinning-endpoint", url, "--pinning-token-env", "PIN_TOKEN"],
        ["--kubo-api", url, "--kubo-auth-env", "PIN_TOKEN"],
    ):
        result = run_cli("publish", *args, env={"PIN_TOKEN": TOKEN})
        assert result.returncode == 1, result.stderr
        assert TOKEN not in result.stderr + result.stdout
        assert "Traceback" not in result.stderr and "internal error" not in result.stderr
    server.status, server.body = 500, DEEP
    result = run_cli("publish", "--kubo-api", url)
    assert result.returncode == 1 and "internal error" not in result.stderr, result.stderr
