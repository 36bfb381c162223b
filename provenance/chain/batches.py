"""JSON-RPC batches against nodes that cap them: one algorithm for the toolkit's ``RpcClient`` and
the gallery's ``/rpc`` proxy (the pages' ``rpcBatch`` in page.js is its JavaScript twin).

Public nodes cap batches, each its own way: one error object instead of an array, HTTP 400 or
413, answers for the first N calls only, or each call past the cap answered with a "batch limit"
error; some take no batches at all. A batch refused as a whole is sent again in halves, the calls
left unanswered (or refused for the batch's size) again on their own, down to single requests,
and the size that worked is kept for the next batches. An outage (no answer, HTTP 429 or 5xx) is
not a cap: the sender raises, and nothing is sent again.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

__all__ = ["SEND_AGAIN", "BatchCap", "answers_in_order", "refused_for_size"]

Call = TypeVar("Call")

SEND_AGAIN: Any = object()  # a batch's call the node did not answer, or refused for the size


def refused_for_size(error: Any) -> bool:
    """A call's error that is about its batch (a cap), not about the call: "batch too large",
    "batch size limit exceeded", "too many requests in batch"."""
    message = str(error.get("message", "")) if isinstance(error, dict) else ""
    return "batch" in message.lower()


def answers_in_order(body: Any, ids: Sequence[Any]) -> list[Any] | None:
    """A batch's answer objects in the order of its requests' ``ids`` (``SEND_AGAIN`` for one
    not answered, or refused for the batch's size); None when the node refused the batch as a
    whole (one error object, or no answer to any of its ids)."""
    if not isinstance(body, list):
        return None
    by_id = {item.get("id"): item for item in body if isinstance(item, dict)}
    if not by_id.keys() & set(ids):
        return None
    return [
        SEND_AGAIN if answer is None or refused_for_size(answer.get("error")) else answer
        for answer in (by_id.get(request_id) for request_id in ids)
    ]


class BatchCap(Generic[Call]):
    """The largest batch a node took, once one was cut (None: no cut yet), and the splitting.

    ``send_batch(calls)``: each call's answer in order (``SEND_AGAIN`` for one to send again), or
    None when the node refused the batch as a whole; ``send_one(call)``: one call's answer."""

    def __init__(
        self,
        send_batch: Callable[[Sequence[Call]], list[Any] | None],
        send_one: Callable[[Call], Any],
    ) -> None:
        self.limit: int | None = None
        self._send_batch, self._send_one = send_batch, send_one

    def answers(self, calls: Sequence[Call]) -> list[Any]:
        if not calls:
            return []
        limit = self.limit
        if limit is not None and len(calls) > limit:
            return [
                answer
                for start in range(0, len(calls), limit)
                for answer in self.answers(calls[start : start + limit])
            ]
        if len(calls) == 1:
            return [self._send_one(calls[0])]
        answers = self._send_batch(calls)
        if answers is None:  # refused as a whole: halve it, and remember the size
            half = (len(calls) + 1) // 2
            self._keep(half)
            return self.answers(calls[:half]) + self.answers(calls[half:])
        again = [index for index, answer in enumerate(answers) if answer is SEND_AGAIN]
        if again:  # answered in part: the rest again, in batches the node takes
            self._keep(len(calls) - len(again) or (len(calls) + 1) // 2)
            redone = iter(self.answers([calls[index] for index in again]))
            answers = [next(redone) if answer is SEND_AGAIN else answer for answer in answers]
        return answers

    def _keep(self, size: int) -> None:
        self.limit = size if self.limit is None else min(self.limit, size)
