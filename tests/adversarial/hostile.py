"""Builders of hostile but valid content: every block passes its hash check, the whole does harm."""

from __future__ import annotations

import io

from provenance.ipfs.car import write_car
from provenance.ipfs.cid import CID, DAG_PB
from provenance.ipfs.dagpb import PBLink, encode_node
from provenance.ipfs.unixfs import DataType, encode_unixfs


def empty_leaf_bomb(
    *, levels: int = 8, fanout: int = 1000, blocksizes: bool = True, filesize: bool = True
) -> tuple[CID, dict[CID, bytes]]:
    """One empty leaf linked ``fanout ** levels`` times by ``levels + 1`` distinct blocks (about
    ``43 * fanout`` bytes each): no byte is ever produced, so no byte limit trips. The file nodes
    declare size 0 with ``fanout`` zero blocksizes (consistent), or leave them out."""
    leaf = b""
    cid = CID.for_bytes(leaf)
    blocks: dict[CID, bytes] = {cid: leaf}
    for _ in range(levels):
        data = encode_unixfs(
            DataType.FILE,
            filesize=0 if filesize else None,
            blocksizes=[0] * fanout if blocksizes else (),
        )
        block = encode_node(links=[PBLink(cid, "", 0)] * fanout, data=data)
        cid = CID.for_bytes(block, codec=DAG_PB)
        blocks[cid] = block
    return cid, blocks


def car_bytes(root: CID, blocks: dict[CID, bytes]) -> bytes:
    out = io.BytesIO()
    write_car(out, [root], iter(blocks.items()))
    return out.getvalue()
