"""verify and decrypt read no more than the chain-committed metadata allows (review finding M7)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from provenance.chain.contract import Record
from provenance.content.metadata import MAX_METADATA_BYTES
from provenance.errors import IPFSError
from provenance.ipfs import Blockstore, ContentTooLarge
from provenance.ipfs.cid import CID, DAG_PB
from provenance.ipfs.dagpb import PBLink, encode_node
from provenance.ipfs.unixfs import DataType, encode_unixfs
from provenance.workflows.decrypt import decrypt_token
from provenance.workflows.verify import Report, _check_image


class Recording:
    """A ContentSource over a blockstore that records the bound each read was given."""

    def __init__(self, store: Blockstore) -> None:
        self.store = store
        self.asked: list[tuple[str, int | None]] = []

    def cat(self, cid: str, *, max_size: int | None = None) -> bytes:
        self.asked.append((cid, max_size))
        return self.store.cat(cid, max_size=max_size)


def expanding_image(store: Blockstore) -> str:
    """A valid UnixFS file of 64**3 KiB (256 MiB) made of four blocks, honest about its size."""
    leaf = b"\x89PNG" + bytes(1020)
    cid = CID.for_bytes(leaf)
    store.put_block(cid, leaf)
    size = len(leaf)
    for _ in range(3):
        data = encode_unixfs(DataType.FILE, filesize=size * 64, blocksizes=[size] * 64)
        block = encode_node(links=[PBLink(cid, "", size)] * 64, data=data)
        cid = CID.for_bytes(block, codec=DAG_PB)
        store.put_block(cid, block)
        size *= 64
    return str(cid)


def metadata_for(cid: str, size: object) -> dict[str, object]:
    return {
        "image": f"ipfs://{cid}",
        "provenance": {
            "image": {"cid": cid, "sha256": "00" * 32, "mime": "image/png", "size": size}
        },
    }


def test_image_read_is_bounded_by_the_committed_size(tmp_path: Path) -> None:
    source = Recording(Blockstore.open(tmp_path / "blocks", fsync=False))
    cid = expanding_image(source.store)
    record = Record(token_id=IMAGE_TOKEN, metadata_digest=b"\1" * 32)
    report = Report(token_id=1, contract="0x" + "0" * 40, chain_id=31337)
    assert _check_image(report, metadata_for(cid, 5000), record, source) is None
    assert source.asked == [(cid, 5000)]
    assert report.checks[-1].ok is False and "limit of 5000" in report.checks[-1].detail


@pytest.mark.parametrize("size", [64 * 1024 * 1024 + 1, -1, "5000", True, 1.5])
def test_image_size_that_is_no_byte_count_or_over_the_artwork_limit_reads_nothing(
    tmp_path: Path, size: object
) -> None:
    source = Recording(Blockstore.open(tmp_path / "blocks", fsync=False))
    cid = expanding_image(source.store)
    record = Record(token_id=IMAGE_TOKEN, metadata_digest=b"\1" * 32)
    report = Report(token_id=1, contract="0x" + "0" * 40, chain_id=31337)
    assert _check_image(report, metadata_for(cid, size), record, source) is None
    assert source.asked == []
    assert report.checks[-1].ok is False and "not a byte count" in report.checks[-1].detail


# Contract v2: the token id is the image's sha256.
IMAGE_TOKEN = int.from_bytes(b"\2" * 32, "big")


class _Contract:
    address = "0x" + "0" * 40

    def __init__(self, digest: bytes) -> None:
        self.digest = digest

    def exists(self, token_id: int) -> bool:
        return True

    def record_of(self, token_id: int) -> Record:
        return Record(token_id=token_id, metadata_digest=self.digest)


def test_metadata_read_is_bounded(tmp_path: Path) -> None:
    source = Recording(Blockstore.open(tmp_path / "blocks", fsync=False))
    oversized = b"{" + b" " * MAX_METADATA_BYTES + b"}"
    source.store.put_block(CID.for_bytes(oversized), oversized)
    contract = _Contract(hashlib.sha256(oversized).digest())
    with pytest.raises(ContentTooLarge) as info:
        decrypt_token(contract, 1, source, b"")  # type: ignore[arg-type]
    assert isinstance(info.value, IPFSError)
    assert source.asked[0][1] == MAX_METADATA_BYTES
