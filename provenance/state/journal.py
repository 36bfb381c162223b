"""The journal: a local SQLite ledger of mint intents and outcomes, and of every transaction in
flight (``journal.sqlite`` under ``PROVENANCE_HOME``).

One row per (chain, contract, image). The chain stays the authority: a row says what this
machine did, and every step checks the chain before acting on it (a devnet whose state was reset
redeploys the collection at the same address, so old rows can be stale). A mint writes its intent (with the exact metadata bytes,
sealed envelope included) before anything leaves the process, then the signed transaction and its
hash before broadcasting, then the outcome. Re-running an interrupted mint reads the row and
finishes the same transaction instead of starting a second one.

Mint states: ``prepared`` -> ``stored`` (content in the blockstore) -> ``signed`` (raw tx + hash
recorded) -> ``sent`` -> ``minted`` | ``failed``.

The ``transactions`` table holds every other journaled transaction (redemptions, withdrawals,
deployments), one row per intent key while it is in flight, with the call itself so that the
outbox (:mod:`provenance.chain.outbox`) can sign it again; the row goes once the receipt is in.
"""

from __future__ import annotations

import enum
import json
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from provenance.errors import ConfigError
from provenance.state.home import home

__all__ = ["STATES", "Journal", "MintEntry", "MintState", "TxRow"]


class MintState(enum.StrEnum):
    """Where a mint is: ``PREPARED`` -> ``STORED`` -> ``SIGNED`` -> ``SENT`` -> ``MINTED`` or
    ``FAILED``. Stored as its text value (the table's CHECK constraint lists them)."""

    PREPARED = "prepared"  # the intent (metadata bytes, envelope) is journaled
    STORED = "stored"  # its content is in the blockstore, pinned
    SIGNED = "signed"  # a transaction is signed and journaled, maybe not sent
    SENT = "sent"  # the node accepted it
    MINTED = "minted"
    FAILED = "failed"

    @property
    def unsigned(self) -> bool:
        """No transaction of this mint can be mined: its intent may still change."""
        return self in (MintState.PREPARED, MintState.STORED, MintState.FAILED)

    @property
    def in_flight(self) -> bool:
        """A signed transaction exists: a re-run finishes exactly it."""
        return self in (MintState.SIGNED, MintState.SENT)


STATES = tuple(state.value for state in MintState)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS mints (
    id INTEGER PRIMARY KEY,
    chain_id INTEGER NOT NULL,
    contract TEXT NOT NULL,
    image_sha256 TEXT NOT NULL,
    artwork TEXT NOT NULL,
    donor TEXT NOT NULL,
    image_cid TEXT NOT NULL,
    metadata_cid TEXT NOT NULL,
    metadata_sha256 TEXT NOT NULL,
    metadata BLOB NOT NULL,
    envelope BLOB,
    state TEXT NOT NULL CHECK (state IN ('prepared','stored','signed','sent','minted','failed')),
    tx_hash TEXT,
    attempts TEXT NOT NULL DEFAULT '[]',
    raw_tx BLOB,
    nonce INTEGER,
    token_id INTEGER,
    gas_used INTEGER,
    block_number INTEGER,
    error TEXT,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    message_intent TEXT,
    UNIQUE (chain_id, contract, image_sha256)
);
CREATE INDEX IF NOT EXISTS mints_token ON mints (chain_id, contract, token_id);
CREATE TABLE IF NOT EXISTS transactions (
    key TEXT PRIMARY KEY,
    chain_id INTEGER NOT NULL,
    action TEXT NOT NULL,
    sender TEXT NOT NULL,
    to_address TEXT,
    data BLOB NOT NULL,
    value TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('signed','sent')),
    tx_hash TEXT NOT NULL,
    raw_tx BLOB NOT NULL,
    nonce INTEGER NOT NULL,
    attempts TEXT NOT NULL DEFAULT '[]',
    details TEXT NOT NULL DEFAULT '{}',
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL
);
"""


SCHEMA_VERSION = 3
# Format 2 lacked ``mints.message_intent``; it is added in place (NULL for older rows).
_UPGRADABLE = {2: "ALTER TABLE mints ADD COLUMN message_intent TEXT"}


@dataclass
class MintEntry:
    id: int
    chain_id: int
    contract: str
    image_sha256: str
    artwork: str
    donor: str
    image_cid: str
    metadata_cid: str
    metadata_sha256: str
    metadata: bytes
    envelope: bytes | None
    state: MintState
    tx_hash: str | None
    attempts: str  # JSON list of earlier transaction hashes of this mint (replaced ones)
    raw_tx: bytes | None
    nonce: int | None
    token_id: int | None
    gas_used: int | None
    block_number: int | None
    error: str | None
    created_at: float
    updated_at: float
    # "salt:sha256(salt, message):sha256(salt, key)" of the sealed message's text and the donor
    # key it was sealed to (the envelope is randomized, so it cannot be compared itself); salted,
    # so the journal does not let anyone test guesses of a short message. None: no message.
    message_intent: str | None = None


_COLUMNS = [f.name for f in fields(MintEntry)]


def parse_attempts(text: str, *, where: str) -> list[str]:
    """A row's ``attempts`` column: a JSON list of 0x transaction hashes. A damaged value (the
    file was edited or corrupted) is a ``ConfigError`` naming the row, never a crash."""
    try:
        value = json.loads(text)
    except (TypeError, ValueError):
        value = None
    if not isinstance(value, list) or not all(
        isinstance(h, str) and len(h) == 66 and h.startswith("0x") for h in value
    ):
        raise ConfigError(
            f"the journal's {where} has a damaged 'attempts' value {str(text)[:40]!r}"
            " (expected a JSON list of transaction hashes)"
        )
    return value


@dataclass
class TxRow:
    """A journaled transaction in flight (any action but a mint)."""

    key: str
    chain_id: int
    action: str
    sender: str
    to_address: str | None
    data: bytes
    value: str  # wei as a decimal string: SQLite integers stop at 2**63
    state: str
    tx_hash: str
    raw_tx: bytes
    nonce: int
    attempts: str  # JSON list of earlier hashes it replaced
    details: str  # JSON: what the caller needs to report the outcome (a donation, a flag)
    created_at: float
    updated_at: float


_TX_COLUMNS = [f.name for f in fields(TxRow)]


class Journal:
    def __init__(self, path: Path | None = None) -> None:
        self.path = path or home().journal
        self._grouped = False
        try:
            self._db = sqlite3.connect(
                self.path, timeout=30.0, isolation_level=None, check_same_thread=False
            )
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")  # an fsync per commit: it is a ledger
            with self._tx() as db:  # create-or-check atomically: another process may be opening it
                version = db.execute("PRAGMA user_version").fetchone()[0]
                tables = db.execute(
                    "SELECT count(*) FROM sqlite_master WHERE type='table' AND name='mints'"
                ).fetchone()[0]
                if tables and version in _UPGRADABLE:
                    db.execute(_UPGRADABLE[version])
                    version = SCHEMA_VERSION
                if tables and version != SCHEMA_VERSION:
                    raise ConfigError(
                        f"the journal {self.path} has format {version}, this version reads"
                        f" {SCHEMA_VERSION}: finish pending mints with the older version, then"
                        " move it aside"
                    )
                for statement in _SCHEMA.split(";"):
                    if statement.strip():
                        db.execute(statement)
                db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
        except sqlite3.Error as exc:
            raise ConfigError(f"cannot open the journal {self.path}: {exc}") from exc

    def close(self) -> None:
        self._db.close()

    @contextmanager
    def grouped(self) -> Iterator[None]:
        """Every write inside in one SQLite transaction: one commit, so one fsync, for a window of
        a batch instead of one per row and step (an fsync costs 0.5-4 ms here). Nothing inside is
        durable before the block ends; a caller that must journal before acting (a signed
        transaction before it is sent) acts after it. An exception rolls the whole group back."""
        if self._grouped:
            yield
            return
        self._db.execute("BEGIN IMMEDIATE")
        self._grouped = True
        try:
            yield
        except BaseException:
            self._grouped = False
            self._db.execute("ROLLBACK")
            raise
        self._grouped = False
        self._db.execute("COMMIT")

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        if self._grouped:  # part of the group's transaction, committed with it
            yield self._db
            return
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield self._db
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def _row(self, row: tuple[Any, ...] | None) -> MintEntry | None:
        if not row:
            return None
        entry = MintEntry(*row)
        entry.state = MintState(entry.state)
        if isinstance(entry.token_id, str):  # a 256-bit id, stored as 0x hex text
            entry.token_id = int(entry.token_id, 16)
        return entry

    def find(self, *, chain_id: int, contract: str, image_sha256: str) -> MintEntry | None:
        cursor = self._db.execute(
            f"SELECT {','.join(_COLUMNS)} FROM mints "
            "WHERE chain_id=? AND contract=? AND image_sha256=?",
            (chain_id, contract.lower(), image_sha256),
        )
        return self._row(cursor.fetchone())

    def all(self, *, chain_id: int, contract: str) -> list[MintEntry]:
        cursor = self._db.execute(
            f"SELECT {','.join(_COLUMNS)} FROM mints WHERE chain_id=? AND contract=? ORDER BY id",
            (chain_id, contract.lower()),
        )
        return [entry for row in cursor.fetchall() if (entry := self._row(row)) is not None]

    def create(self, **values: Any) -> MintEntry:
        """Record an intent; returns the existing row instead when one is already there."""
        now = time.time()
        values = {
            **values,
            "contract": str(values["contract"]).lower(),
            "state": MintState.PREPARED,
            "created_at": now,
            "updated_at": now,
        }
        names = ",".join(values)
        marks = ",".join("?" for _ in values)
        with self._tx() as db:
            db.execute(
                f"INSERT OR IGNORE INTO mints ({names}) VALUES ({marks})", tuple(values.values())
            )
        entry = self.find(
            chain_id=values["chain_id"],
            contract=values["contract"],
            image_sha256=values["image_sha256"],
        )
        assert entry is not None
        return entry

    def update(self, entry: MintEntry, **changes: Any) -> MintEntry:
        unknown = set(changes) - set(_COLUMNS)
        if unknown:
            raise ValueError(f"unknown journal columns {unknown}")
        if "state" in changes:
            changes["state"] = MintState(changes["state"])  # ValueError on an unknown state
        changes["updated_at"] = time.time()
        stored = dict(changes)
        if isinstance(stored.get("token_id"), int):
            # Token ids are sha256 digests (contract v2): past SQLite's 64-bit integers.
            stored["token_id"] = f"0x{stored['token_id']:064x}"
        assignments = ",".join(f"{k}=?" for k in stored)
        with self._tx() as db:
            db.execute(f"UPDATE mints SET {assignments} WHERE id=?", (*stored.values(), entry.id))
        for key, value in changes.items():
            setattr(entry, key, value)
        return entry

    def reset(self, entry: MintEntry) -> MintEntry:
        """Back to ``stored`` after a dropped transaction or a failed attempt, for a fresh send."""
        # Earlier attempts are dead: their nonce went to another transaction, or lies behind a gap.
        return self.update(
            entry,
            state=MintState.STORED,
            tx_hash=None,
            raw_tx=None,
            nonce=None,
            error=None,
            attempts="[]",
        )

    def replace_intent(self, entry: MintEntry, **values: Any) -> MintEntry:
        """A new intent for a row nothing was signed for yet (a re-run with other options)."""
        if not entry.state.unsigned:
            raise ValueError(f"cannot replace the intent of a {entry.state} mint")
        return self.update(
            entry,
            state=MintState.PREPARED,
            tx_hash=None,
            raw_tx=None,
            nonce=None,
            error=None,
            token_id=None,
            attempts="[]",
            **values,
        )

    # -- transactions in flight (the outbox's slots for every action but a mint) ------------------

    def transaction(self, key: str) -> TxRow | None:
        cursor = self._db.execute(
            f"SELECT {','.join(_TX_COLUMNS)} FROM transactions WHERE key=?", (key,)
        )
        row = cursor.fetchone()
        return TxRow(*row) if row else None

    def put_transaction(self, key: str, **values: Any) -> None:
        """Insert or replace the row of ``key`` (a signed transaction, before it is broadcast)."""
        now = time.time()
        existing = self.transaction(key)
        row = {
            **values,
            "key": key,
            "created_at": existing.created_at if existing else now,
            "updated_at": now,
        }
        unknown = set(row) - set(_TX_COLUMNS)
        if unknown:
            raise ValueError(f"unknown transaction columns {unknown}")
        names = ",".join(row)
        marks = ",".join("?" for _ in row)
        with self._tx() as db:
            db.execute(
                f"INSERT OR REPLACE INTO transactions ({names}) VALUES ({marks})",
                tuple(row.values()),
            )

    def update_transaction(self, key: str, **changes: Any) -> None:
        unknown = set(changes) - set(_TX_COLUMNS)
        if unknown:
            raise ValueError(f"unknown transaction columns {unknown}")
        changes["updated_at"] = time.time()
        assignments = ",".join(f"{k}=?" for k in changes)
        with self._tx() as db:
            db.execute(
                f"UPDATE transactions SET {assignments} WHERE key=?", (*changes.values(), key)
            )

    def delete_transaction(self, key: str) -> None:
        with self._tx() as db:
            db.execute("DELETE FROM transactions WHERE key=?", (key,))
