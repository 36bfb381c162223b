"""``gallery build -o DIR`` writes and removes only its own files (issue 12 item 9): it deleted any
``DIR/work/`` and ``DIR/offer/`` whatever they held."""

from __future__ import annotations

from pathlib import Path

import pytest

from provenance.chain.token_id import token_hex
from provenance.errors import InputError
from provenance.gallery.data import GalleryData, Work
from provenance.gallery.output import MANIFEST, write_site

GATEWAY = "http://127.0.0.1:8080"


def _data(*token_ids: int) -> GalleryData:
    works = [
        Work(
            token_id=token_id,
            owner="0x" + "11" * 20,
            metadata_sha256="22" * 32,
            image_sha256="33" * 32,
            metadata_cid="bafkreimetadata",
            token_uri="ipfs://bafkreimetadata",
            title=f"Work {token_id}",
        )
        for token_id in token_ids
    ]
    return GalleryData(
        chain_id=31337,
        contract="0x" + "44" * 20,
        name="Test",
        works=works,
        offers=[],
        block=1,
        generated_at=0,
    )


def _tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_a_folder_it_did_not_make_is_refused_untouched(tmp_path: Path) -> None:
    out = tmp_path / "site"
    (out / "work").mkdir(parents=True)
    (out / "work" / "thesis.tex").write_text("years of work")
    (out / "offer").mkdir()
    (out / "offer" / "signed.json").write_text("{}")
    before = _tree(out)
    with pytest.raises(InputError, match="not empty and holds no gallery build"):
        write_site(_data(1), out, gateway=GATEWAY)
    assert _tree(out) == before


def test_a_rebuild_removes_only_its_own_stale_files(tmp_path: Path) -> None:
    out = tmp_path / "site"
    first = write_site(_data(1, 2), out, gateway=GATEWAY)
    page1, page2 = (out / "work" / f"{token_hex(i)}.html" for i in (1, 2))
    assert page2 in first and (out / MANIFEST).is_file()
    (out / "work" / "notes.txt").write_text("mine")  # put there by someone else
    (out / "offer").mkdir(exist_ok=True)
    (out / "offer" / "keep.json").write_text("{}")
    write_site(_data(1), out, gateway=GATEWAY)
    assert not page2.exists()  # the gallery's own stale page
    assert page1.is_file()
    assert (out / "work" / "notes.txt").read_text() == "mine"
    assert (out / "offer" / "keep.json").read_text() == "{}"


def test_an_empty_or_new_folder_is_fine_and_a_damaged_manifest_is_refused(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    assert write_site(_data(3), empty, gateway=GATEWAY)
    (empty / MANIFEST).write_text('{"files": ["../../etc/passwd"]}')
    with pytest.raises(InputError, match="is damaged"):
        write_site(_data(3), empty, gateway=GATEWAY)


def test_a_static_build_tells_its_host_that_no_page_may_be_framed(tmp_path: Path) -> None:
    out = tmp_path / "site"
    write_site(_data(1), out, gateway=GATEWAY)
    # A <meta> policy cannot forbid framing (browsers ignore frame-ancestors there): the
    # build writes the headers for Netlify / Cloudflare Pages style hosts to send.
    rules = (out / "_headers").read_text().splitlines()
    assert rules[0] == "/*"
    assert "  Content-Security-Policy: frame-ancestors 'none'" in rules
    assert "  X-Frame-Options: DENY" in rules


def test_the_footer_names_the_chain(tmp_path: Path) -> None:
    from dataclasses import replace

    for chain_id, shown in ((11155111, "Sepolia (chain 11155111)"), (1337, "chain 1337")):
        out = tmp_path / str(chain_id)
        write_site(replace(_data(1), chain_id=chain_id), out, gateway=GATEWAY)
        footer = (out / "index.html").read_text().split('<footer class="site">')[1]
        assert " ".join(footer.split()).count(f"on {shown}.") == 1
