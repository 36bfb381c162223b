"""A voucher state the contract's enum does not have is refused by name, not shown as a state
(before: "unknown (3)" reached `offer list` and redeem's checks as if it were one)."""

from __future__ import annotations

from typing import Any

import pytest

from provenance.chain.contract import ProvenanceArt, VoucherState
from provenance.errors import ChainError

ADDRESS = "0x5FbDB2315678afecb367f032d93F642f64180aa3"
SIGNER = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"


def contract_answering(value: int, monkeypatch: pytest.MonkeyPatch) -> ProvenanceArt:
    contract = ProvenanceArt(rpc=None, address=ADDRESS)  # type: ignore[arg-type]

    def call(name: str, *args: Any) -> int:
        assert name == "voucherState"
        return value

    monkeypatch.setattr(contract, "call", call)
    return contract


@pytest.mark.parametrize("value", [0, 1, 2])
def test_the_three_states(value: int, monkeypatch: pytest.MonkeyPatch) -> None:
    state = contract_answering(value, monkeypatch).voucher_state(SIGNER, b"\1" * 32)
    assert state is list(VoucherState)[value]


def test_a_state_the_contract_does_not_have_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ChainError, match="answered voucher state 3"):
        contract_answering(3, monkeypatch).voucher_state(SIGNER, b"\1" * 32)
