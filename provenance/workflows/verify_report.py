"""What verify reports: each check's state, and the outcome of three (authentic, not authentic,
could not check). States are enums, never read from the evidence text."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

from provenance.errors import ContentUnavailable, ProvenanceError
from provenance.redact import redact_urls

__all__ = ["Check", "CheckState", "Outcome", "Report"]


class CheckState(enum.Enum):
    PASSED = "pass"
    FAILED = "fail"
    NOT_APPLICABLE = "n/a"  # nothing to check (no animation, no sealed message)
    SKIPPED = "skipped"  # not reached: an earlier check failed or could not be made
    UNCHECKED = "could-not-check"  # the content did not answer: no verdict either way


class Outcome(enum.Enum):
    AUTHENTIC = "authentic"
    NOT_AUTHENTIC = "not-authentic"
    COULD_NOT_CHECK = "could-not-check"

    @property
    def exit_code(self) -> int:
        return {"authentic": 0, "not-authentic": 1, "could-not-check": 4}[self.value]


@dataclass
class Check:
    name: str
    state: CheckState
    detail: str

    @property
    def ok(self) -> bool | None:
        """True passed, False failed, None neither (the JSON's ``ok``; ``state`` says which)."""
        return {CheckState.PASSED: True, CheckState.FAILED: False}.get(self.state)


@dataclass
class Report:
    token_id: int
    contract: str
    chain_id: int
    checks: list[Check] = field(default_factory=list)
    owner: str | None = None
    metadata: dict[str, Any] | None = None
    training: dict[str, Any] | None = None  # the training set the generation record names

    @property
    def outcome(self) -> Outcome:
        states = {c.state for c in self.checks}
        if CheckState.FAILED in states:
            return Outcome.NOT_AUTHENTIC
        if not self.checks or states & {CheckState.UNCHECKED, CheckState.SKIPPED}:
            return Outcome.COULD_NOT_CHECK
        return Outcome.AUTHENTIC

    @property
    def ok(self) -> bool:
        return self.outcome is Outcome.AUTHENTIC

    @property
    def token_missing(self) -> bool:
        """The chain says no such token exists (a file that is not a minted image)."""
        return bool(self.checks) and self.checks[0].name == "token" and self.checks[0].ok is False

    def check(self, name: str) -> Check | None:
        return next((c for c in self.checks if c.name == name), None)

    def add(self, name: str, ok: bool | None, detail: str) -> bool:
        if ok is None:
            return self.put(name, CheckState.NOT_APPLICABLE, detail)
        return self.put(name, CheckState.PASSED if ok else CheckState.FAILED, detail)

    def put(self, name: str, state: CheckState, detail: str) -> bool:
        # Evidence may quote a Kubo, gateway or RPC error: no URL credentials in a report.
        self.checks.append(Check(name, state, redact_urls(detail)))
        return state is not CheckState.FAILED

    def unreadable(self, name: str, what: str, exc: ProvenanceError) -> None:
        """Content that could not be read: gone or down is "could not check", bytes that fail
        their hash (or a DAG past its declared size) are a failure."""
        if isinstance(exc, ContentUnavailable):
            self.put(name, CheckState.UNCHECKED, f"could not check: cannot read {what}: {exc}")
        else:
            self.put(name, CheckState.FAILED, f"cannot read {what}: {exc}")

    def skip_rest(self, names: list[str], reason: str) -> None:
        for name in names:
            self.checks.append(Check(name, CheckState.SKIPPED, f"skipped: {reason}"))
