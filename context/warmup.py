"""Background work that prepares the next request: at most one in flight per server.

A warm-up evaluates the prompt that the next request will most likely use into the model
server's cache while the user reads (`context.pipeline.prefill`, on open and after a jump);
a speculative suggestion computes the answer for the position right after the shown
suggestion, as if it had been accepted, so that the request after an accept is answered
from the suggestion cache.

Guarantees: scheduling new work cancels the older work still in flight, so at most one
piece runs at a time; a real request preempts it through `context.runtime.Slots`; a
failure is logged at debug level and never shown.
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

    def schedule(self, what: str, work: Callable[[], Awaitable[object]]) -> None:
        """Run `work` in the background, cancelling the older work; `what` names it in logs."""
        self.cancel()
        self._task = asyncio.ensure_future(self._guarded(what, work))

    def cancel(self) -> None:
        """Cancel the work in flight, if any."""
        if self._task is not None and not self._task.done():
            self._task.cancel()
        self._task = None

    async def wait(self) -> None:
        """Wait until the work in flight (if any) is done; for tests and shutdown."""
        if self._task is not None:
            await asyncio.wait({self._task})

    async def _guarded(self, what: str, work: Callable[[], Awaitable[object]]) -> None:
        try:
            await work()
        except asyncio.CancelledError:
            log.debug("%s: preempted", what)
            raise
        except Exception as exc:
            log.debug("%s failed: %s", what, exc)
