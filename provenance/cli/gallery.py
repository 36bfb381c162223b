"""``provenance gallery serve | build``: the exhibition, live on loopback or as a static site."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from provenance.cli.options import Connection, connection_options
from provenance.cli.render import emit_json, err_console, json_option

DEFAULT_PORT = 8470


@click.group()
def gallery() -> None:
    """A verifying web gallery of the collection."""


@gallery.command()
@click.option("--port", type=click.IntRange(0, 65535), default=DEFAULT_PORT, show_default=True)
@click.option("--verbose", is_flag=True, help="Log every request.")
@json_option
@connection_options()
def serve(port: int, verbose: bool, as_json: bool, connection: Connection) -> None:
    """Serve the gallery and an IPFS gateway on http://127.0.0.1:PORT (loopback only)."""
    from provenance.gallery import make_gallery_server

    collection = connection.open()
    server = make_gallery_server(collection, port=port, verbose=verbose)
    host, bound = str(server.server_address[0]), int(server.server_address[1])
    if as_json:  # one line a script can read to learn the port, then the server runs
        emit_json({"url": f"http://{host}:{bound}/"})
        sys.stdout.flush()
    else:
        err_console.print(f"gallery on http://{host}:{bound}/ (Ctrl-C to stop)")
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
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
@connection_options()
def build(
    output: Path,
    gateway: str,
    as_json: bool,
    connection: Connection,
) -> None:
    """Write the gallery as a static site (any web server, or `ipfs add -r`)."""
    from provenance.gallery import collect, write_site

    collection = connection.open()
    data = collect(collection, collection.store)
    written = write_site(data, output, gateway=gateway)
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
