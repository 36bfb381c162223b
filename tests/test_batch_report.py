"""``mint-batch --json``'s report, written row by row from a temporary file as the rows end (in
any order): the same document ``emit_json`` writes of the whole list, rows in the CSV's order."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest

from provenance.cli.batch import _Report
from provenance.cli.render import emit_json
from provenance.errors import ProvenanceError
from provenance.workflows.batch import BatchOutcome
from provenance.workflows.mint_send import MintResult


def _minted(row: int) -> BatchOutcome:
    result = MintResult(
        token_id=2**255 + row,
        tx_hash="0x" + f"{row:064x}",
        gas_used=1,
        block_number=row,
        image_cid="bafkrei",
        metadata_cid="bafkrei",
        donor="0x" + "ab" * 20,
        sealed=False,
        resumed=False,
        chain_id=31337,
        contract="0x" + "cd" * 20,
    )
    return BatchOutcome(row, Path(f"w{row}.png"), result=result)


@pytest.mark.parametrize("count", [0, 1, 5])
def test_the_report_is_emit_jsons_document_in_row_order(
    count: int, capsys: pytest.CaptureFixture[str]
) -> None:
    outcomes = [_minted(row) for row in range(count)]
    if count:
        outcomes[-1] = BatchOutcome(count - 1, Path("bad.png"), error=ProvenanceError('no\n"x'))
    summary = {"minted": count - 1 if count else 0, "seconds": 0.5}
    expected_rows = [
        {
            "artwork": str(o.artwork),
            "token_id": o.result.token_id if o.result else None,
            "tx_hash": o.result.tx_hash if o.result else None,
            "error": str(o.error) if o.error else None,
        }
        for o in outcomes
    ]
    emit_json({**summary, "rows": expected_rows})
    expected = capsys.readouterr().out
    with tempfile.TemporaryFile("w+", encoding="utf-8") as spool:
        report = _Report(spool)
        for outcome in reversed(outcomes):  # the last row ends first: held until its turn
            report.add(outcome)
        report.finish(count)
        report.emit_json(summary)
    assert capsys.readouterr().out == expected
    assert json.loads(expected)["rows"] == json.loads(json.dumps(expected_rows, default=str))


def test_a_row_never_reported_is_a_bug_not_a_short_report() -> None:
    with tempfile.TemporaryFile("w+", encoding="utf-8") as spool:
        report = _Report(spool)
        report.add(_minted(1))
        with pytest.raises(RuntimeError, match="reported 0 rows of 2"):
            report.finish(2)
