"""The gallery's public address and the collection's settings: `collection set --public-url
--artist --rendering` (each alone, the rest of the document kept), `gallery build|serve
--public-url`, and the one-line notes when the links printed only work on this machine."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from typing import Any

import pytest

from provenance.chain.accounts import dev_accounts

from ..workflows.conftest import invoke, make_artwork, one_line_error, run_cli

DONOR = dev_accounts(2)[1]
NOTE = "which only works on this machine"


def ok(*args: str) -> Any:
    result = invoke(*args, "--json")
    assert result.exit_code == 0, (result.stdout, result.stderr)
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def collection(home: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    art = tmp_path_factory.mktemp("art")
    work = ok("mint", str(make_artwork(art / "w.png", seed=41)), "--donor", DONOR.address)
    ok("collection", "set", "--name", "Faces", "--image", str(make_artwork(art / "c.png", seed=2)))
    return {"art": art, "work": work}


def test_links_name_the_public_url_and_say_when_they_only_work_here(
    collection: dict[str, Any], tmp_path: Path
) -> None:
    art = collection["art"]
    # No public address yet: the offer's link is the loopback default, and the command says so.
    first = invoke(
        "offer", str(make_artwork(art / "o1.png", seed=42)), "--min-donation", "0.01ether",
        "-o", str(tmp_path / "o1.json"), "--json",
    )  # fmt: skip
    assert first.exit_code == 0, first.stderr
    assert json.loads(first.stdout)["url"].startswith("http://127.0.0.1:8470/offer/0x")
    assert NOTE in first.stderr and first.stderr.count("\n") == 1
    # A static build without one: the screen has no QR code and says how to give one.
    bare = ok("gallery", "build", "-o", str(tmp_path / "bare"))
    assert bare["public_url"] is None
    screen = (tmp_path / "bare/screen/index.html").read_text()
    assert '<div class="qr-code"' not in screen and "No public address" in screen
    # Stored with the collection: the artist's name alone changes, name and cover are kept.
    ok("collection", "set", "--public-url", "https://gallery.example.org/show")
    ok("collection", "set", "--artist", "Ada Example", "--rendering", "smooth")
    second = invoke(
        "offer", str(make_artwork(art / "o2.png", seed=43)), "--min-donation", "0.01ether",
        "-o", str(tmp_path / "o2.json"), "--json",
    )  # fmt: skip
    assert second.exit_code == 0 and NOTE not in second.stderr, second.stderr
    url = json.loads(second.stdout)["url"]
    assert url.startswith("https://gallery.example.org/show/offer/0x")
    # gallery build: every page names it, the screen's QR codes point there; --public-url wins.
    site = tmp_path / "site"
    built = ok("gallery", "build", "-o", str(site))
    assert built["public_url"] == "https://gallery.example.org/show/"
    screen = (site / "screen/index.html").read_text()
    token = f"0x{int(collection['work']['token_id']):064x}"
    assert f"https://gallery.example.org/show/work/{token}.html" in screen
    # The work and the two open offers, each with its page's address (the screen draws its QR
    # code from it when the work comes up).
    carried = re.search(r'data-works="([^"]*)"', screen)
    assert carried is not None
    works = json.loads(html.unescape(carried.group(1)))
    assert len(works) == 3
    assert all(w["url"].startswith("https://gallery.example.org/show/") for w in works), works
    for page in ("index.html", f"work/{token}.html", "key/index.html"):
        text = (site / page).read_text()
        assert (
            '<meta name="provenance-public-url" content="https://gallery.example.org/show/">'
            in text
        )
        assert "by <span data-artist>Ada Example</span>" in text and "rendering-smooth" in text
        assert "<h1" in text and "Faces" in text
    again = ok("gallery", "build", "-o", str(site), "--public-url", "https://other.example/")
    assert again["public_url"] == "https://other.example/"
    assert f"https://other.example/work/{token}.html" in (site / "screen/index.html").read_text()


def test_a_bad_public_url_is_one_line(collection: dict[str, Any], tmp_path: Path) -> None:
    for args in (
        ("gallery", "build", "-o", str(tmp_path / "s"), "--public-url", "ftp://example.org/"),
        ("gallery", "build", "-o", str(tmp_path / "s"), "--public-url", "https://u:p@x.org/"),
        ("collection", "set", "--public-url", "gallery.example.org"),
        ("collection", "set", "--rendering", "blurry"),
    ):
        result = run_cli(*args)
        assert result.returncode == 2, (args, result.stderr)
        assert one_line_error(result.stderr) and "Traceback" not in result.stderr
    assert not (tmp_path / "s").exists()


def test_serve_says_when_its_links_only_work_here(
    collection: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from provenance.gallery import server as gallery_server

    def interrupted(self: Any) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(gallery_server.GalleryServer, "serve_forever", interrupted)
    ok("collection", "set", "--public-url", "")  # cleared: links name the server itself
    result = invoke("gallery", "serve", "--port", "0")
    assert result.exit_code == 0 and NOTE in result.stderr, result.stderr
    result = invoke("gallery", "serve", "--port", "0", "--public-url", "https://g.example/")
    assert result.exit_code == 0 and NOTE not in result.stderr, result.stderr
    assert "WebAssembly" not in result.stderr
    # An installation without onnxruntime-web's wasm says so instead of losing the portrait.
    from provenance.gallery import live

    monkeypatch.setattr(live, "ort_dist_dir", lambda: None)
    result = invoke("gallery", "serve", "--port", "0", "--public-url", "https://g.example/")
    assert result.exit_code == 0 and "show no live portrait" in result.stderr, result.stderr


def test_the_public_urls_host_is_allowed_by_the_gallery(collection: dict[str, Any]) -> None:
    """Visitors who scan a QR code name the public URL's host: the DNS-rebinding Host check
    lets exactly that name through besides IP addresses and localhost."""
    from provenance.gallery import make_gallery_server
    from provenance.workflows.session import open_session

    plain = make_gallery_server(open_session(), port=0)
    public = make_gallery_server(
        open_session(), port=0, public_url="https://Gallery.Example.org/x/"
    )
    try:
        assert not plain.allows_host("gallery.example.org")
        assert public.allows_host("gallery.example.org") and public.allows_host(
            "gallery.example.org:443"
        )
        assert not public.allows_host("evil.example.org")
    finally:
        plain.server_close()
        public.server_close()
