"""``provenance verify`` and ``provenance decrypt``.

verify gives three outcomes: authentic (exit 0), not authentic (1: a copy names the token it
copies), could not check (4: no verdict). Evidence quotes what a token, a gateway or a file says:
plain text, never console markup.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from provenance.cli.options import (
    TOKEN,
    Connection,
    connection_options,
    content_options,
    json_option,
)
from provenance.cli.render import emit_json, err_console, out_console, table
from provenance.errors import InputError
from provenance.untrusted import plain_text, rich_text

if TYPE_CHECKING:
    from provenance.chain.token_id import TokenRef
    from provenance.content.credentials import Anchor
    from provenance.workflows.copies import CopyLookup
    from provenance.workflows.session import ReadTarget
    from provenance.workflows.verify import Report


def _read_image(path: Path) -> bytes:
    """The file's bytes, once they are known to be an image (a text file is not an artwork)."""
    from provenance.content.artwork import MAX_ARTWORK_BYTES
    from provenance.untrusted import UntrustedDataError, inspect_image

    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_ARTWORK_BYTES + 1)
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}") from None
    if len(data) > MAX_ARTWORK_BYTES:
        raise InputError(f"{path} is larger than {MAX_ARTWORK_BYTES // 2**20} MiB: not an artwork")
    try:
        inspect_image(data, what=str(path))
    except UntrustedDataError as exc:
        raise InputError(f"{exc.message}: nothing to verify") from None
    return data


def _parse_target(text: str) -> tuple[bytes | None, TokenRef | None]:
    """TEXT as an image file (its bytes) or a token reference; checked before anything connects."""
    from provenance.chain.token_id import parse_token_ref

    path = Path(text)
    if path.is_file():
        return _read_image(path), None
    try:
        return None, parse_token_ref(text)
    except InputError:
        if path.suffix or "/" in text:
            raise InputError(f"{text}: no such file, and not a token id") from None
        raise


def _reader(connection: Connection, image: bytes | None) -> ReadTarget:
    """The collection named on the command line or by this home; else, for a file whose Content
    Credentials name a gallery (``gan generate --gallery-url``), that gallery's."""
    import dataclasses

    from provenance.errors import ConfigError

    try:
        return connection.reader()
    except ConfigError:
        from provenance.content.credentials import manifest_gallery

        named = manifest_gallery(image) if image is not None else None
        if named is None or connection.gallery or connection.rpc_url or connection.contract:
            raise
        target = dataclasses.replace(connection, gallery=named).reader()
        return dataclasses.replace(target, named_by_file=True)


def _anchor(trust_anchor: Path | None, target: ReadTarget) -> Anchor | None:
    """--trust-anchor, else the anchor the gallery publishes, else this home's identity."""
    from provenance.content.credentials import anchor_from_pem, load_anchor
    from provenance.state.home import home

    descriptor = target.descriptor
    if trust_anchor is None and descriptor is not None:
        if not descriptor.trust_anchors:
            return None
        source = f"the trust anchor published by the gallery at {descriptor.url}"
        try:
            return anchor_from_pem(descriptor.trust_anchors[0].encode(), source=source)
        except InputError:
            return None  # no GAN extra here: the credentials check says so
    return load_anchor(trust_anchor, home().identity)


@click.command()
@click.argument("token", metavar="TOKEN|FILE")
@click.option(
    "--regenerate",
    is_flag=True,
    help="Also regenerate the image from its model and seed and compare the pixels.",
)
@click.option(
    "--model",
    type=click.Path(path_type=Path),
    help="Model for --regenerate (run folder or exported file).",
)
@click.option(
    "--trust-anchor",
    type=click.Path(path_type=Path, dir_okay=False),
    help="PEM to trust for Content Credentials: the artist's root, or their certificate-chain.pem"
    " (then the certificate's sha256 is compared with the token's). Default: the anchor the"
    " --gallery publishes, else the identity under PROVENANCE_HOME.",
)
@json_option
@content_options
@connection_options(gallery=True)
def verify(
    token: str,
    regenerate: bool,
    model: Path | None,
    trust_anchor: Path | None,
    as_json: bool,
    kubo_api: str | None,
    gateways: tuple[str, ...],
    connection: Connection,
) -> None:
    """Check a token end to end: exit 0 authentic, 1 not authentic, 4 could not check.

    TOKEN|FILE: the image file itself (its sha256 is the token id; an existing file is always
    read as the image; a file that is no token's is looked up as a copy of one), the token's
    short id (a unique hex prefix, e.g. 3f2a91c0) or its full id (decimal or 0x hex).
    """
    import hashlib

    from provenance.chain.token_id import token_id_of_image
    from provenance.errors import ChainUnreachable, CouldNotCheck
    from provenance.workflows.session import open_content_source
    from provenance.workflows.verify import verify_token

    if regenerate and model is None:
        raise InputError("--regenerate needs --model (a run folder or an exported model)")
    image, ref = _parse_target(token)
    target = _reader(connection, image)
    anchor = _anchor(trust_anchor, target)
    source = open_content_source(kubo_api, gateways, descriptor=target.descriptor)
    try:
        if image is not None:
            token_id = token_id_of_image(hashlib.sha256(image).digest())
        else:
            assert ref is not None
            token_id = target.contract.resolve_token(ref)
        report = verify_token(
            target.contract,
            token_id,
            source,
            chain_id=target.chain.chain_id,
            regenerate_model=model if regenerate else None,
            trust_anchor=anchor,
        )
        lookup = None
        if image is not None and report.token_missing:
            from provenance.workflows.copies import look_for_copy

            lookup = look_for_copy(image, target, source)
    except ChainUnreachable as exc:
        raise CouldNotCheck(f"could not check: {exc.message}") from exc
    _show_report(
        report,
        target,
        lookup,
        anchor_source=anchor.source if anchor is not None else None,
        as_json=as_json,
    )
    raise SystemExit(1 if lookup is not None else report.outcome.exit_code)


def _copy_json(lookup: CopyLookup) -> dict[str, Any]:
    from provenance.chain.token_id import short_token, token_hex

    match = lookup.match
    found: dict[str, Any] = {"searched": lookup.searched, "problem": lookup.problem}
    if match is not None:
        found.update(
            kind=match.kind.value,
            token_id=str(match.token_id),
            token_hex=token_hex(match.token_id),
            short_id=short_token(match.token_id),
            distance=match.distance,
            sentence=match.sentence(),
        )
    return found


def _copy_line(lookup: CopyLookup, short: str) -> str:
    if lookup.match is not None:
        return lookup.match.sentence()
    if lookup.problem is not None:
        return (
            f"no token {short} in this collection (could not look for the work it copies:"
            f" {lookup.problem})"
        )
    return (
        f"no token {short} in this collection, and it copies none of its {lookup.searched}"
        " indexed works"
    )


def _show_report(
    report: Report,
    target: ReadTarget,
    lookup: CopyLookup | None,
    *,
    anchor_source: str | None,
    as_json: bool,
) -> None:
    """The report; ``anchor_source`` says where the Content Credentials trust anchor came from
    (--trust-anchor, the gallery's descriptor, this home's identity), None when there is none."""
    from provenance.chain.token_id import short_token, token_hex
    from provenance.workflows.verify import CheckState, Outcome

    short = short_token(report.token_id)
    outcome = "not-authentic" if lookup is not None else report.outcome.value
    if as_json:
        document: dict[str, Any] = {
            "token_id": report.token_id,
            "token_hex": token_hex(report.token_id),
            "contract": report.contract,
            "chain_id": report.chain_id,
            "collection": target.where,
            "trust_anchor": anchor_source,
            "owner": report.owner,
            "ok": report.ok,
            "outcome": outcome,
            "training": report.training,
            "checks": [
                {"name": c.name, "ok": c.ok, "state": c.state.value, "detail": c.detail}
                for c in report.checks
            ],
        }
        if lookup is not None:
            document["copy"] = _copy_json(lookup)
        emit_json(document)
        return
    if lookup is not None:
        out_console.print(rich_text(f"NOT the minted file: {_copy_line(lookup, short)}"))
        return
    shown = table(
        f"token {short} on {target.chain.label} ({report.contract}), {target.where}",
        ("check", "result", "evidence"),
    )
    marks = {True: "[green]pass[/]", False: "[red]FAIL[/]", None: "[dim]n/a[/]"}
    for check in report.checks:
        mark = "[yellow]could not check[/]" if check.state is CheckState.UNCHECKED else None
        shown.add_row(check.name, mark or marks[check.ok], rich_text(check.detail))
    out_console.print(shown)
    credentials = report.check("credentials")
    if anchor_source is not None and credentials is not None and credentials.ok is not None:
        out_console.print(rich_text(f"Content Credentials judged under {anchor_source}"))
    if report.outcome is Outcome.AUTHENTIC:
        out_console.print("[bold green]verified[/]")
    elif report.outcome is Outcome.NOT_AUTHENTIC:
        failed = [c.name for c in report.checks if c.ok is False]
        out_console.print(f"[bold red]NOT verified[/]: {', '.join(failed)}")
    else:
        unchecked = [c for c in report.checks if c.state is CheckState.UNCHECKED]
        reason = unchecked[0].detail if unchecked else "could not check: checks were skipped"
        out_console.print("[bold yellow]could not check[/]: no verdict")
        err_console.print(rich_text(reason))


@click.command()
@click.argument("token", type=TOKEN)
@content_options
@json_option
@connection_options(signs=True, gallery=True)
def decrypt(
    token: TokenRef,
    as_json: bool,
    kubo_api: str | None,
    gateways: tuple[str, ...],
    connection: Connection,
) -> None:
    """Print the donor's sealed message of TOKEN (a unique hex prefix or the full id; needs the
    donor's key)."""
    from provenance.workflows.decrypt import decrypt_token

    if not connection.has_signer:
        raise InputError("decrypt needs the donor's key: --account NAME or --private-key-env VAR")
    key = connection.local_account()
    from provenance.workflows.session import open_content_source

    target = connection.reader()
    source = open_content_source(kubo_api, gateways, descriptor=target.descriptor)
    token_id = target.contract.resolve_token(token)
    message = decrypt_token(target.contract, token_id, source, bytes(key.key))
    text = message.decode("utf-8", errors="replace")
    if as_json:
        emit_json({"token_id": token_id, "message": text})
        return
    click.echo(plain_text(text, newlines=True))
