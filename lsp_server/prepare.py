"""Preparing the next request while the user reads: warm-ups and speculative suggestions.

The policy lives here, the work in `context.pipeline` (`prefill`, `complete`) and
`context.warmup.WarmUps` (one piece in flight, failures logged at debug level only):

- when a document is opened again (at the position last asked about), and once the user
  pauses after a completion answered from a prompt smaller than the budget (a cold cache
  after a jump to another region), the prompt at that position is evaluated into the
  server's cache (`prefill`), growing warm-up by warm-up to the whole budget;
- otherwise, after a suggestion is shown, the suggestion for the position after it is
  computed as if it had been accepted, so that the request after an accept (reported or
  not) is answered from the suggestion cache.

Both give way to any real request. `completion.warmUp = false` turns both off.
"""

from __future__ import annotations

import dataclasses

from context.document import Document
from context.pipeline import CompletionRequest, CompletionResult, complete, prefill
from lsp_server.state import ServerState

# Warm-ups in a row for one position, each growing the cached prompt.
_MAX_WARM_UPS = 8
# How long the user pauses before the cached prompt is grown.
_IDLE_S = 1.0


def before_request(state: ServerState) -> None:
    """Put off a warm-up that waits for the user to be idle: a request just came."""
    state.warm_ups.cancel_idle()


def warm_up(
    state: ServerState, document: Document, offset: int | None = None, after_idle_s: float = 0.0
) -> None:
    """Evaluate the prompt at `offset` (by default where the document was last asked for a
    completion) into the model server's cache, in the background.

    A document never asked about has no position to warm: LSP does not say where the
    cursor is, and a guessed prompt would only hold the server while the first real
    request waits (measured in benchmarks/bench_typing.py).
    """
    engine = state.engine_for(document)
    if not engine.settings.completion.warm_up or not engine.settings.completion.enabled:
        return
    where = state.last_offsets.get(document.uri) if offset is None else offset
    if where is None:
        return
    where = max(0, min(where, len(document.text)))
    budget = engine.settings.context.max_prompt_tokens

    async def grow() -> None:
        # Each warm-up evaluates what a few latency targets allow; the next one starts
        # from there, until the whole budget is in the server's cache.
        for _ in range(_MAX_WARM_UPS):
            cost = await prefill(engine, document, where)
            if cost is None or cost.budget_tokens is None or cost.budget_tokens >= budget:
                return

    state.warm_ups.schedule(f"warm-up of {document.uri}:{where}", grow, after_idle_s=after_idle_s)


def after_answer(state: ServerState, request: CompletionRequest, result: CompletionResult) -> None:
    """Prepare the next request after `result` was shown."""
    document = request.document
    state.last_offsets[document.uri] = request.offset
    engine = state.engine_for(document)
    cost = result.cost
    if not engine.settings.completion.warm_up or cost is None or request.is_speculative:
        return
    if (
        cost.source != "cache"
        and cost.budget_tokens is not None
        and cost.budget_tokens < engine.settings.context.max_prompt_tokens
    ):
        # While the user types, each keystroke would wait behind the warm-up's prompt: it
        # starts once they pause.
        warm_up(state, document, request.offset, after_idle_s=_IDLE_S)
        return
    if not result.suggestions or not engine.settings.completion.cache:
        return
    best = result.suggestions[0]
    if best.start_offset != best.end_offset:
        return
    text = document.text
    accepted = dataclasses.replace(
        document, text=text[: best.start_offset] + best.text + text[best.start_offset :]
    )
    offset = best.start_offset + len(best.text)
    speculative = CompletionRequest(accepted, offset, "automatic", is_speculative=True)
    state.warm_ups.schedule(
        f"speculative suggestion after {best.id}", lambda: complete(engine, speculative)
    )
