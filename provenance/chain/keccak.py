"""Keccak-256 (Ethereum's hash, not NIST SHA3-256): pycryptodome's C implementation through
ctypes.

Why not ``eth_hash.auto.keccak``: it picks pycryptodome's backend, which loads its C code through
cffi, and cffi parses the C declarations with pycparser at import (building pycparser's lexer and
parser: 40-130 ms of a command that should take 0.3 s), while eth-hash itself reads its version
through ``importlib.metadata`` (which imports the ``email`` package). The very same shared library
(``Crypto/Hash/_keccak``) is loaded here with ``ctypes`` in about a millisecond; when it cannot
be (an unusual pycryptodome build), pycryptodome's own wrapper is used. ``tests/test_keccak.py``
compares both with eth-hash on random inputs.
"""

from __future__ import annotations

import ctypes
import importlib.machinery
import importlib.util
from collections.abc import Callable
from pathlib import Path

__all__ = ["keccak"]

_DIGEST_BYTES = 32
_ROUNDS = 24
_PADDING = 0x01  # Keccak's original padding (SHA-3 uses 0x06)


def _library() -> ctypes.CDLL | None:
    spec = importlib.util.find_spec("Crypto")
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(next(iter(spec.submodule_search_locations))) / "Hash"
    for suffix in importlib.machinery.EXTENSION_SUFFIXES:
        path = folder / f"_keccak{suffix}"
        if path.is_file():
            try:
                lib = ctypes.CDLL(str(path))
            except OSError:
                continue
            lib.keccak_init.argtypes = [ctypes.POINTER(ctypes.c_void_p), ctypes.c_size_t,
                                        ctypes.c_uint8]  # fmt: skip
            lib.keccak_absorb.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_size_t]
            lib.keccak_digest.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_size_t,
                                          ctypes.c_uint8]  # fmt: skip
            lib.keccak_destroy.argtypes = [ctypes.c_void_p]
            return lib
    return None


def _ctypes_keccak(lib: ctypes.CDLL) -> Callable[[bytes], bytes]:
    def keccak(data: bytes | bytearray | memoryview) -> bytes:
        data = bytes(data)
        state = ctypes.c_void_p()
        if lib.keccak_init(ctypes.byref(state), 2 * _DIGEST_BYTES, _ROUNDS):
            raise MemoryError("keccak_init failed")
        try:
            out = ctypes.create_string_buffer(_DIGEST_BYTES)
            if lib.keccak_absorb(state, data, len(data)) or lib.keccak_digest(
                state, out, _DIGEST_BYTES, _PADDING
            ):
                raise RuntimeError("pycryptodome's keccak failed")
            return out.raw
        finally:
            lib.keccak_destroy(state)

    return keccak


def _pycryptodome_keccak(data: bytes | bytearray | memoryview) -> bytes:
    from Crypto.Hash import keccak as pycryptodome

    return bytes(pycryptodome.new(digest_bits=256, data=bytes(data)).digest())


_lib = _library()
keccak: Callable[[bytes], bytes] = _ctypes_keccak(_lib) if _lib else _pycryptodome_keccak
