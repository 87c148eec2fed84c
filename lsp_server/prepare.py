"""Preparing the next request while the user reads: warm-ups and speculative suggestions.

The policy lives here, the work in `context.pipeline` (`prefill`, `complete`) and
`context.warmup.WarmUps` (one piece in flight, failures logged at debug level only):

- when the client reports where the cursor rests (`fillin/didChangeCursor`: on open, on
  focus, after a jump), at that position; for a client that does not report it, when a
  document is opened again (at the position last asked about); and once the user
  pauses after a completion answered from a prompt smaller than the budget (a cold cache
  after a jump to another region), the prompt at that position is evaluated into the
  server's cache (`prefill`), growing warm-up by warm-up to the whole budget;
- otherwise, after a suggestion is shown, the suggestion for the position after it is
  computed as if it had been accepted, so that the request after an accept (reported or
  not) is answered from the suggestion cache.

Both give way to any real request. `completion.warmUp = false` turns both off, and with
it `prestart`: when a document that may be completed opens, a backend that runs its own
model server (the embedded one) starts it and measures its rates while the user reads,
sending none of the user's text.
"""

from __future__ import annotations

import dataclasses
import logging

from context.document import Document
from context.pipeline import CompletionRequest, CompletionResult, Engine, complete, prefill
from lsp_server.state import ServerState

log = logging.getLogger(__name__)

# Warm-ups in a row for one position, each growing the cached prompt.
_MAX_WARM_UPS = 8
# How long the user pauses before the cached prompt is grown.
_IDLE_S = 1.0


def before_request(state: ServerState) -> None:
    """Put off a warm-up that waits for the user to be idle: a request just came."""
    state.warm_ups.cancel_idle()


def warm_up(
    state: ServerState,
    document: Document,
    offset: int | None = None,
    after_idle_s: float = 0.0,
    *,
    n_targets: int | None = None,
) -> None:
    """Evaluate the prompt at `offset` (by default where the document was last asked for a
    completion) into the model server's cache, in the background.

    Without `offset`, a document never asked about has no position to warm: plain LSP
    does not say where the cursor is (fillin's clients do, with `fillin/didChangeCursor`),
    and a guessed prompt would only hold the server while the first real request waits
    (measured in benchmarks/bench_typing.py). `n_targets` is how many latency targets'
    worth of prompt each step evaluates (by default the pipeline's); a warm-up that the
    user's first request may soon interrupt takes small steps.
    """
    if _engine_if_wanted(state, document) is None:
        return
    where = state.last_offsets.get(document.uri) if offset is None else offset
    if where is None:
        return
    where = max(0, min(where, len(document.text)))

    async def grow() -> None:
        # Each warm-up evaluates what a few latency targets allow; the next one starts
        # from there, until the whole budget is in the server's cache. The engine is
        # looked up again before each one: the client may have turned the document off
        # (settings), closed or changed it since, and then nothing more may be sent.
        last_budget = 0
        for _ in range(_MAX_WARM_UPS):
            engine = _engine_if_wanted(state, document)
            if engine is None:
                return
            cost = await prefill(engine, document, where, n_targets=n_targets)
            budget = engine.settings.context.max_prompt_tokens
            if cost is None or cost.budget_tokens is None or cost.budget_tokens >= budget:
                return
            # A step that did not grow the prompt (a slow server's target holds no more)
            # would only repeat itself: the next pause tries again.
            if cost.budget_tokens <= last_budget:
                return
            last_budget = cost.budget_tokens

    state.warm_ups.schedule(f"warm-up of {document.uri}:{where}", grow, after_idle_s=after_idle_s)


def _engine_if_wanted(state: ServerState, document: Document) -> Engine | None:
    """The engine for warming `document`, or None when it may not be warmed: warm-ups or
    completion are off for it, or the client closed or changed it since (ignored files and
    the rest of a completion's checks are `prefill`'s)."""
    current = state.documents.get(document.uri)
    if current is None or current.version != document.version or current.text != document.text:
        return None
    engine = state.engine_for(document)
    completion = engine.settings.completion
    return engine if completion.warm_up and completion.enabled else None


def prestart(state: ServerState, document: Document) -> None:
    """Start the model server of `document`'s backend in the background, if it runs its
    own and has not been started, so that neither the first warm-up nor the first request
    waits for it; a failure (a model not installed yet) is left to the first request."""
    engine = _engine_if_wanted(state, document)
    runtime = engine.runtime if engine is not None else None
    if engine is None or runtime is None or runtime.throughput.n_measurements:
        return

    async def start() -> None:
        try:
            await runtime.start(engine.backend)
        except Exception as exc:
            log.debug("starting the model server ahead of the first request failed: %s", exc)

    state.spawn(start())


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
