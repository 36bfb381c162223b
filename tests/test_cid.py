from __future__ import annotations

import hashlib

import pytest

from provenance.errors import IntegrityError, IPFSError
from provenance.ipfs.cid import CID, raw_cid_for_sha256


def test_raw_cid_of_hello() -> None:
    # `echo -n hello | ipfs add --cid-version=1 --raw-leaves -Q` (a widely published vector).
    expected = "bafkreibm6jg3ux5qumhcn2b3flc3tyu6dmlb4xa7u5bf44yegnrjhc4yeq"
    assert raw_cid_for_sha256(hashlib.sha256(b"hello").digest()) == expected
    assert str(CID.parse(expected)) == expected


def test_cidv0_round_trip() -> None:
    text = "QmdfTbBqBPQ7VNxZEYEj14VmRuZBkqFbiwReogJgS1zR1n"
    cid = CID.parse(text)
    assert cid.version == 0 and str(cid) == text
    assert CID.decode(cid.to_bytes()) == cid


def test_verify_rejects_other_bytes() -> None:
    cid = CID.for_bytes(b"hello")
    cid.verify(b"hello")
    with pytest.raises(IntegrityError):
        cid.verify(b"hellO")


@pytest.mark.parametrize("bad", ["", "bafy", "Qm123", "zabc", "BAFKREI"])
def test_parse_rejects_garbage(bad: str) -> None:
    with pytest.raises(IPFSError):
        CID.parse(bad)
