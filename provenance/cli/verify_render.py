"""How ``verify`` shows its report: a table of checks and one verdict line, or one JSON document.

Three outcomes: authentic (exit 0), not authentic (1: a copy names the token it copies), could not
check (4: no verdict). Evidence quotes what a token, a gateway or a file says: plain text, never
console markup.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from provenance.cli.render import emit_json, err_console, out_console, table
from provenance.untrusted import rich_text

if TYPE_CHECKING:
    from provenance.workflows.context import ReadTarget
    from provenance.workflows.copies import CopyLookup
    from provenance.workflows.verify import Report

__all__ = ["show_report"]


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


def show_report(
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
