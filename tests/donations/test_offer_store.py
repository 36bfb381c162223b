"""An offer's content is stored and pinned under the blockstore's lock, as a mint's is: an
``ipfs gc`` running while ``make_offer`` adds the blocks cannot drop them before they are pinned."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from provenance.chain.accounts import dev_accounts
from provenance.ipfs import Blockstore
from provenance.workflows.offer import make_offer
from provenance.workflows.session import open_session

from ..workflows.conftest import make_artwork

ARTIST = dev_accounts(1)[0]


def test_gc_racing_an_offer_cannot_drop_its_blocks(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ARTIST_KEY", "0x" + bytes(ARTIST.key).hex())
    collection = open_session(private_key_env="ARTIST_KEY", with_signer=True)
    store = collection.store
    # gc on its own Blockstore object (its own lock handle), as a concurrent `ipfs gc` would be.
    gc = threading.Thread(target=Blockstore.open(store.root, fsync=False).gc)
    # The moment between storing and pinning: add_pinned writes the pin log itself, under the
    # store's lock (it does not walk the fresh DAG again through ``pin``).
    real_pin = store._pin_log.add
    gc_ran_before_pin: list[bool] = []

    def pin_after_gc_had_its_chance(cid: str) -> None:
        if not gc.is_alive() and not gc_ran_before_pin:
            gc.start()  # the image and metadata blocks are stored, neither is pinned yet
            gc.join(timeout=1.0)
            gc_ran_before_pin.append(not gc.is_alive())
        real_pin(cid)

    monkeypatch.setattr(store._pin_log, "add", pin_after_gc_had_its_chance)
    offer = make_offer(make_artwork(tmp_path / "a.png", seed=7), collection, min_donation=1)
    gc.join()
    assert gc_ran_before_pin == [False], "gc ran between storing the offer's blocks and pinning"
    for cid in (offer.image_cid, offer.metadata_cid):
        assert store.has(cid)
        assert cid in store.pins()
