"""Many works minted fast, for the gallery's scale test and ``scripts/bench_gallery_scale.py``.

Each work is a real token: a small PNG and its canonical metadata stored in the home's blockstore
(the bytes the gallery serves and the browser hashes), and a real ``mint`` transaction signed by
the devnet's artist (dev account 0, the minter) with the project's signer and sent raw, many per
JSON-RPC batch over one connection. ``mint-batch`` does the same with journaling and crash safety,
which a benchmark's set-up does not need (it takes minutes at 10,000 works).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import numpy as np
from PIL import Image

from provenance.chain.accounts import dev_accounts
from provenance.content.metadata import CONTENT_PROFILE, canonical_json
from provenance.ipfs import Blockstore
from provenance.ipfs.cid import raw_cid_for_sha256
from provenance.ipfs.importer import add_bytes
from provenance.workflows.session import Session

__all__ = ["Minted", "mint_many", "picture"]

_BATCH = 200
# 100 mints of at most 300,000 gas fill anvil's 30M-gas block.
_PER_BLOCK = 100


@dataclass(frozen=True)
class Minted:
    token_id: int
    image_cid: str
    metadata_cid: str


def picture(index: int, size: int = 16) -> bytes:
    """A distinct small PNG per index."""
    pixels = (np.random.default_rng(index).random((size, size, 3)) * 255).astype("uint8")
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, format="PNG")
    return out.getvalue()


def _fingerprint(image: bytes) -> dict[str, str]:
    from provenance.content.fingerprint import fingerprint_of_bytes

    return fingerprint_of_bytes(image, what="picture").record()


def _metadata(
    index: int, image: bytes, image_cid: str, donor: str, fingerprint: dict[str, str]
) -> bytes:
    document = {
        "name": f"Work {index}",
        "description": f"Work number {index} of a large collection.",
        "image": f"ipfs://{image_cid}",
        "attributes": [{"trait_type": "index", "value": index}],
        "provenance": {
            "version": 1,
            "image": {
                "cid": image_cid,
                "sha256": hashlib.sha256(image).hexdigest(),
                "mime": "image/png",
                "size": len(image),
                "width": 16,
                "height": 16,
            },
            "donor": donor,
            "fingerprint": fingerprint,  # recorded, as `provenance mint` records it
        },
    }
    return canonical_json(document)


def mint_many(collection: Session, count: int, *, start: int = 0) -> list[Minted]:
    """Mint works ``start .. start+count-1`` (each index gives one picture); their ids in mint
    order. Raises ``RuntimeError`` when a transaction did not succeed."""
    artist, donor = dev_accounts(2)
    # Blocks written without an fsync each (a benchmark's set-up, not an artist's mint).
    store = Blockstore(collection.store.root, fsync=False)
    rpc = collection.chain.rpc
    contract = collection.contract
    chain_id = collection.chain.chain_id
    nonce = rpc.transaction_count(artist.address)
    minted: list[Minted] = []
    raws: list[str] = []
    images = [picture(index) for index in range(start, start + count)]
    # The ISCC code is pure Python (14 ms an image): computed on every core.
    with ProcessPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        fingerprints = list(pool.map(_fingerprint, images, chunksize=64))
    for index, image, fingerprint in zip(
        range(start, start + count), images, fingerprints, strict=True
    ):
        image_cid = str(add_bytes(image, store=store, params=CONTENT_PROFILE).cid)
        metadata = _metadata(index, image, image_cid, donor.address, fingerprint)
        metadata_digest = hashlib.sha256(metadata).digest()
        metadata_cid = str(add_bytes(metadata, store=store, params=CONTENT_PROFILE).cid)
        assert metadata_cid == raw_cid_for_sha256(metadata_digest)
        image_digest = hashlib.sha256(image).digest()
        data = contract.mint_calldata(
            to=donor.address,
            metadata_digest=metadata_digest,
            image_digest=image_digest,
            sealed_message=b"",
        )
        tx = artist.sign_transaction(
            {
                "chainId": chain_id,
                "nonce": nonce,
                "to": contract.address,
                "data": data,
                "gas": 300_000,
                "maxFeePerGas": 100 * 10**9,
                "maxPriorityFeePerGas": 10**9,
            }
        )
        nonce += 1
        raws.append("0x" + tx.raw_transaction.hex())
        minted.append(Minted(int.from_bytes(image_digest, "big"), image_cid, metadata_cid))
    # Many mints a block, as on a busy chain: anvil mines a block per transaction otherwise, and
    # keeps every block's state (2.5 GB and minutes at 10,000 mints).
    rpc.request("evm_setAutomine", [False])
    try:
        hashes: list[str] = []
        for first in range(0, len(raws), _PER_BLOCK):
            hashes += _send_batch(rpc.url, raws[first : first + _PER_BLOCK])
            rpc.request("evm_mine", [])
        pending = hashes
        for _ in range(200):
            receipts = _batch_call(rpc.url, [("eth_getTransactionReceipt", [h]) for h in pending])
            if any(isinstance(r, dict) and r.get("status") != "0x1" for r in receipts):
                raise RuntimeError(f"a mint of {count} reverted")
            pending = [h for h, r in zip(pending, receipts, strict=True) if not r]
            if not pending:
                return minted
            rpc.request("evm_mine", [])  # what did not fit in the blocks above
        raise RuntimeError(f"{len(pending)} of {count} mints were not mined")
    finally:
        rpc.request("evm_setAutomine", [True])


def _batch_call(url: str, calls: list[tuple[str, list[object]]]) -> list[object]:
    import httpx

    results: list[object] = []
    with httpx.Client(timeout=120) as client:
        for first in range(0, len(calls), _BATCH):
            chunk = calls[first : first + _BATCH]
            body = [
                {"jsonrpc": "2.0", "id": i, "method": m, "params": p}
                for i, (m, p) in enumerate(chunk)
            ]
            answers = sorted(client.post(url, json=body).json(), key=lambda a: a["id"])
            for answer in answers:
                if "error" in answer:
                    raise RuntimeError(f"RPC error: {json.dumps(answer['error'])[:200]}")
                results.append(answer["result"])
    return results


def _send_batch(url: str, raws: list[str]) -> list[str]:
    return [str(h) for h in _batch_call(url, [("eth_sendRawTransaction", [r]) for r in raws])]
