"""Many mints from a folder and a CSV of donors, a window of works at a time.

Each artwork goes through the steps of :mod:`provenance.workflows.mint` (journaled the same way),
so an interrupted batch is finished by running it again; batch is ``mint`` with its steps grouped
by window, so that a window pays once for what a mint pays per work (docs/minting.md):

1. *Stage* the window (its ISCC codes computed together first): one JSON-RPC batch asks the
   chain which images are minted already, then each work's intent is journaled and its content
   stored and pinned; the journal commits once (``Journal.grouped``) and the blockstore syncs
   once, on a thread (``Blockstore.written_together``) while the main one goes on.
2. *Sign* the window: nonces counted locally under the send lock, gas estimated once per shape of
   call (length of the calldata), every signed transaction journaled in one commit, once the
   window's blocks are durable. Durable before anything is sent: the outbox's rule, per window.
3. *Send* the window's transactions in one JSON-RPC batch from a thread, started once the
   window is signed, sending once the window before it is sent (``_Broadcast``): the node files
   them back to back and mines those ready together, while the main thread stages the windows
   after, up to two ahead of the one being sent; a refused transaction stops its window (those
   after it that the node took wait there behind the gap, journaled: a re-run sends the refused
   one again and they follow) and the windows after it. What the node took is marked sent at a
   later window's turn.
4. *Confirm* at a later window's turn, once the window's sending is over: the receipts its send
   thread fetched (one JSON-RPC batch), their outcomes in that window's first commit (the rest
   at the next turn, and at the end of the batch every one, waited for).

Works journaled with a transaction by an interrupted run are finished one by one through the
outbox's resume (``Outcome``), before the window's fresh ones.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from provenance.chain.outbox import Outbox, TxCall, not_sent
from provenance.chain.rpc import Receipt
from provenance.chain.tx import GAS_MARGIN, PreparedTx, Sender
from provenance.errors import ChainError, ContractRevert, ProvenanceError
from provenance.ipfs.blockstore import PendingSync
from provenance.state.failpoints import failpoint
from provenance.state.journal import MintEntry, MintState
from provenance.workflows.batch_rows import fingerprinted
from provenance.workflows.mint import (
    MintRequest,
    MintResult,
    Progress,
    SendError,
    confirm,
    send,
    stage,
)
from provenance.workflows.mint_send import MintSlot, mint_call
from provenance.workflows.session import AlreadyMinted, Session

__all__ = ["BatchOutcome", "mint_batch"]


@dataclass
class BatchOutcome:
    """One row's outcome: ``row`` counts the requests from 0, ``artwork`` is the row's file. The
    request itself (the image's bytes) is let go once its work is done, and the outcome once it
    is reported, so a batch's memory does not grow with its length."""

    row: int
    artwork: Path
    result: MintResult | None = None
    error: ProvenanceError | None = None


@dataclass
class _Flight:
    """A work whose transaction is on its way: confirmed after the next window is staged."""

    outcome: BatchOutcome
    entry: MintEntry
    receipt: Receipt | None
    resumed: bool


_Signed = tuple[BatchOutcome, Outbox, TxCall, PreparedTx]


class _Broadcast:
    """A window's journaled transactions, sent from a thread while the main one stages the next
    window: sending is waiting on the node, staging is work, and two cores do both at once. It
    touches neither the journal nor the progress report (the main thread's); what the node took
    ends at the first transaction it refused (every later nonce waits behind the gap).

    Chained (``after``): it starts sending once the window before it is sent, and sends nothing
    if that one stopped, so the node is never without a transaction while the main thread marks
    the previous window sent, confirms, stages and signs (those happen while a window is sent)."""

    def __init__(self, signed: list[_Signed], after: _Broadcast | None, sender: Sender) -> None:
        self.signed = signed
        self.after = after
        self.sender = sender
        self.delivered = 0
        self.error: SendError | None = None
        self.skipped = False  # the window before stopped: none of these was sent
        self.over = threading.Event()  # its sending is over: the next window's may start
        self.receipts: dict[str, Receipt] = {}
        self.thread = threading.Thread(target=self._send, name="mint-batch send", daemon=True)
        self.thread.start()

    @property
    def stopped(self) -> bool:
        return self.error is not None or self.skipped

    def _send(self) -> None:
        try:
            self._deliver()
        finally:
            self.over.set()
        if self.delivered and self.sender.confirmations <= 1:
            # The node mines what it takes (a devnet at once): the window's receipts are asked
            # for here, while the next window is sent, not by the main thread at its next turn.
            sent = [prepared.hash for *_rest, prepared in self.signed[: self.delivered]]
            try:
                self.receipts = self.sender.receipts(sent, patience=0.0)
            except ProvenanceError:
                pass  # the main thread asks again (and says why not)

    def _deliver(self) -> None:
        after, self.after = self.after, None  # not a chain of every window of the batch
        if after is not None:
            after.over.wait()
            if after.stopped:
                self.skipped = True
                return
        # The whole window in one request: the node files them back to back and mines those
        # ready together, where one request a transaction paid a round trip and a block each.
        try:
            refusals = self.sender.broadcast_many([prepared for *_rest, prepared in self.signed])
        except ChainError as exc:  # no answer: none counts as taken (a re-run asks the node)
            refusals = [exc]
        for count, (signed, refusal) in enumerate(zip(self.signed, refusals), start=1):
            if refusal is not None:
                _outcome, _outbox, call, prepared = signed
                self.error = not_sent(call, prepared, refusal)
                return
            self.delivered = count
        failpoint("batch-after-send")  # the crash tests kill here: sent, not yet marked sent

    def join(
        self,
    ) -> tuple[list[tuple[BatchOutcome, Outbox]], list[BatchOutcome], SendError | None]:
        """(sent, not sent, the refusal that stopped it); ``receipts``: those already there."""
        self.thread.join()
        sent = [(outcome, outbox) for outcome, outbox, _c, _p in self.signed[: self.delivered]]
        unsent = [outcome for outcome, *_rest in self.signed[self.delivered :]]
        return sent, unsent, self.error


_FIRST_WINDOW = 8

# Windows signed and handed to their send threads but not yet marked sent: the one the node is
# taking and the next. With one, the main thread waited for the node at each window's turn and
# the node for the main thread at the next (their speeds are close, their windows' times are
# not): a fifth of a quiet batch was such waits.
_AHEAD = 2


# A shape's gas, past the node's estimate: calldata of one length differs only in its zero bytes
# (4 gas each, 16 for others), and a donor's first token sets a fresh balance slot (20,000 gas).
_ZERO_BYTE_SPREAD = 12
_FRESH_SLOT = 20_000


class _Window:
    """The batch's state across windows (see the module docstring)."""

    def __init__(
        self, collection: Session, sender: Sender, progress: Callable[[BatchOutcome], None]
    ):
        self.collection, self.sender, self.report = collection, sender, progress
        self.journal = collection.journal
        self.gas: dict[int, int] = {}  # calldata length -> gas limit
        self.flights: list[_Flight] = []
        self.sending: list[_Broadcast] = []  # in order; the last one may still be sending
        self.halted: ProvenanceError | None = None
        self.quiet: Progress = lambda _step: None

    def run(self, first_row: int, requests: list[MintRequest], existing: Future[list[int]]) -> None:
        """One window, whose first row is ``first_row``; ``existing``: the chain's answer to
        which of its images are minted already, asked while the window was read."""
        outcomes = [
            BatchOutcome(first_row + index, r.token.artwork.path)
            for index, r in enumerate(requests)
        ]
        requests = fingerprinted(requests)
        # One commit for the sent marks of the windows sent before the last one, the outcomes
        # mined meanwhile (the others wait for the next window's turn) and this window's intents.
        with self.journal.grouped():
            self.finish_sending(keep=_AHEAD)  # being sent, or waiting their turn to be
            if self.halted is not None:
                for outcome in outcomes:
                    self._fail(outcome, self._not_attempted())
                return
            # Staged while the previous window is being sent; its blocks are being synced on a
            # thread meanwhile (waited for before its transactions are journaled, in _sign).
            staged, durable = self._stage(requests, outcomes, existing)
            # A node mining slower than the batch sends gets it back: more than a window waiting
            # for receipts and the batch waits for them (memory and the node's pool stay
            # bounded); never for the window being sent, which the node mines meanwhile.
            later = self.confirm(self.flights, wait=len(self.flights) > len(requests))
            self.flights = []
        fresh = [(o, e) for o, e, resumed in staged if not e.state.in_flight]
        if len(fresh) < len(staged):  # an interrupted run's transactions, after what was sent
            self.finish_sending()
            for outcome, entry, _resumed in staged:
                if entry.state.in_flight:
                    self._resume(outcome, entry)
        signed = self._sign(fresh, durable)
        if self.halted is None:
            after = self.sending[-1] if self.sending else None
            self.sending.append(_Broadcast(signed, after, self.sender))
        else:
            for outcome, *_rest in signed:  # journaled, never sent: a re-run resumes them
                self._fail(outcome, self._not_attempted())
        self.flights = later + self.flights

    def _not_attempted(self) -> ProvenanceError:
        return ProvenanceError(f"not attempted: the batch stopped ({self.halted})")

    def finish_sending(self, *, keep: int = 0) -> None:
        """Wait for the windows being sent but the last ``keep``; mark what the node took as
        sent, in one commit."""
        while len(self.sending) > keep:
            sending = self.sending.pop(0)
            sent, unsent, error = sending.join()
            with self.journal.grouped():
                for _outcome, outbox in sent:
                    outbox.slot.mark_sent()
            failpoint("before-receipt")
            for outcome, outbox in sent:
                assert isinstance(outbox.slot, MintSlot)
                entry = outbox.slot.entry
                receipt = sending.receipts.get(entry.tx_hash or "")
                self.flights.append(_Flight(outcome, entry, receipt, resumed=False))
            if error is not None:
                self._halt(unsent[0], error)
                unsent = unsent[1:]
            for outcome in unsent:  # journaled, never sent: a re-run resumes them
                self._fail(outcome, self._not_attempted())

    def _fail(self, outcome: BatchOutcome, error: ProvenanceError) -> None:
        outcome.error = error
        self.report(outcome)

    def _stage(
        self,
        requests: list[MintRequest],
        outcomes: list[BatchOutcome],
        existing: Future[list[int]],
    ) -> tuple[list[tuple[BatchOutcome, MintEntry, bool]], PendingSync]:
        try:
            tokens = existing.result()
        except ProvenanceError as exc:  # the node is unreachable: each row says so, as by mint
            for outcome in outcomes:
                self._fail(outcome, exc)
            return [], PendingSync()
        staged = []
        with self.journal.grouped(), self.collection.store.written_together() as durable:
            for request, outcome, token in zip(requests, outcomes, tokens, strict=True):
                try:
                    entry, resumed = stage(
                        request,
                        self.collection,
                        note=self.quiet,
                        check_minter=False,
                        existing=token,
                    )
                except ProvenanceError as exc:
                    self._fail(outcome, exc)
                    continue
                staged.append((outcome, entry, resumed))
        # The journal may commit the window's intents before its blocks are durable: a re-run
        # stages an unsigned intent again, and hashes each block present before trusting it.
        return staged, durable

    def _resume(self, outcome: BatchOutcome, entry: MintEntry) -> None:
        try:
            entry, receipt = send(entry, self.collection, self.sender, note=self.quiet)
        except SendError as exc:
            self._halt(outcome, exc)
            return
        except ProvenanceError as exc:
            self._fail(outcome, exc)
            return
        self.flights.append(_Flight(outcome, entry, receipt, resumed=True))

    def _halt(self, outcome: BatchOutcome, error: SendError) -> None:
        """A transaction the node did not take: every later nonce would wait behind the gap."""
        self.halted = error
        self.sender.nonces.resync(self.sender.address)
        self._fail(outcome, error)

    def _gas(self, call: TxCall) -> int:
        shape = len(call.data)
        if shape not in self.gas:
            estimate = self.sender.estimate(
                to=call.to, data=call.data, abi=call.abi, action=call.action
            )
            spread = _ZERO_BYTE_SPREAD * shape + _FRESH_SLOT
            self.gas[shape] = int((estimate + spread) * GAS_MARGIN)
        return self.gas[shape]

    def _sign(
        self, fresh: list[tuple[BatchOutcome, MintEntry]], durable: PendingSync
    ) -> list[_Signed]:
        signed = []
        with self.journal.grouped():  # every signed transaction journaled in one commit
            for outcome, entry in fresh:
                slot = MintSlot(self.journal, entry)
                outbox = Outbox(self.sender, slot, failpoint=failpoint)
                call = mint_call(self.collection, entry)
                try:
                    prepared = outbox.sign(call, gas=self._gas(call))
                except ChainError as exc:  # refused before anything was signed (a revert)
                    self._fail(outcome, self._refused(entry, exc))
                    continue
                signed.append((outcome, outbox, call, prepared))
            # The window's blocks are durable before a transaction naming them is (a re-run
            # finishes a journaled transaction without storing its content again).
            durable.wait()
        failpoint("after-sign")
        return signed

    def _refused(self, entry: MintEntry, exc: ChainError) -> ProvenanceError:
        self.journal.update(entry, state=MintState.FAILED, error=str(exc))
        if isinstance(exc, ContractRevert) and exc.error_name == "ImageAlreadyMinted":
            image = bytes.fromhex(entry.image_sha256)
            return AlreadyMinted(int.from_bytes(image, "big"), image)
        return exc

    def confirm(self, flights: list[_Flight], *, wait: bool) -> list[_Flight]:
        """Receipts in bulk (one JSON-RPC batch), outcomes journaled in one commit. ``wait``:
        for every receipt; else only those already there (the main thread has the next window to
        stage), returning the flights still waiting."""
        final_now = wait or self.sender.confirmations <= 1  # else waiting for blocks: at the end
        asked = [f.entry.tx_hash for f in flights if f.receipt is None and f.entry.tx_hash]
        receipts: dict[str, Receipt] = {}
        if final_now:
            try:
                receipts = self.sender.receipts(asked, patience=5.0 if wait else 0.0)
            except ProvenanceError:
                pass  # each flight asks again below (or at the next turn) and says why not
        later: list[_Flight] = []
        with self.journal.grouped():
            for flight in flights:
                assert flight.entry.tx_hash is not None
                receipt = flight.receipt or receipts.get(flight.entry.tx_hash)
                if not wait and (receipt is None or not final_now):
                    later.append(flight)
                    continue
                try:
                    flight.outcome.result = confirm(
                        flight.entry,
                        self.collection,
                        receipt=receipt,
                        resumed=flight.resumed,
                        note=self.quiet,
                    )
                except ProvenanceError as exc:
                    flight.outcome.error = exc
                self.report(flight.outcome)
        return later


def _windows(requests: Iterable[MintRequest], window: int) -> Iterator[list[MintRequest]]:
    """The requests a window at a time. The first windows are smaller (8, 16, 32 works, up to
    ``window``): the node starts mining once a few works are staged, not a whole window (nothing
    is sent before)."""
    pending: list[MintRequest] = []
    size = min(window, _FIRST_WINDOW)
    for request in requests:
        pending.append(request)
        if len(pending) == size:
            yield pending
            pending = []
            size = min(window, 2 * size)
    if pending:
        yield pending


def mint_batch(
    requests: Iterable[MintRequest],
    collection: Session,
    *,
    window: int = 64,
    progress: Callable[[BatchOutcome], None],
) -> int:
    """Mint many artworks, a window at a time (see the module docstring); the number of rows.
    Each artwork is journaled as by :func:`mint`, so an interrupted batch is finished by running
    it again. ``requests`` is read one window at a time (a long batch is never in memory at
    once), and each row's outcome is given to ``progress`` once, when it ends, and not kept: in
    no set order (a row refused before signing ends before the rows in flight). A row refused
    before signing is reported and the others go on; a transaction that could not be sent stops
    the batch (every later nonce would wait behind the gap), the rows in flight are confirmed,
    and the rest are reported as not attempted."""
    from provenance.content import iscc_image

    iscc_image.use_numpy()  # thousands of fingerprints: numpy's import pays for itself
    sender = collection.require_sender("minting")
    if not collection.contract.is_minter(sender.address):
        raise ChainError(
            f"account {sender.address} is not a minter of {collection.contract.address}",
            account=sender.address,
        )
    windows = _Window(collection, sender, progress)
    rows = 0
    # Which of a window's images are minted already is asked on a thread while the main one
    # reads the next window's files: the node answers between the transactions it is mining.
    lookups = ThreadPoolExecutor(max_workers=1, thread_name_prefix="mint-batch lookup")
    contract = collection.contract

    def asked(window: list[MintRequest]) -> tuple[int, list[MintRequest], Future[list[int]]]:
        nonlocal rows
        images = [request.token.artwork.sha256 for request in window]
        first, rows = rows, rows + len(window)
        return first, window, lookups.submit(contract.tokens_of_images, images)

    # The batch holds the mint lock while it signs and sends, so its nonces are counted locally
    # after one read from the node.
    with collection.send_lock(), lookups:
        read: tuple[int, list[MintRequest], Future[list[int]]] | None = None
        try:
            for pending in _windows(requests, window):
                ahead = asked(pending)
                if read is not None:
                    windows.run(*read)
                read = ahead
            if read is not None:
                windows.run(*read)
        except BaseException:
            for sending in windows.sending:  # what it sent is journaled: a re-run resumes it
                sending.thread.join()
            raise
        # The last windows' outcomes are journaled one window at a time, each as soon as its
        # sending is over (its receipts fetched by its send thread), while the node takes the
        # next: not all of them after the last send.
        while windows.sending:
            windows.finish_sending(keep=len(windows.sending) - 1)
            windows.flights = windows.confirm(windows.flights, wait=False)
    windows.confirm(windows.flights, wait=True)
    return rows
