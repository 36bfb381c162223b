"""Our importer against independent implementations: js-ipfs' ipfs-unixfs-importer configured like
Kubo (run with node), and CIDs that Kubo's own test suite asserts."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from provenance.ipfs.importer import add_file, add_path, add_stream
from provenance.ipfs.params import PROFILES, ImportParams, resolve_params

from .conftest import deterministic_bytes, run_node

KIB = 1024
CHUNK_256K = 256 * KIB


def _js_case(params: ImportParams, files: list[dict[str, str]], *, wrap: bool = False) -> dict:
    return {
        "files": files,
        "chunkSize": params.chunk_size,
        "maxLinks": params.max_links,
        "rawLeaves": params.raw_leaves,
        "cidVersion": params.cid_version,
        "wrap": wrap,
    }


@pytest.fixture(scope="module")
def sized_files(tmp_path_factory: pytest.TempPathFactory) -> dict[int, Path]:
    """Files at every interesting size for 256 KiB / 174-link profiles and the 1 MiB profile."""
    folder = tmp_path_factory.mktemp("sizes")
    mib = 1024 * KIB
    sizes = {
        0,
        1,
        1000,
        CHUNK_256K - 1,
        CHUNK_256K,
        CHUNK_256K + 1,
        174 * CHUNK_256K,
        174 * CHUNK_256K + 1,  # second layer begins at 174 leaves
        mib - 1,
        mib,
        mib + 1,
        3 * mib + 5,
    }
    out = {}
    for size in sorted(sizes):
        path = folder / f"f{size}"
        path.write_bytes(deterministic_bytes(size, seed=size))
        out[size] = path
    return out


def _sizes_for(params: ImportParams, available: dict[int, Path]) -> list[int]:
    chunk = params.chunk_size
    wanted = [0, 1, 1000, chunk - 1, chunk, chunk + 1]
    if chunk == CHUNK_256K:
        wanted += [174 * chunk, 174 * chunk + 1]
    else:
        wanted += [3 * chunk + 5]
    return [size for size in wanted if size in available]


def test_files_match_js_importer_for_every_profile(sized_files: dict[int, Path]) -> None:
    cases, ours = [], []
    for name, params in PROFILES.items():
        for size in _sizes_for(params, sized_files):
            path = sized_files[size]
            cases.append(_js_case(params, [{"path": path.name, "file": str(path)}]))
            ours.append((name, size, add_file(path, params=params).cid))
    theirs = run_node("unixfs_import.mjs", cases).split()
    assert len(theirs) == len(ours)
    mismatches = [(n, s, o, t) for (n, s, o), t in zip(ours, theirs, strict=True) if o != t]
    assert not mismatches, mismatches


# Small chunks and few links reach the third and fourth layers of the tree with tiny files.
@pytest.mark.parametrize(
    ("chunk", "links", "raw", "version"),
    [(64, 3, True, 1), (64, 3, False, 0), (100, 2, False, 1), (1024, 1024, True, 1)],
)
def test_deep_trees_match_js_importer(
    tmp_path: Path, chunk: int, links: int, raw: bool, version: int
) -> None:
    params = resolve_params(
        "unixfs-v1-2025", chunk_size=chunk, max_links=links, raw_leaves=raw, cid_version=version
    )
    sizes = sorted(
        {0, 1, chunk, *(chunk * links**d + delta for d in (1, 2, 3) for delta in (-1, 0, 1))}
    )
    sizes = [s for s in sizes if s <= 2 * 1024 * 1024]
    cases, ours = [], []
    for size in sizes:
        path = tmp_path / f"f{size}"
        path.write_bytes(deterministic_bytes(size, seed=size + chunk))
        cases.append(_js_case(params, [{"path": path.name, "file": str(path)}]))
        ours.append(add_file(path, params=params).cid)
    assert run_node("unixfs_import.mjs", cases).split() == ours


def _make_tree(root: Path) -> None:
    (root / "sub" / "deeper").mkdir(parents=True)
    (root / "empty-dir").mkdir()
    (root / "a.txt").write_bytes(b"hello world\n")
    (root / "B.bin").write_bytes(deterministic_bytes(300 * KIB, seed=7))
    (root / "empty").write_bytes(b"")
    (root / "sub" / "z").write_bytes(deterministic_bytes(5000, seed=8))
    (root / "sub" / "deeper" / "big").write_bytes(deterministic_bytes(1100 * KIB, seed=9))
    (root / "ünïcode name.json").write_bytes(b'{"x": 1}')


def _js_files(root: Path) -> Iterator[dict[str, str]]:
    for path in sorted(root.rglob("*")):
        rel = str(path.relative_to(root.parent))
        if path.is_file():
            yield {"path": rel, "file": str(path)}
        elif not any(path.iterdir()):
            yield {"path": rel}


@pytest.mark.parametrize("profile", sorted(PROFILES))
def test_directories_match_js_importer(tmp_path: Path, profile: str) -> None:
    root = tmp_path / "album"
    _make_tree(root)
    params = PROFILES[profile]
    single = root / "a.txt"
    cases = [
        _js_case(params, list(_js_files(root))),
        _js_case(params, [{"path": "a.txt", "file": str(single)}], wrap=True),
    ]
    ours = [
        add_path(root, params=params).cid,
        add_path(single, params=params, wrap_with_directory=True).cid,
    ]
    assert run_node("unixfs_import.mjs", cases).split() == ours


def test_hidden_files_are_skipped_like_kubo(tmp_path: Path) -> None:
    root = tmp_path / "d"
    root.mkdir()
    (root / "x").write_bytes(b"x")
    before = add_path(root).cid
    (root / ".hidden").write_bytes(b"secret")
    assert add_path(root).cid == before
    assert add_path(root, hidden=True).cid != before


# --- Vectors from Kubo's own tests -------------------------------------------------------------
# ipfs/kubo test/cli/add_test.go (TestAdd) and test/cli/cid_profiles_test.go: "hello world" added
# with each profile / import setting.
@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ("unixfs-v0-2015", "Qmf412jQZiuVUtdgnB36FXFX7xg5V6KEbSJ4dpQuhkLyfD"),
        ("unixfs-v1-2025", "bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e"),
        ("kubo-v1", "bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e"),
        # Import.CidVersion=1 with Import.UnixFSRawLeaves=false
        (
            resolve_params("kubo-v1", raw_leaves=False),
            "bafybeihykld7uyxzogax6vgyvag42y7464eywpf55gxi5qpoisibh3c5wa",
        ),
    ],
)
def test_kubo_hello_world_vectors(params: ImportParams | str, expected: str) -> None:
    import io

    assert add_stream(io.BytesIO(b"hello world"), params=params).cid == expected


class _ChaChaStream:
    """kubo test/cli/testutils: DeterministicRandomReader(size, seed) = ChaCha20 keystream with
    key sha256(seed) and a zero 96-bit nonce, cut to ``size`` bytes."""

    def __init__(self, size: int, seed: str) -> None:
        from Crypto.Cipher import ChaCha20

        self._cipher = ChaCha20.new(key=hashlib.sha256(seed.encode()).digest(), nonce=bytes(12))
        self._left = size

    def readinto(self, view: memoryview) -> int:
        n = min(len(view), self._left)
        if n:
            view[:n] = self._cipher.encrypt(bytes(n))
            self._left -= n
        return n


# ipfs/kubo test/cli/add_test.go: "--profile=legacy-cid-v0 applies UnixFSChunker=size-262144 and
# UnixFSFileMaxLinks" (seed "v0-seed") and "--profile=test-cid-v1 applies UnixFSChunker=
# size-1048576" (1 MiB chunks, 174 links, CIDv1, raw leaves; seed "v1-seed"): the last layer full,
# then one chunk more.
@pytest.mark.parametrize(
    ("params", "size", "seed", "expected"),
    [
        (
            "unixfs-v0-2015",
            44544 * KIB,
            "v0-seed",
            "QmUbBALi174SnogsUzLpYbD4xPiBSFANF4iztWCsHbMKh2",
        ),
        (
            "unixfs-v0-2015",
            44800 * KIB,
            "v0-seed",
            "QmepeWtdmS1hHXx1oZXsPUv6bMrfRRKfZcoPPU4eEfjnbf",
        ),
        (
            resolve_params("kubo-v1", chunk_size=1024 * KIB),
            174 * 1024 * KIB,
            "v1-seed",
            "bafybeigwduxcf2aawppv3isnfeshnimkyplvw3hthxjhr2bdeje4tdaicu",
        ),
        (
            resolve_params("kubo-v1", chunk_size=1024 * KIB),
            175 * 1024 * KIB,
            "v1-seed",
            "bafybeidhd7lo2n2v7lta5yamob3xwhbxcczmmtmhquwhjesi35jntf7mpu",
        ),
    ],
)
def test_kubo_max_links_vectors(
    params: ImportParams | str, size: int, seed: str, expected: str
) -> None:
    result = add_stream(_ChaChaStream(size, seed), params=params)  # type: ignore[arg-type]
    assert (result.cid, result.size) == (expected, size)


def test_a_file_that_changes_while_it_is_read_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The hashing threads read a file at offsets: a file growing meanwhile would otherwise get
    the CID of a mix of its versions (or of a prefix), silently."""
    from provenance.errors import IPFSError
    from provenance.ipfs import importer

    path = tmp_path / "growing"
    path.write_bytes(deterministic_bytes(5 * 1024, seed=7))
    params = resolve_params("unixfs-v1-2025", chunk_size=1024)
    expected = add_file(path, params=params).cid
    real_sha256 = importer._sha256

    def appending_sha256(parts: list[bytes]) -> bytes:
        with path.open("ab") as grow:  # another writer, mid-import
            grow.write(b"more")
        return real_sha256(parts)

    monkeypatch.setattr(importer, "_sha256", appending_sha256)
    with pytest.raises(IPFSError, match="changed while it was read"):
        add_file(path, params=params)
    monkeypatch.setattr(importer, "_sha256", real_sha256)
    path.write_bytes(deterministic_bytes(5 * 1024, seed=7))
    assert add_file(path, params=params).cid == expected  # the same bytes again: the same CID
