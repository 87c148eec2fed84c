"""Suggestions remembered by the text around the cursor: one model call per position.

Two things are cached, per document URI:

- answers in flight (`shared`): a second request at the same position and text (the
  completion item and the inline suggestion, asked for together) waits for the first
  one's answer instead of asking the model again; the computation is cancelled only when
  every request waiting for it has been cancelled;
- answers given (`store`, `lookup`): a later request whose text is the remembered text
  with the first characters of the suggestion typed at the cursor gets the rest of the
  suggestion (`Hit.n_typed` says how much was typed), with no model call. This works for
  every client, whether or not it reports acceptance.

A hit requires the `WINDOW_CHARS` characters before the remembered cursor and the
`AFTER_CHARS` after it to be unchanged, so an edit near the cursor (or a different file)
never reuses a suggestion. At most `MAX_ENTRIES` answers are kept, the oldest dropped first.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")

WINDOW_CHARS = 2_000
AFTER_CHARS = 500
MAX_ENTRIES = 64


@dataclass(frozen=True)
class Hit(Generic[T]):
    """A remembered answer, and how many of its suggestion's characters were typed since."""

    value: T
    text: str
    n_typed: int

    @property
    def rest(self) -> str:
        """The part of the suggestion not typed yet."""
        return self.text[self.n_typed :]


@dataclass(frozen=True)
class _Entry(Generic[T]):
    uri: str
    offset: int
    before: str
    after: str
    text: str
    value: T


@dataclass
class _InFlight(Generic[T]):
    task: asyncio.Task[T]
    n_waiting: int = 0


class SuggestionCache(Generic[T]):
    """Answers by position and surrounding text, and the ones being computed."""

    def __init__(self) -> None:
        self._entries: OrderedDict[tuple[str, int, str, str], _Entry[T]] = OrderedDict()
        self._in_flight: dict[tuple[str, int, str, str], _InFlight[T]] = {}

    def store(self, uri: str, text: str, offset: int, suggestion: str, value: T) -> None:
        """Remember `value`, whose best suggestion inserts `suggestion` at `offset`."""
        if not suggestion:
            return
        key = _key(uri, text, offset)
        self._entries[key] = _Entry(uri, offset, key[2], key[3], suggestion, value)
        self._entries.move_to_end(key)
        while len(self._entries) > MAX_ENTRIES:
            self._entries.popitem(last=False)

    def lookup(self, uri: str, text: str, offset: int) -> Hit[T] | None:
        """The remembered answer that typing at the cursor has not left yet, or None.

        The newest matching entry wins; a suggestion typed to its end is no hit (there is
        nothing left to show).
        """
        after = text[offset : offset + AFTER_CHARS]
        for entry in reversed(self._entries.values()):
            n_typed = offset - entry.offset
            if entry.uri != uri or not 0 <= n_typed < len(entry.text) or entry.after != after:
                continue
            if text[entry.offset : offset] != entry.text[:n_typed]:
                continue
            if text[max(0, entry.offset - WINDOW_CHARS) : entry.offset] != entry.before:
                continue
            return Hit(entry.value, entry.text, n_typed)
        return None

    async def shared(
        self, uri: str, text: str, offset: int, compute: Callable[[], Awaitable[T]]
    ) -> T:
        """The answer at this position: joined if one is being computed, else computed."""
        key = _key(uri, text, offset)
        in_flight = self._in_flight.get(key)
        if in_flight is None:
            in_flight = _InFlight(asyncio.ensure_future(compute()))
            self._in_flight[key] = in_flight
            in_flight.task.add_done_callback(lambda _: self._forget(key, in_flight))
        in_flight.n_waiting += 1
        try:
            return await asyncio.shield(in_flight.task)
        except asyncio.CancelledError:
            current = asyncio.current_task()
            if in_flight.task.cancelled() and current is not None and not current.cancelling():
                # The computation was cancelled (a speculative one preempted), this request
                # was not: it computes its own answer.
                return await compute()
            if in_flight.n_waiting == 1:
                in_flight.task.cancel()
            raise
        finally:
            in_flight.n_waiting -= 1

    def is_computing(self, uri: str, text: str, offset: int) -> bool:
        """Whether an answer at this position is being computed now."""
        return _key(uri, text, offset) in self._in_flight

    def _forget(self, key: tuple[str, int, str, str], in_flight: _InFlight[T]) -> None:
        if self._in_flight.get(key) is in_flight:
            del self._in_flight[key]


def _key(uri: str, text: str, offset: int) -> tuple[str, int, str, str]:
    before = text[max(0, offset - WINDOW_CHARS) : offset]
    return uri, offset, before, text[offset : offset + AFTER_CHARS]
