"""ABI encoding and decoding for one contract: calls, return values, events and custom errors.

Revert data is decoded here and nowhere else, into the contract's custom error name and its
arguments (``Error(string)`` and ``Panic(uint256)`` included); the raw bytes are kept on the error.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from provenance.chain.abicodec import decode as abi_decode
from provenance.chain.abicodec import encode as abi_encode
from provenance.chain.keccak import keccak
from provenance.errors import AbiDecodingError, ChainError, ContractRevert

__all__ = ["ContractABI", "DecodedError", "DecodedEvent"]

_PANIC_REASONS = {
    0x01: "assertion failed",
    0x11: "arithmetic overflow",
    0x12: "division by zero",
    0x21: "invalid enum value",
    0x32: "array index out of bounds",
    0x41: "out of memory",
}


def _type_string(param: dict[str, Any]) -> str:
    """Canonical ABI type, expanding tuples: ``tuple[]`` -> ``(bytes32,uint256)[]``."""
    kind = str(param["type"])
    if kind.startswith("tuple"):
        inner = ",".join(_type_string(c) for c in param["components"])
        return f"({inner}){kind[len('tuple') :]}"
    return kind


def _signature(item: dict[str, Any]) -> str:
    return f"{item['name']}({','.join(_type_string(p) for p in item.get('inputs', []))})"


def _shape(params: list[dict[str, Any]], values: tuple[Any, ...]) -> dict[str, Any]:
    """Name decoded values (recursively for tuples) so callers read fields, not positions."""
    out: dict[str, Any] = {}
    for index, (param, value) in enumerate(zip(params, values, strict=True)):
        name = param.get("name") or f"arg{index}"
        if param["type"] == "tuple":
            value = _shape(param["components"], value)
        out[name] = value
    return out


@dataclass(frozen=True)
class DecodedError:
    name: str
    args: dict[str, Any]

    def describe(self) -> str:
        if not self.args:
            return self.name
        parts = []
        for key, value in self.args.items():
            shown = "0x" + value.hex() if isinstance(value, bytes) else str(value)
            parts.append(f"{key}={shown}")
        return f"{self.name}({', '.join(parts)})"


@dataclass(frozen=True)
class DecodedEvent:
    name: str
    args: dict[str, Any]
    log: dict[str, Any]

    @property
    def block_number(self) -> int:
        return int(self.log["blockNumber"], 16)

    @property
    def tx_hash(self) -> str:
        return str(self.log["transactionHash"])


class ContractABI:
    def __init__(self, abi: list[dict[str, Any]]) -> None:
        self.abi = abi
        self._functions: dict[str, dict[str, Any]] = {}
        self._errors: dict[bytes, dict[str, Any]] = {}
        self._events: dict[bytes, dict[str, Any]] = {}
        self._event_topics: dict[str, bytes] = {}
        for item in abi:
            kind = item.get("type")
            if kind == "function":
                self._functions.setdefault(item["name"], item)
            elif kind == "error":
                self._errors[keccak(_signature(item).encode())[:4]] = item
            elif kind == "event":
                topic = keccak(_signature(item).encode())
                self._events[topic] = item
                self._event_topics[item["name"]] = topic
        self.constructor = next((i for i in abi if i.get("type") == "constructor"), None)

    def selector(self, name: str) -> bytes:
        return keccak(_signature(self._function(name)).encode())[:4]

    def event_topic(self, name: str) -> bytes:
        try:
            return self._event_topics[name]
        except KeyError:
            raise ChainError(f"the contract ABI has no event {name}") from None

    def _function(self, name: str) -> dict[str, Any]:
        try:
            return self._functions[name]
        except KeyError:
            raise ChainError(f"the contract ABI has no function {name}") from None

    def encode_call(self, name: str, *args: Any) -> bytes:
        item = self._function(name)
        types = [_type_string(p) for p in item.get("inputs", [])]
        return self.selector(name) + abi_encode(types, list(args))

    def encode_constructor(self, *args: Any) -> bytes:
        if self.constructor is None:
            return b""
        return abi_encode([_type_string(p) for p in self.constructor["inputs"]], list(args))

    def decode_output(self, name: str, data: bytes) -> Any:
        """Decode a call's return data; a single return value is returned bare."""
        outputs = self._function(name).get("outputs", [])
        try:
            values = abi_decode([_type_string(p) for p in outputs], data)
        except AbiDecodingError as exc:
            raise ChainError(f"{name}() returned undecodable data (is this the contract?)") from exc
        if len(outputs) == 1:
            if outputs[0]["type"] == "tuple":
                return _shape(outputs[0]["components"], values[0])
            return values[0]
        return _shape(outputs, values)

    def decode_error(self, data: bytes) -> DecodedError | None:
        """Decode revert data; None when it matches nothing we know."""
        if len(data) < 4:
            return None
        selector, body = data[:4], data[4:]
        try:
            if selector == keccak(b"Error(string)")[:4]:
                return DecodedError("Error", {"reason": abi_decode(["string"], body)[0]})
            if selector == keccak(b"Panic(uint256)")[:4]:
                code = abi_decode(["uint256"], body)[0]
                return DecodedError(
                    "Panic", {"code": code, "reason": _PANIC_REASONS.get(code, "?")}
                )
            item = self._errors.get(selector)
            if item is None:
                return None
            types = [_type_string(p) for p in item.get("inputs", [])]
            return DecodedError(
                item["name"], _shape(item.get("inputs", []), abi_decode(types, body))
            )
        except AbiDecodingError:
            return None

    def explain_revert(self, exc: ContractRevert, *, action: str) -> ContractRevert:
        """A ContractRevert whose message names the decoded custom error."""
        decoded = self.decode_error(exc.data)
        if decoded is None:
            detail = "0x" + exc.data.hex() if exc.data else "no revert data"
            return ContractRevert(f"{action} reverted ({detail})", data=exc.data)
        return ContractRevert(
            f"{action} reverted: {decoded.describe()}",
            error_name=decoded.name,
            data=exc.data,
            args=decoded.args,
        )

    def decode_log(self, log: dict[str, Any]) -> DecodedEvent | None:
        topics = [bytes.fromhex(t[2:]) for t in log.get("topics", [])]
        if not topics or topics[0] not in self._events:
            return None
        item = self._events[topics[0]]
        indexed = [p for p in item["inputs"] if p.get("indexed")]
        plain = [p for p in item["inputs"] if not p.get("indexed")]
        values: dict[str, Any] = {}
        for param, topic in zip(indexed, topics[1:], strict=False):
            values[param["name"]] = abi_decode([_type_string(param)], topic)[0]
        data = bytes.fromhex(log["data"][2:]) if log.get("data") else b""
        decoded = abi_decode([_type_string(p) for p in plain], data)
        values.update(_shape(plain, decoded))
        ordered = {p["name"]: values[p["name"]] for p in item["inputs"]}
        return DecodedEvent(item["name"], ordered, log)
