"""Issue 12 item 2: nesting bombs. 240 KB of nested ``[]`` as token metadata exited 70
(RecursionError) and a 200 KB envelope crashed ``decrypt`` with SIGSEGV (eth-account raises the
recursion limit, so the C parser overflows the stack). Size and depth are checked before parsing."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import coincurve
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from provenance.errors import ProvenanceError, SealError
from provenance.seal import parse_envelope
from provenance.seal.donor import key_from_encryption_key
from provenance.seal.envelope import MAX_ENVELOPE_BYTES, encryption_public_key, seal
from provenance.seal.keys import ECIES, X25519, DonorKey
from provenance.untrusted import UntrustedDataError, json_depth, load_json

BOMB = b"[" * 120_000 + b"]" * 120_000  # 240 KB, valid JSON


def _depth(value: Any) -> int:
    if isinstance(value, list):
        return 1 + max((_depth(v) for v in value), default=0)
    if isinstance(value, dict):
        return 1 + max((_depth(v) for v in value.values()), default=0)
    return 0


_TRICKY_TEXT = st.text(alphabet=st.sampled_from('[]{}"\\ab\n\u00e9\u2028'), max_size=12)
JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | _TRICKY_TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_TRICKY_TEXT, inner, max_size=4),
    max_leaves=40,
)


@settings(max_examples=400, deadline=None)
@given(JSON_VALUES, st.booleans(), st.booleans())
def test_depth_scan_agrees_with_the_parser(value: Any, ascii_only: bool, indent: bool) -> None:
    text = json.dumps(value, ensure_ascii=ascii_only, indent=1 if indent else None)
    data = text.encode("utf-8")
    assert json_depth(data) == _depth(json.loads(data))
    assert load_json(data, max_bytes=len(data), max_depth=_depth(value)) == json.loads(data)
    if _depth(value):
        with pytest.raises(UntrustedDataError, match="levels deep"):
            load_json(data, max_bytes=len(data), max_depth=_depth(value) - 1)


def test_a_nesting_bomb_is_one_clear_error_not_a_crash() -> None:
    with pytest.raises(UntrustedDataError) as info:
        load_json(BOMB, max_bytes=1 << 20, max_depth=64, what="token 7's metadata")
    assert str(info.value) == (
        "token 7's metadata nests 120000 levels deep, more than the 64 allowed"
    )
    assert isinstance(info.value, ProvenanceError)
    with pytest.raises(UntrustedDataError, match="is 240000 bytes, more than the 1000 allowed"):
        load_json(BOMB, max_bytes=1000, max_depth=64)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b'{"a": NaN}', "not usable JSON"),
        (b'{"a": 1', "not valid JSON"),
        (b"\xff", "not UTF-8"),
        (b"1" * 5000, "not usable JSON"),  # past Python's int digit limit
        (b'"[[[[[[[[[[[[[[[[[[[[[["', None),  # brackets in a string do not nest
        (b'["\\"[[[["]', None),  # nor after an escaped quote
    ],
)
def test_every_parse_failure_is_the_one_error(data: bytes, message: str | None) -> None:
    if message is None:
        assert load_json(data, max_bytes=100_000, max_depth=1) == json.loads(data)
        return
    with pytest.raises(UntrustedDataError, match=message):
        load_json(data, max_bytes=100_000, max_depth=8)


def test_an_envelope_bomb_is_a_seal_error() -> None:
    with pytest.raises(SealError, match="the envelope is 200000 bytes, more than the 8192"):
        parse_envelope(b"[" * 100_000 + b"]" * 100_000)
    with pytest.raises(SealError, match="the envelope nests 3000 levels deep"):
        parse_envelope(b"[" * 3_000 + b"]" * 3_000)
    with pytest.raises(SealError, match=f"more than the {MAX_ENVELOPE_BYTES} allowed"):
        parse_envelope(b" " * (MAX_ENVELOPE_BYTES + 1) + b"{}")
    with pytest.raises(SealError, match="repeats the field"):
        parse_envelope(b'{"version": "a", "version": "b"}')


def test_an_envelope_bomb_does_not_crash_under_a_raised_recursion_limit() -> None:
    # What the review hit: eth-account raises the recursion limit; the parser then overflows the
    # C stack (SIGSEGV) instead of raising RecursionError.
    program = (
        "import sys; sys.setrecursionlimit(10**6)\n"
        "from provenance.errors import SealError\n"
        "from provenance.seal import parse_envelope\n"
        "try:\n"
        "    parse_envelope(b'[' * 100000 + b']' * 100000)\n"
        "except SealError as exc:\n"
        "    print(exc)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr[-500:]
    assert "the envelope is 200000 bytes" in result.stdout


@pytest.mark.parametrize("scheme", [ECIES, X25519])
def test_the_largest_honest_envelope_is_well_within_the_cap(scheme: str) -> None:
    secret = bytes(range(1, 33))
    if scheme == ECIES:
        point = coincurve.PrivateKey(secret).public_key.format(compressed=False)
        key = DonorKey(ECIES, point, None, False, "pubkey")
    else:
        key = key_from_encryption_key(encryption_public_key(secret))
    envelope = seal("é" * 512, key)  # 1024 bytes of UTF-8, the most allowed
    data = json.dumps(envelope, indent=4).encode()
    assert len(data) < 2048 < MAX_ENVELOPE_BYTES
    assert parse_envelope(data) == envelope
