"""The toolkit's keccak-256 (pycryptodome's C code through ctypes, ``chain/keccak.py``) against
eth-hash, and its import without cffi's C parser."""

from __future__ import annotations

import subprocess
import sys

from eth_hash.auto import keccak as reference
from hypothesis import given, settings
from hypothesis import strategies as st

from provenance.chain.keccak import _pycryptodome_keccak, keccak


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=600))
def test_keccak_matches_eth_hash(data: bytes) -> None:
    assert keccak(data) == reference(data) == _pycryptodome_keccak(data)
    assert keccak(bytearray(data)) == keccak(memoryview(data)) == reference(data)


def test_known_answers_and_block_edges() -> None:
    assert keccak(b"").hex() == "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470"
    for size in (135, 136, 137, 272, 1 << 20):  # around keccak-256's 136-byte rate
        data = bytes(range(256)) * (size // 256) + bytes(size % 256)
        assert keccak(data) == reference(data)


def test_loading_it_parses_no_c() -> None:
    probe = (
        "import sys; from provenance.chain.keccak import keccak; keccak(b''); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('cffi', 'pycparser', 'Crypto')))"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
