"""``provenance publish``: push every block the exhibition needs to Kubo and/or a pinning service."""

from __future__ import annotations

import dataclasses

import click

from provenance.cli.options import (
    Connection,
    connection_options,
    json_option,
    publish_target_options,
)
from provenance.cli.render import emit_json, err_console, out_console, progress_printer
from provenance.errors import InputError


@click.command()
@publish_target_options
@json_option
@connection_options()
def publish(
    kubo_api: str | None,
    kubo_auth_env: str | None,
    pinning_endpoint: str | None,
    pinning_token_env: str | None,
    as_json: bool,
    connection: Connection,
) -> None:
    """Push the collection's content (images, metadata, animations, the contract-level JSON and
    the model files the generation records name) and check what the remote side reports.

    Safe to re-run: what the remote side already holds is skipped. Exit 1 when anything failed,
    one line per failure on stderr.
    """
    from provenance.workflows.publish import publish as run_publish
    from provenance.workflows.session import content_services

    if not kubo_api and not pinning_endpoint:
        raise InputError("give --kubo-api and/or --pinning-endpoint: where to publish")
    kubo, pinning = content_services(
        kubo_api=kubo_api,
        kubo_auth_env=kubo_auth_env,
        pinning_endpoint=pinning_endpoint,
        pinning_token_env=pinning_token_env,
    )
    collection = connection.open()
    outcome = run_publish(
        collection, kubo=kubo, pinning=pinning, progress=progress_printer(not as_json)
    )
    from provenance.workflows.publish import PushStatus

    failures = outcome.failures
    counts = {status.value: outcome.count(status) for status in PushStatus}
    if as_json:
        emit_json(
            {
                "contract": collection.contract.address,
                "chain_id": collection.chain.chain_id,
                "items": [{"cid": i.cid, "what": i.what} for i in outcome.items],
                "results": [dataclasses.asdict(result) for result in outcome.results],
                **counts,
            }
        )
    else:
        out_console.print(
            f"{len(outcome.items)} roots: {counts['sent']} sent, {counts['present']} already"
            f" there, {counts['failed']} failed"
        )
    for failure in failures:  # one line each; the text names CIDs and server answers
        where = f"{failure.remote}: " if failure.remote != "local" else ""
        err_console.print(
            f"error: {where}{failure.what} {failure.cid}: {failure.error}".replace("  ", " "),
            markup=False,
        )
    if failures:
        raise SystemExit(1)
