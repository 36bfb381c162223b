"""``provenance gallery serve | build``: the exhibition, live on loopback or as a static site."""

from __future__ import annotations

import sys
from pathlib import Path
from urllib.parse import urlsplit

import click

from provenance.cli.options import Connection, connection_options, json_option
from provenance.cli.render import emit_json, err_console
from provenance.errors import InputError, VerificationError

DEFAULT_PORT = 8470

public_url_option = click.option(
    "--public-url",
    metavar="URL",
    help="The gallery's public address, which QR codes, wallet-app links and the screen name"
    " (default: the collection's, from `collection set --public-url`).",
)


def _public_url(url: str | None) -> str:
    from provenance.content.collection import parse_public_url

    return parse_public_url(url) if url else ""


def _runtime_note() -> None:
    """One line when this installation cannot run the generator in visitors' browsers."""
    from provenance.gallery.live import ort_dist_dir

    if ort_dist_dir() is None:
        err_console.print(
            "note: onnxruntime-web's WebAssembly is not in this installation, so pages show no"
            " live portrait and the screen shows animations and stills (scripts/setup copies it)",
            markup=False,
        )


def _loopback_note(url: str, what: str) -> None:
    """One line when the links a command prints only work on this machine."""
    from provenance.gallery.server import is_loopback_url

    if is_loopback_url(url):
        err_console.print(
            f"note: {what} point to {url}, which only works on this machine: give --public-url"
            " (or `provenance collection set --public-url URL`) so that phones can open them",
            markup=False,
        )


@click.group()
def gallery() -> None:
    """A verifying web gallery of the collection."""


@gallery.command()
@click.option("--port", type=click.IntRange(0, 65535), default=DEFAULT_PORT, show_default=True)
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    metavar="ADDR",
    help="Address to listen on; anything but loopback exposes the gallery to the network.",
)
@click.option("--verbose", is_flag=True, help="Log every request.")
@public_url_option
@json_option
@connection_options()
def serve(
    port: int,
    host: str,
    verbose: bool,
    public_url: str | None,
    as_json: bool,
    connection: Connection,
) -> None:
    """Serve the gallery, an IPFS gateway and a read-only RPC proxy on http://HOST:PORT.

    The screen for a wall is at /screen/ (?dwell=SECONDS), the donor's key page at /key/.
    """
    from provenance.gallery import make_gallery_server
    from provenance.gallery.server import is_loopback
    from provenance.workflows.contract_metadata import read_collection_info

    given = _public_url(public_url)
    collection = connection.open()
    info = read_collection_info(collection, collection.store)
    stored = info.gallery_url if info and info.gallery_url else ""
    server = make_gallery_server(
        collection,
        host=host,
        port=port,
        verbose=verbose,
        public_url=given,
        # Visitors who follow a QR code name the public URL's host (the proxy in front of this
        # server passes it on): the Host allow-list takes it, given or stored.
        host_names=[h for h in (urlsplit(stored).hostname,) if h],
    )
    bound_host, bound = str(server.server_address[0]), int(server.server_address[1])
    links = given or stored or server.site.listen_url
    if not is_loopback(host):
        err_console.print(
            f"note: listening on {host}, not loopback: anyone who can reach this address can"
            " browse the gallery and read the chain through its read-only proxy"
        )
    if as_json:  # one line a script can read to learn the port, then the server runs
        emit_json({"url": f"http://{bound_host}:{bound}/"})
        sys.stdout.flush()
    else:
        err_console.print(f"gallery on http://{bound_host}:{bound}/ (Ctrl-C to stop)")
    _loopback_note(links, "QR codes and wallet-app links")
    _runtime_note()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


@gallery.command()
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    required=True,
    help="Folder to write the site into.",
)
@click.option(
    "--gateway",
    default="http://127.0.0.1:8080",
    show_default=True,
    metavar="URL",
    help="IPFS gateway the pages fetch content from (e.g. `provenance ipfs serve`).",
)
@public_url_option
@json_option
@connection_options()
def build(
    output: Path,
    gateway: str,
    public_url: str | None,
    as_json: bool,
    connection: Connection,
) -> None:
    """Write the gallery as a static site (any web server, or `ipfs add -r`).

    The pages' script reads the chain from --rpc-url (else the devnet's URL), which their
    Content-Security-Policy allows: give a public, read-only endpoint.
    """
    from provenance.gallery import collect, write_site
    from provenance.gallery.layout import PageSettings

    given = _public_url(public_url)
    collection = connection.open()
    data = collect(collection, collection.store)
    if data.info_problem:  # a site without its description is not what the artist asked for
        raise VerificationError(
            f"{data.info_problem.rstrip('.')}; give the collection a new one with"
            " `provenance collection set`",
            check="collection",
        )
    chain = collection.chain
    if not chain.is_devnet:
        from urllib.parse import urlsplit

        parts = urlsplit(chain.rpc.url)
        if parts.username or parts.password or parts.query:
            raise InputError(
                "the pages name their RPC endpoint for every visitor to read: give a public"
                " --rpc-url without credentials or query parameters"
            )
        err_console.print("note: every page names the --rpc-url endpoint; it must be public")
    from provenance.gallery.collection_files import published_anchors
    from provenance.gallery.probe import silent_endpoints

    links = given or (data.info.gallery_url if data.info and data.info.gallery_url else "")
    settings = PageSettings(
        rpc_url=chain.rpc.url,
        wallet_rpc_url=chain.rpc.url if chain.is_devnet else "",
        public_url=links,
        trust_anchors=published_anchors(),
    )
    written = write_site(data, output, gateway=gateway, settings=settings)
    for problem in silent_endpoints(gateway=gateway, rpc_url=chain.rpc.url):
        err_console.print(f"warning: {problem}", markup=False)
    if not links:
        err_console.print(
            "note: no --public-url: the screen shows no QR codes, and wallet-app links name the"
            " address each page is opened at",
            markup=False,
        )
    else:
        _loopback_note(links, "QR codes and wallet-app links")
    _runtime_note()
    if as_json:
        emit_json(
            {
                "output": str(output),
                "files": len(written),
                "works": len(data.works),
                "offers": len(data.offers),
                "gateway": gateway,
                "public_url": links or None,
            }
        )
        return
    click.echo(
        f"wrote {len(written)} files to {output}: {len(data.works)} works,"
        f" {len(data.offers)} open offers; content from {gateway}"
    )
