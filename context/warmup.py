"""Background work that prepares the next request: at most one in flight per server.

A warm-up evaluates the prompt that the next request will most likely use into the model
server's cache while the user reads (`context.pipeline.prefill`, on open and after a jump);
a speculative suggestion computes the answer for the position right after the shown
suggestion, as if it had been accepted, so that the request after an accept is answered
from the suggestion cache.

Guarantees: scheduling new work cancels the older work still in flight, so at most one
piece runs at a time; work that waits for the user to be idle is put off by every request,
since a server cannot stop a prompt batch it has begun; a real request preempts running
work through `context.runtime.Slots`; a failure is logged at debug level, never shown.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)


class WarmUps:
    """The one warm-up (or speculative suggestion) a server runs in the background."""

    def __init__(self) -> None:
        self._task: asyncio.Task[None] | None = None
        self._is_idle_wait = False

    def schedule(
        self, what: str, work: Callable[[], Awaitable[object]], *, after_idle_s: float = 0.0
    ) -> None:
        """Run `work` in the background, cancelling the older work; `what` names it in logs.

        With `after_idle_s`, the work starts only once the user has been idle that long:
        `cancel_idle` (called on every request) puts it off.
        """
        self.cancel()
        self._task = asyncio.ensure_future(self._guarded(what, work, after_idle_s))

    def cancel(self) -> None:
        """Cancel the work in flight, if any."""
        if self._task is not None and not self._task.done():
            self._task.cancel()
        self._task = None

    def cancel_idle(self) -> None:
        """Cancel the work if it is still waiting for the user to be idle."""
        if self._is_idle_wait:
            self.cancel()

    async def wait(self) -> None:
        """Wait until the work in flight (if any) is done; for tests and shutdown."""
        if self._task is not None:
            await asyncio.wait({self._task})

    async def _guarded(
        self, what: str, work: Callable[[], Awaitable[object]], after_idle_s: float
    ) -> None:
        try:
            if after_idle_s > 0:
                self._is_idle_wait = True
                try:
                    await asyncio.sleep(after_idle_s)
                finally:
                    self._is_idle_wait = False
            await work()
        except asyncio.CancelledError:
            log.debug("%s: preempted", what)
            raise
        except Exception as exc:
            log.debug("%s failed: %s", what, exc)
