"""Key recovery from legacy, EIP-2930 and EIP-1559 transactions sent to a real anvil (web3.py 8)."""

from __future__ import annotations

from typing import Any

import coincurve
import pytest
from eth_account import Account
from web3 import Web3

from provenance.chain.accounts import dev_accounts
from provenance.chain.signing import LocalSigner
from provenance.errors import InputError, SealError
from provenance.seal import key_from_transaction


@pytest.fixture(scope="module")
def w3(anvil_url: str) -> Web3:
    web3 = Web3(Web3.HTTPProvider(anvil_url))
    assert web3.is_connected()
    return web3


def _send(w3: Web3, sender: LocalSigner, fields: dict[str, Any]) -> dict[str, Any]:
    tx = {"nonce": w3.eth.get_transaction_count(sender.address), "gas": 60_000, **fields}
    # eth-account signs here: the key recovery is checked against an independent wallet library
    signed = Account.from_key(bytes(sender.key)).sign_transaction(tx)
    tx_hash = w3.eth.send_raw_transaction(signed.raw_transaction)
    w3.eth.wait_for_transaction_receipt(tx_hash, timeout=30)
    return dict(w3.eth.get_transaction(tx_hash))


def _public_key(account: LocalSigner) -> bytes:
    return bytes(coincurve.PublicKey.from_secret(bytes(account.key)).format(compressed=False))


def _kinds(w3: Web3, to: str) -> dict[str, dict[str, Any]]:
    chain_id = w3.eth.chain_id
    gas_price = w3.eth.gas_price
    access_list = [{"address": to, "storageKeys": ["0x" + "00" * 31 + "01"]}]
    return {
        "legacy": {"to": to, "value": 1, "gasPrice": gas_price, "chainId": chain_id},
        "eip2930": {
            "type": 1,
            "to": to,
            "value": 2,
            "gasPrice": gas_price,
            "chainId": chain_id,
            "accessList": access_list,
        },
        "eip1559": {
            "type": 2,
            "to": to,
            "value": 3,
            "maxFeePerGas": gas_price * 2,
            "maxPriorityFeePerGas": 1,
            "chainId": chain_id,
            "data": "0x1234",
        },
    }


@pytest.mark.parametrize("kind", ["legacy", "eip2930", "eip1559"])
def test_key_from_transaction(w3: Web3, kind: str) -> None:
    accounts = dev_accounts(4)
    sender = accounts[{"legacy": 1, "eip2930": 2, "eip1559": 3}[kind]]
    tx = _send(w3, sender, _kinds(w3, accounts[0].address)[kind])
    assert tx["type"] == {"legacy": 0, "eip2930": 1, "eip1559": 2}[kind]
    key = key_from_transaction(tx, donor=sender.address)
    assert key.public_key == _public_key(sender)
    assert key.verified and key.source == "transaction" and key.address == sender.address


def test_transaction_from_another_sender_is_refused(w3: Web3) -> None:
    accounts = dev_accounts(3)
    tx = _send(w3, accounts[1], _kinds(w3, accounts[0].address)["eip1559"])
    with pytest.raises(SealError) as caught:
        key_from_transaction(tx, donor=accounts[2].address)
    assert accounts[1].address in str(caught.value) and accounts[2].address in str(caught.value)


@pytest.mark.parametrize(("field", "value"), [("value", 999), ("nonce", 12345), ("input", b"\x99")])
def test_altered_fields_are_refused(w3: Web3, field: str, value: Any) -> None:
    accounts = dev_accounts(2)
    tx = _send(w3, accounts[1], _kinds(w3, accounts[0].address)["eip1559"])
    with pytest.raises(SealError, match="do not hash to"):
        key_from_transaction({**tx, field: value}, donor=accounts[1].address)


def test_unsupported_or_incomplete_transactions(w3: Web3) -> None:
    accounts = dev_accounts(2)
    tx = _send(w3, accounts[1], _kinds(w3, accounts[0].address)["legacy"])
    with pytest.raises(InputError, match="type 3"):
        key_from_transaction({**tx, "type": 3}, donor=accounts[1].address)
    without_r = {k: v for k, v in tx.items() if k != "r"}
    with pytest.raises(InputError, match="'r'"):
        key_from_transaction(without_r, donor=accounts[1].address)


def test_dev_accounts_are_anvils(w3: Web3) -> None:
    assert [a.address for a in dev_accounts(10)] == list(w3.eth.accounts)
