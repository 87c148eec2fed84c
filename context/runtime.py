"""What fillin learns and holds about one model server while it runs.

A `ModelRuntime` belongs to one backend and lives as long as it: the measured throughput
(`context.throughput.Throughput`), what the server most likely holds in its prompt cache
(`ServerCache`), and its generation slots (`Slots`). A backend that runs its own server
(`Startable`, the embedded one) can be started ahead of the first request
(`ModelRuntime.start`), and the rates its start measured are learnt then.

Guarantees:

- Never more generations in flight than `Slots` has: a request waits for a free slot, and
  a warm-up holding one is cancelled (preempted) by a real request that needs it; a warm-up
  never waits, it runs only when a slot is free.
- `ServerCache.reusable` never claims more than what was sent; a prompt cut short (a
  cancelled warm-up) counts only the tokens that the measured rate could have evaluated.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from context.backends.throughput import Throughput, Usage
from context.prompt.tokens import count_tokens

# Prompts remembered per slot: the server keeps one per slot, and a few more help when
# requests alternate between two files.
_PROMPTS_PER_SLOT = 2


@dataclass(frozen=True)
class Reuse:
    """How much of a prompt the server likely has evaluated already, and from what."""

    n_tokens: int
    is_from_warm_up: bool = False


@dataclass
class _Sent:
    text: str
    n_tokens: int
    n_evaluated: int
    is_warm_up: bool


class ServerCache:
    """The prompts recently sent to a server, standing in for its prompt cache."""

    def __init__(self, n_slots: int = 1) -> None:
        self._sent: deque[_Sent] = deque(maxlen=max(1, n_slots) * _PROMPTS_PER_SLOT)

    def remember(self, text: str, n_tokens: int, n_evaluated: int, *, is_warm_up: bool) -> None:
        """Note a prompt sent, of which `n_evaluated` tokens (from its start) are now cached."""
        self._sent.appendleft(_Sent(text, n_tokens, min(n_tokens, n_evaluated), is_warm_up))

    def reusable(self, text: str) -> Reuse:
        """The tokens at the start of `text` that the server can take from its cache."""
        best = Reuse(0)
        for sent in self._sent:
            n_chars = _common_prefix_chars(sent.text, text)
            if n_chars == 0:
                continue
            n_shared = count_tokens(text[:n_chars]) if n_chars < len(text) else sent.n_tokens
            # Tokens merge across the point where the two prompts part: the last one is
            # evaluated again.
            n_tokens = min(sent.n_evaluated, max(0, n_shared - 1))
            if n_tokens > best.n_tokens:
                best = Reuse(n_tokens, sent.is_warm_up)
        return best


class Slots:
    """The server's generation slots: real requests wait their turn, warm-ups give way."""

    def __init__(self, n_slots: int = 1) -> None:
        self.n_slots = max(1, n_slots)
        self._semaphore = asyncio.Semaphore(self.n_slots)
        self._warm_ups: set[asyncio.Task[object]] = set()
        self.n_waiting = 0

    def is_free(self) -> bool:
        """Whether a slot is free now."""
        return not self._semaphore.locked()

    @contextlib.asynccontextmanager
    async def held(self, *, is_warm_up: bool = False) -> AsyncIterator[None]:
        """Hold a slot for one generation; a real request cancels warm-ups in its way."""
        task = asyncio.current_task()
        if not is_warm_up:
            self.preempt_warm_ups()
        self.n_waiting += 1
        try:
            await self._semaphore.acquire()
        finally:
            self.n_waiting -= 1
        if is_warm_up and task is not None:
            self._warm_ups.add(task)
        try:
            yield
        finally:
            self._warm_ups.discard(task)
            self._semaphore.release()

    def preempt_warm_ups(self) -> None:
        """Cancel the warm-ups holding a slot (their HTTP streams close at once)."""
        for task in list(self._warm_ups):
            task.cancel()


@runtime_checkable
class Startable(Protocol):
    """A backend that can start its model server before the first request."""

    async def start(self) -> Usage | None:
        """Start the server if need be; what a probe at its start cost, or None."""
        ...


class ModelRuntime:
    """One backend's measured rates, likely cached prompts and slots."""

    def __init__(self, n_slots: int = 1) -> None:
        self.throughput = Throughput()
        self.server_cache = ServerCache(n_slots)
        self.slots = Slots(n_slots)
        self.last_budget: int | None = None
        """The budget of the last prompt a real request or a finished warm-up sent: while
        it still fits the target, keeping it keeps the prompt's start, which the server has
        cached."""

    async def start(self, backend: object) -> None:
        """Start `backend`'s own server ahead of the first request and learn the rates it
        measured; nothing for a backend that talks to a server someone else runs. A failure
        raises the backend's `BackendError`."""
        if not isinstance(backend, Startable):
            return
        usage = await backend.start()
        if usage is not None:
            self.throughput.observe(usage)

    def evaluated_by_now(self, n_tokens: int, started: float) -> int:
        """Tokens of a prompt of `n_tokens`, sent at `started` (perf_counter), that the
        server has had time to evaluate."""
        elapsed_s = time.perf_counter() - started
        return min(n_tokens, int(elapsed_s * self.throughput.prompt_per_s))


def _common_prefix_chars(a: str, b: str) -> int:
    """The length of the longest common start of `a` and `b`, found by halving."""
    n = min(len(a), len(b))
    if a[:n] == b[:n]:
        return n
    low, high = 0, n
    while low < high:
        mid = (low + high + 1) // 2
        if a[:mid] == b[:mid]:
            low = mid
        else:
            high = mid - 1
    return low
