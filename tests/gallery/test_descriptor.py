"""A gallery's provenance.json and copies.json are untrusted input: bounded, validated, and every
fault one InputError naming it (``verify --gallery`` turns it into one line and exit 2)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from provenance.content.copy_index import parse_copy_index
from provenance.content.descriptor import build_descriptor, descriptor_url, parse_descriptor
from provenance.errors import InputError

URL = "https://gallery.example/art/provenance.json"
CONTRACT = "0x5FbDB2315678afecb367f032d93F642f64180aa3"
PEM = "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIU\n-----END CERTIFICATE-----\n"


def _descriptor(**changes: Any) -> bytes:
    document = json.loads(
        build_descriptor(
            chain_id=1,
            contract=CONTRACT,
            rpc_url="/rpc",
            gateways=["/"],
            gallery_url="./",
            trust_anchors=[PEM],
            from_block=7,
        )
    )
    document.update(changes)
    return json.dumps(document).encode()


def test_relative_urls_resolve_against_the_descriptor() -> None:
    parsed = parse_descriptor(_descriptor(), url=URL)
    assert parsed.rpc_url == "https://gallery.example/rpc"
    assert parsed.gateways == ("https://gallery.example/",)
    assert parsed.gallery_url == "https://gallery.example/art/"
    assert parsed.copies_url == "https://gallery.example/art/copies.json"
    assert (parsed.chain_id, parsed.contract, parsed.from_block) == (1, CONTRACT, 7)
    assert parsed.trust_anchors == (PEM,)
    assert descriptor_url("https://gallery.example/art") == URL
    assert descriptor_url(URL) == URL


@pytest.mark.parametrize(
    "changes,fault",
    [
        ({"format": "something-else"}, "not a provenance collection descriptor"),
        ({"version": 2}, "version 2"),
        ({"chain_id": "1"}, "chain_id"),
        ({"chain_id": True}, "chain_id"),
        ({"contract": "0x1234"}, "contract"),
        ({"rpc_url": "javascript:alert(1)"}, "rpc_url"),
        ({"rpc_url": "file:///etc/passwd"}, "rpc_url"),
        ({"gateways": []}, "gateways"),
        ({"gateways": ["/"] * 9}, "gateways"),
        ({"trust_anchors": ["<script>"]}, "trust anchor"),
        ({"trust_anchors": "PEM"}, "trust_anchors"),
        ({"from_block": -1}, "from_block"),
    ],
)
def test_each_fault_is_named(changes: dict[str, Any], fault: str) -> None:
    with pytest.raises(InputError, match=fault):
        parse_descriptor(_descriptor(**changes), url=URL)


def test_bombs_are_refused_before_parsing() -> None:
    with pytest.raises(InputError):
        parse_descriptor(b"[" * 100_000 + b"]" * 100_000, url=URL)
    with pytest.raises(InputError):
        parse_descriptor(b" " * (300 * 1024) + _descriptor(), url=URL)
    with pytest.raises(InputError):
        parse_descriptor(b"\xff\xfe not json", url=URL)
    with pytest.raises(InputError, match="must be an http"):
        descriptor_url("ftp://gallery.example/")


def test_a_copy_index_entry_must_carry_its_digests() -> None:
    entry = {
        "token": "0x" + "ab" * 32,
        "metadata_sha256": "cd" * 32,
        "pixels_sha256": "ef" * 32,
        "iscc": "ISCC:EEA52BDLV3KYZIVJ",
    }
    document = {"format": "provenance-copies", "version": 1, "chain_id": 1, "contract": CONTRACT}
    index = parse_copy_index(json.dumps({**document, "works": [entry]}).encode(), what="x")
    assert index.entries[0].token_id == int("ab" * 32, 16) and index.entries[0].seed is None
    for broken in ({"token": "3"}, {"iscc": "ISCC:<b>"}, {"metadata_sha256": None}):
        with pytest.raises(InputError):
            parse_copy_index(
                json.dumps({**document, "works": [{**entry, **broken}]}).encode(), what="x"
            )
