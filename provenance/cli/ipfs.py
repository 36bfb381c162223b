"""``provenance ipfs``: add, cat, export, import, serve and pin on the embedded blockstore.

Kept light on purpose: ``ipfs add --only-hash`` imports only the importer (no httpx, no web3), so
it answers in well under half a second.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

import click

from provenance.cli.options import json_option
from provenance.cli.render import emit_json, plural
from provenance.errors import InputError
from provenance.ipfs.params import DEFAULT_PROFILE, PROFILES, resolve_params

if TYPE_CHECKING:
    from provenance.ipfs.blockstore import Blockstore

__all__ = ["ipfs"]


def _store() -> Blockstore:
    from provenance.ipfs.blockstore import Blockstore

    return Blockstore.open()


def _cid(text: str) -> str:
    from provenance.ipfs.cid import CID

    return str(CID.parse(text))


@contextmanager
def _atomic_output(path: Path) -> Iterator[BinaryIO]:
    """Write ``path`` via a temp file in the same folder: on any error nothing is left behind."""
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise InputError(f"output folder does not exist: {folder}")
    import tempfile  # only commands that write a file pay for it (2-3 ms of start-up)

    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with open(fd, "wb") as handle:
            yield handle
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@click.group()
def ipfs() -> None:
    """Content addressing: Kubo-identical CIDs and an embedded, verified blockstore."""


@ipfs.command()
@click.argument("path", type=click.Path(path_type=Path))
@click.option("-n", "--only-hash", is_flag=True, help="Compute the CID; store nothing.")
@click.option(
    "--profile",
    type=click.Choice(sorted(PROFILES)),
    default=DEFAULT_PROFILE,
    show_default=True,
    help="Import profile (chunk size, links per node, leaves, CID version).",
)
@click.option("--chunk-size", type=int, help="Override the profile's chunk size in bytes.")
@click.option("--max-links", type=int, help="Override the profile's links per node.")
@click.option("--raw-leaves/--no-raw-leaves", default=None, help="Override raw leaves.")
@click.option("--cid-version", type=click.IntRange(0, 1), help="Override the CID version.")
@click.option("-r", "--recursive", is_flag=True, help="Add a directory and everything in it.")
@click.option("-w", "--wrap-with-directory", is_flag=True, help="Wrap the result in a directory.")
@click.option("-H", "--hidden", is_flag=True, help="Include files whose names start with '.'.")
@click.option("--pin/--no-pin", default=True, show_default=True, help="Pin what was added.")
@json_option
def add(
    path: Path,
    only_hash: bool,
    profile: str,
    chunk_size: int | None,
    max_links: int | None,
    raw_leaves: bool | None,
    cid_version: int | None,
    recursive: bool,
    wrap_with_directory: bool,
    hidden: bool,
    pin: bool,
    as_json: bool,
) -> None:
    """Add FILE (or a directory with -r) and print its CID."""
    from provenance.ipfs.importer import add_path

    params = resolve_params(
        profile,
        chunk_size=chunk_size,
        max_links=max_links,
        raw_leaves=raw_leaves,
        cid_version=cid_version,
    )
    if not path.exists() and not path.is_symlink():
        raise InputError(f"no such file or directory: {path}")
    if path.is_dir() and not recursive:
        raise InputError(f"{path} is a directory: use -r to add it recursively")
    store = None if only_hash else _store()
    result = add_path(
        path, store=store, params=params, wrap_with_directory=wrap_with_directory, hidden=hidden
    )
    if store is not None and pin:
        store.pin(result.cid)
    if as_json:
        click.echo(
            json.dumps(
                {
                    "cid": result.cid,
                    "size": result.size,
                    "profile": profile,
                    "params": {
                        "chunk_size": params.chunk_size,
                        "max_links": params.max_links,
                        "raw_leaves": params.raw_leaves,
                        "cid_version": params.cid_version,
                    },
                    "stored": store is not None,
                }
            )
        )
    else:
        click.echo(result.cid)


# The default bound on what ``cat`` and ``serve`` produce (reader.DEFAULT_MAX_CAT_BYTES, 1 GiB),
# repeated here so the CLI need not import the reader to build its help.
_DEFAULT_MAX_SIZE = 1 << 30
_MAX_SIZE_HELP = (
    "Refuse files larger than this many bytes (a small DAG can link one block "
    "many times and expand without bound); 0: no limit."
)
max_size_option = click.option(
    "--max-size",
    type=click.IntRange(min=0),
    default=_DEFAULT_MAX_SIZE,
    show_default=True,
    help=_MAX_SIZE_HELP,
)


@ipfs.command()
@click.argument("cid")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write to this file instead of stdout.",
)
@max_size_option
def cat(cid: str, output: Path | None, max_size: int) -> None:
    """Print a file's bytes, every block verified against its CID."""
    store = _store()
    root = _cid(cid)
    limit = max_size or None
    if output is not None:
        with _atomic_output(output) as handle:
            for chunk in store.iter_cat(root, max_size=limit):
                handle.write(chunk)
        return
    # Read (so verify and size) the whole file before its first byte reaches stdout: no
    # half-printed file, also when it turns out to be over the limit.
    for _ in store.iter_cat(root, max_size=limit):
        pass
    out = sys.stdout.buffer
    for chunk in store.iter_cat(root, max_size=limit):
        out.write(chunk)
    out.flush()


@ipfs.command("export")
@click.argument("cid")
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The CAR file to write.",
)
@json_option
def export_cmd(cid: str, output: Path, as_json: bool) -> None:
    """Write the DAG under CID as a CARv1 file."""
    from provenance.ipfs.car import export_car

    store = _store()
    root = _cid(cid)
    with _atomic_output(output) as handle:
        count = export_car(store, root, handle)
    if as_json:
        emit_json({"root": root, "blocks": count, "output": str(output)})
        return
    click.echo(f"{root} ({plural(count, 'block')}) -> {output}", err=True)


@ipfs.command("import")
@click.argument("car", type=click.Path(path_type=Path))
@click.option(
    "--pin/--no-pin", "pin_roots", default=True, show_default=True, help="Pin the CAR's roots."
)
@json_option
def import_cmd(car: Path, pin_roots: bool, as_json: bool) -> None:
    """Import a CARv1 file (every block verified); print its roots."""
    from provenance.ipfs.car import import_car

    store = _store()
    try:
        handle = car.open("rb")
    except FileNotFoundError as exc:
        raise InputError(f"no such file: {car}") from exc
    except IsADirectoryError as exc:
        raise InputError(f"is a directory, not a CAR file: {car}") from exc
    with handle:
        roots = import_car(store, handle)
    for root in roots:
        if pin_roots:
            store.pin(root)
    if as_json:
        emit_json({"roots": [str(root) for root in roots], "pinned": pin_roots})
        return
    for root in roots:
        click.echo(root)


@ipfs.command()
@click.option("--port", type=click.IntRange(0, 65535), default=8080, show_default=True)
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Interface to listen on (loopback by default).",
)
@max_size_option
@json_option
def serve(port: int, host: str, max_size: int, as_json: bool) -> None:
    """Serve the blockstore as an IPFS trustless gateway (/ipfs/CID, ?format=raw|car)."""
    from provenance.ipfs.server import make_server

    server = make_server(_store(), host=host, port=port, max_file_bytes=max_size or None)
    bound_host, bound_port = str(server.server_address[0]), int(server.server_address[1])
    url = f"http://{bound_host}:{bound_port}/ipfs/"
    if as_json:  # one line a script can read to learn the port, then the server runs
        emit_json({"url": url})
        sys.stdout.flush()
    else:
        click.echo(f"gateway listening on {url}", err=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


@ipfs.group()
def pin() -> None:
    """Pins: DAGs that gc never removes."""


@pin.command("add")
@click.argument("cid")
@json_option
def pin_add(cid: str, as_json: bool) -> None:
    """Pin a DAG that is fully present in the store."""
    root = _store().pin(_cid(cid))
    if as_json:
        emit_json({"pinned": root})
        return
    click.echo(root)


@pin.command("ls")
@json_option
def pin_ls(as_json: bool) -> None:
    """List pinned roots."""
    roots = _store().pins()
    if as_json:
        emit_json({"pins": roots})
        return
    for root in roots:
        click.echo(root)


@pin.command("rm")
@click.argument("cid")
@json_option
def pin_rm(cid: str, as_json: bool) -> None:
    """Unpin a DAG (its blocks go at the next gc)."""
    root = _cid(cid)
    _store().unpin(root)
    if as_json:
        emit_json({"unpinned": root})
        return
    click.echo(root)


@ipfs.command()
@json_option
def gc(as_json: bool) -> None:
    """Remove every block not reachable from a pin."""
    removed = _store().gc()
    if as_json:
        emit_json({"removed_blocks": removed})
        return
    click.echo(f"removed {plural(removed, 'block')}")
