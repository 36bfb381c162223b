"""``provenance gallery serve | build``: the exhibition, live on loopback or as a static site."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from provenance.cli.options import Connection, connection_options, json_option
from provenance.cli.render import emit_json, err_console
from provenance.errors import InputError, VerificationError

DEFAULT_PORT = 8470


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
@json_option
@connection_options()
def serve(port: int, host: str, verbose: bool, as_json: bool, connection: Connection) -> None:
    """Serve the gallery, an IPFS gateway and a read-only RPC proxy on http://HOST:PORT."""
    from provenance.gallery import make_gallery_server
    from provenance.gallery.server import is_loopback

    collection = connection.open()
    server = make_gallery_server(collection, host=host, port=port, verbose=verbose)
    bound_host, bound = str(server.server_address[0]), int(server.server_address[1])
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
@json_option
@connection_options()
def build(
    output: Path,
    gateway: str,
    as_json: bool,
    connection: Connection,
) -> None:
    """Write the gallery as a static site (any web server, or `ipfs add -r`).

    The pages' script reads the chain from --rpc-url (else the devnet's URL), which their
    Content-Security-Policy allows: give a public, read-only endpoint.
    """
    from provenance.gallery import collect, write_site
    from provenance.gallery.site import PageSettings

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
    settings = PageSettings(
        rpc_url=chain.rpc.url, wallet_rpc_url=chain.rpc.url if chain.is_devnet else ""
    )
    written = write_site(data, output, gateway=gateway, settings=settings)
    if as_json:
        emit_json(
            {
                "output": str(output),
                "files": len(written),
                "works": len(data.works),
                "offers": len(data.offers),
                "gateway": gateway,
            }
        )
        return
    click.echo(
        f"wrote {len(written)} files to {output}: {len(data.works)} works,"
        f" {len(data.offers)} open offers; content from {gateway}"
    )
