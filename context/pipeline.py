"""The completion pipeline: from (document, offset, trigger) to suggestions, in one place.

It reads top to bottom as the stages run:

1. context: snippets from the repository (`retrieve`), each source within its deadline;
2. prompt: the prefix, suffix and snippets within the token budget (`build_prompt`),
   rendered by the backend's template;
3. generate: the backend streams text; the stream filter (`StreamFilter`) judges each piece,
   and when it says the suggestion is complete the `async for` is left, which closes the
   HTTP response so the model server stops generating;
4. post-process: whole-text rules (`finish`): block truncation, closers in the suffix;
5. validate: syntax, symbols, arity and dependencies checked, and each kind's policy applied
   (reject, trim, annotate);
6. result: suggestions, what was rejected and why, timings, the prompt.

Before stage 1, the suggestion cache (`Engine.suggestions`) may answer: a request at a
position where a suggestion is being computed joins that computation, and one whose text
is a remembered suggestion's start typed at the cursor gets the rest of it. With a
`ModelRuntime` (`Engine.runtime`), a real request preempts a warm-up, the prompt is sized
so that the part the server must evaluate now fits `model.latencyTargetMs` at the
measured rate (`_sized_prompt`), a generation waits for a free slot, and a busy server
(HTTP 503) is asked once more, then counted as busy rather than as an error. Every result
says what it cost (`Cost`). `prefill` evaluates the prompt for a position into the
server's cache without generating (a warm-up).

A prefilter (stage 0) turns away requests that cannot give anything useful (completion
disabled, a binary or huge document, a minified line). With `model.nCandidates` above 1
the backend is asked for several candidates, each cut by the same stop rules, and the
valid ones come first.

Guarantees:

- Nothing useful to suggest gives an empty `suggestions` list, never an exception; each
  dropped candidate is recorded as a `Rejected` with its reason.
- A model server failure is returned as `CompletionResult.error` (a `BackendError`), so the
  caller decides how loudly to report it; every other stage is pure or has a deadline.
- Cancelling the calling task (a superseded or cancelled request) closes the model stream at
  the next `await`.
- Dependencies come in explicitly as an `Engine`; nothing is read from globals.

Retrieval, prompt assembly and validation are imported on first use: they pull in SQLite,
tiktoken and tree-sitter, which would otherwise slow the server's start before `initialize`.

`report_context` and `check_suggestion` run stages 1-2 and 5 alone: they back
`fillin/context`, `fillin/validate` and the matching commands, so the editor and the command
line show the same data the pipeline uses.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import importlib
import logging
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from context.backends import Backend, GenerationRequest
from context.backends.candidates import collect_candidates
from context.backends.throughput import Usage
from context.document import Document
from context.errors import BackendError
from context.languages import language_for_document
from context.postprocess.linemode import LineMode, decide_line_mode
from context.postprocess.stop_rules import Finished, StopContext, StreamFilter, finish, postprocess
from context.runtime import ModelRuntime, Reuse
from context.settings import Settings
from context.snippet import Snippet
from context.splice import original_of
from context.suggestion_cache import Hit, SuggestionCache
from context.validation.view import EmptyView, IndexView, SymbolView

if TYPE_CHECKING:
    from context.prompt.assemble import Prompt
    from context.validation.policy import PolicyOutcome, Problem
    from context.workspace import Workspace

Trigger = Literal["invoked", "automatic"]
Source = Literal["model", "warm-up", "cache"]

log = logging.getLogger(__name__)

MAX_DOCUMENT_CHARS = 20_000_000
"""Larger documents get no suggestion: every stage would slow down for a file nobody edits
by hand."""
MAX_LINE_CHARS = 5_000
"""A cursor line longer than this is minified or generated text: no suggestion."""

IGNORED_DOCUMENT = (
    "the ignore rules (.gitignore, .fillinignore, index.exclude) exclude this file, so none "
    "of it is sent (set completion.ignoredFiles to true to complete there)"
)
"""The reason a completion in an ignored document is refused."""

# The stop rules and block truncation look at this much text on each side of the cursor
# (cut to whole lines): enough for the enclosing block, bounded for huge files.
_STOP_WINDOW_CHARS = 6_000
# How long a busy model server (HTTP 503, all slots in use) is given before the one retry.
_BUSY_RETRY_S = 0.25
# A warm-up evaluates what this many latency targets allow, then the next one more.
_WARM_UP_TARGETS = 3
# The smallest prompt budget tried when sizing a prompt to the latency target.
_MIN_BUDGET_TOKENS = 64
# The budget of the first warm-up, before any rate is measured: small enough to hold a slow
# server about a second, and big enough that the part evaluated (the head of the cursor's
# line, rounded up, and the lines before it) passes `throughput.MIN_PROMPT_TOKENS`, or the
# probe would measure nothing and every later warm-up stay a probe.
_PROBE_BUDGET_TOKENS = 160


@dataclass(frozen=True)
class Engine:
    """What a completion needs besides the request itself.

    `workspace` is the index of the folder holding the document (None outside any folder,
    or before it is known); `root` is that folder's root, used for paths in prompts;
    `is_ignored_document` says the folder's ignore rules exclude the document, so nothing
    of it may enter a prompt unless `completion.ignoredFiles` allows it.
    """

    settings: Settings
    backend: Backend
    workspace: Workspace | None = None
    root: Path | None = None
    is_ignored_document: bool = False
    runtime: ModelRuntime | None = None
    """The backend's measured rates, likely cached prompts and slots; None: a fixed budget,
    no slot limit."""
    suggestions: SuggestionCache[CompletionResult] | None = None
    """The server's suggestion cache; None: every request asks the model."""


@dataclass(frozen=True)
class CompletionRequest:
    """One request for a suggestion at `offset` (characters) of a document snapshot."""

    document: Document
    offset: int
    trigger: Trigger = "invoked"
    instruction: str | None = None
    """What the code should do, for chat models (generate-from-comment); None otherwise."""
    is_speculative: bool = False
    """Prepared in the background (after a suggestion, for the position after it): it
    gives way to real requests as a warm-up does."""


@dataclass(frozen=True)
class Suggestion:
    """Text to insert between two document offsets (equal for a pure insertion).

    `id` is a unique hex string that the editor echoes back in acceptance notifications;
    `problems` are those kept by an `annotate` policy; `actions` say what the policies did
    (e.g. "unknown-symbol: trim").
    """

    id: str
    text: str
    start_offset: int
    end_offset: int
    problems: tuple[Problem, ...] = ()
    actions: tuple[str, ...] = ()
    stop_reason: str = ""


@dataclass(frozen=True)
class Rejected:
    """A candidate that was dropped, and why ("empty", "syntax: ...", ...)."""

    reason: str
    text: str = ""


@dataclass(frozen=True)
class Timings:
    """Milliseconds from the start of the request to: the prompt being ready (`context_ms`),
    the first piece of text (`first_token_ms`, None when none came), the result (`total_ms`).
    """

    context_ms: float
    first_token_ms: float | None
    total_ms: float


@dataclass(frozen=True)
class ValidationReport:
    """What `check_suggestion` found: the problems (offsets into the text), what the
    policies would make of the suggestion (as completion would show it), and its cost."""

    problems: tuple[Problem, ...]
    outcome: PolicyOutcome
    elapsed_ms: float

    @property
    def is_ok(self) -> bool:
        """Whether no check found a problem."""
        return not self.problems


@dataclass(frozen=True)
class Cost:
    """What an answer cost: where it came from (`model`; `warm-up` when the model reused a
    prompt that a warm-up evaluated; `cache` when no model call was made), the prompt
    tokens the server evaluated for it and those it reused from its cache (as the server
    reported them, or else as fillin estimated them), and the time to the first token."""

    source: Source
    n_prompt_tokens: int = 0
    n_prompt_evaluated: int | None = None
    n_prompt_reused: int | None = None
    first_token_ms: float | None = None
    budget_tokens: int | None = None


@dataclass(frozen=True)
class ContextReport:
    """What `fillin context` and the `fillin/context` request show: the prompt, how long
    building it took, and what sending it now would cost, where a runtime knows."""

    prompt: Prompt
    elapsed_ms: float
    cost: Cost | None = None


@dataclass(frozen=True)
class CompletionResult:
    """What the pipeline produced for one request."""

    suggestions: tuple[Suggestion, ...]
    timings: Timings
    backend: str
    prompt: Prompt | None = None
    rejected: tuple[Rejected, ...] = ()
    error: BackendError | None = None
    cost: Cost | None = None


async def complete(engine: Engine, request: CompletionRequest) -> CompletionResult:
    """Run the whole pipeline for one request, or answer it from the suggestion cache."""
    started = time.perf_counter()
    document, offset = request.document, request.offset

    # 0. Prefilter: requests that cannot give anything useful.
    refusal = _prefilter(engine, document, offset)
    if refusal is not None:
        return _result(engine, started, rejected=(refusal,))

    cache = engine.suggestions
    if cache is None or not engine.settings.completion.cache or request.instruction is not None:
        return await _complete(engine, request, started)
    hit = cache.lookup(document.uri, document.text, offset)
    if hit is not None:
        return _from_cache(engine, hit, offset, started)

    async def compute() -> CompletionResult:
        result = await _complete(engine, request, started)
        best = result.suggestions[0] if result.suggestions else None
        if best is not None and best.start_offset == best.end_offset == offset:
            cache.store(document.uri, document.text, offset, best.text, result)
        return result

    return await cache.shared(document.uri, document.text, offset, compute)


async def prefill(
    engine: Engine, document: Document, offset: int, *, n_targets: int | None = None
) -> Cost | None:
    """Evaluate the prompt of a completion at `offset` into the server's cache (a warm-up).

    It runs only when a slot is free and gives way to any real request; the cost is
    returned, or None when it did not run. A failure raises `BackendError`. The prompt is
    sized like a request's, to `n_targets` latency targets (by default `_WARM_UP_TARGETS`),
    so that a warm-up that a server cannot interrupt mid-prompt holds it only that long;
    repeated warm-ups grow the cached prompt to the whole budget. Its budget becomes the
    next request's first choice.
    """
    runtime = engine.runtime
    if runtime is None or not runtime.slots.is_free():
        return None
    if _prefilter(engine, document, offset) is not None:
        return None
    started = time.perf_counter()
    snippets = await gather_context(engine, document, offset)
    if runtime.throughput.n_measurements:
        target_ms = engine.settings.model.latency_target_ms * (n_targets or _WARM_UP_TARGETS)
        prompt, _ = await asyncio.to_thread(
            _sized_prompt, engine, document, offset, snippets, target_ms, keep_last=False
        )
    else:
        # Before anything is measured the rate is a guess, ten times off on a loaded
        # machine, and a request arriving meanwhile would wait for the whole guess: the
        # first warm-up is a small prompt, a probe whose timings size the next one.
        prompt = await asyncio.to_thread(
            _prompt, engine, document, offset, snippets, _PROBE_BUDGET_TOKENS
        )
    if not runtime.slots.is_free():
        return None
    generation = GenerationRequest(
        prompt=prompt.text,
        prefix=prompt.prefix,
        suffix=prompt.suffix,
        extra=prompt.snippets,
        max_tokens=0,
        temperature=engine.settings.model.temperature,
        language="",
        path=relative_path(document, engine.root),
    )
    reuse = runtime.server_cache.reusable(prompt.text)
    usages: list[Usage] = []
    generation = dataclasses.replace(generation, on_usage=usages.append)
    # The next request starts from this budget: the server reuses whatever part of this
    # prompt it evaluates, and a request arriving mid-prompt waits for that part anyway (a
    # prompt batch runs to its end), so sending another prompt would only cost more.
    runtime.last_budget = prompt.budget_tokens
    sent = time.perf_counter()
    try:
        async with (
            runtime.slots.held(is_warm_up=True),
            contextlib.aclosing(engine.backend.stream(generation)) as pieces,
        ):
            async for _ in pieces:
                pass
    except asyncio.CancelledError:
        # Preempted: the server kept what it evaluated before it noticed.
        n_done = reuse.n_tokens + runtime.evaluated_by_now(prompt.n_tokens - reuse.n_tokens, sent)
        runtime.server_cache.remember(prompt.text, prompt.n_tokens, n_done, is_warm_up=True)
        raise
    if not usages:
        # A server that reports no timings is measured by the warm-up's own round trip.
        n_evaluated = max(0, prompt.n_tokens - reuse.n_tokens)
        usages.append(Usage(n_prompt_evaluated=n_evaluated, prompt_ms=_ms_since(sent)))
    return _account(runtime, prompt, reuse, usages, _ms_since(started), is_warm_up=True)


async def _complete(engine: Engine, request: CompletionRequest, started: float) -> CompletionResult:
    """Stages 1-6 for one request that the cache did not answer."""
    document, offset = request.document, request.offset
    settings = engine.settings
    runtime = engine.runtime
    if runtime is not None and not request.is_speculative:
        # A warm-up is worth less than the request it was preparing for: stop it now, so
        # the server is free by the time this request's prompt is ready.
        runtime.slots.preempt_warm_ups()

    # 1-2. Context and prompt, sized to the latency target.
    snippets = await gather_context(engine, document, offset)
    # Generate-from-comment was asked for explicitly and needs its context: not sized.
    target_ms = 0 if request.instruction is not None else None
    prompt, reuse = await asyncio.to_thread(
        _sized_prompt, engine, document, offset, snippets, target_ms
    )
    context_ms = _ms_since(started)

    # 3-4. Generate, cutting the stream where the stop rules say, then post-process.
    line_mode = await asyncio.to_thread(_line_mode, engine, document, offset)
    stop = _stop_context(engine, document, offset, line_mode)
    usages: list[Usage] = []
    generation = GenerationRequest(
        prompt=prompt.text,
        prefix=prompt.prefix,
        suffix=prompt.suffix,
        extra=prompt.snippets,
        max_tokens=line_mode.max_tokens,
        temperature=settings.model.temperature,
        stop=stop.stop_tokens,
        n_candidates=settings.model.n_candidates,
        language=stop.language,
        path=relative_path(document, engine.root),
        instruction=request.instruction,
        on_usage=usages.append,
    )
    # Generate-from-comment was asked for and is waited for: its text is not cut short.
    line_time_ms = settings.model.latency_target_ms if request.instruction is None else 0
    try:
        candidates, first_token_ms = await _generate_in_slot(
            engine, generation, stop, started, line_time_ms=line_time_ms
        )
    except _Busy as busy:
        return _result(
            engine,
            started,
            prompt=prompt,
            context_ms=context_ms,
            rejected=(Rejected(f"the model server is busy ({busy.detail}); try again"),),
        )
    except BackendError as exc:
        return _result(engine, started, prompt=prompt, context_ms=context_ms, error=exc)
    cost = None
    if runtime is not None:
        if not request.is_speculative:
            runtime.last_budget = prompt.budget_tokens
        label = "speculative suggestion" if request.is_speculative else ""
        cost = _account(
            runtime, prompt, reuse, usages, first_token_ms, is_warm_up=False, label=label
        )

    # 5. Validate every candidate and apply the policies; clean candidates first.
    suggestions, rejected = await asyncio.to_thread(
        _judge_candidates, engine, document, offset, candidates
    )

    # 6. The result.
    return _result(
        engine,
        started,
        prompt=prompt,
        context_ms=context_ms,
        first_token_ms=first_token_ms,
        suggestions=suggestions,
        rejected=rejected,
        cost=cost,
    )


async def gather_context(engine: Engine, document: Document, offset: int) -> tuple[Snippet, ...]:
    """Repository snippets for the prompt, best first; empty when there is no workspace."""
    from context.retrieval.retrieve import retrieve

    snippets = await retrieve(document, offset, engine.workspace, engine.settings.context)
    return tuple(snippets)


async def report_context(engine: Engine, document: Document, offset: int) -> ContextReport:
    """The prompt the pipeline would send for a completion at `offset`, and its cost.

    The prompt is the whole budget's, as the cache warms it; with a runtime, the cost is
    the estimate for sending it now: the tokens the server has cached
    (`promptTokensReused`), those it would evaluate, and the expected time to the first
    token at the measured rate.
    """
    started = time.perf_counter()
    snippets = await gather_context(engine, document, offset)
    prompt = await asyncio.to_thread(_prompt, engine, document, offset, snippets)
    cost = None
    if engine.runtime is not None:
        reuse = engine.runtime.server_cache.reusable(prompt.text)
        n_evaluated = prompt.n_tokens - reuse.n_tokens
        cost = Cost(
            source="warm-up" if reuse.is_from_warm_up and reuse.n_tokens else "model",
            n_prompt_tokens=prompt.n_tokens,
            n_prompt_evaluated=n_evaluated,
            n_prompt_reused=reuse.n_tokens,
            first_token_ms=engine.runtime.throughput.expected_first_token_ms(n_evaluated),
            budget_tokens=prompt.budget_tokens,
        )
    return ContextReport(prompt=prompt, elapsed_ms=_ms_since(started), cost=cost)


async def check_suggestion(
    engine: Engine, document: Document, offset: int, text: str
) -> ValidationReport:
    """The problems of inserting `text` at `offset`, and what the policies would do with
    it, as the pipeline's validation sees them."""
    from context.validation.policy import judge, validate

    view, settings = _symbol_view(engine), engine.settings.validation

    def check() -> tuple[list[Problem], PolicyOutcome]:
        problems = validate(document, offset, text, view, settings)
        return problems, judge(document, offset, text, view, settings, problems)

    started = time.perf_counter()
    problems, outcome = await asyncio.to_thread(check)
    return ValidationReport(
        problems=tuple(problems), outcome=outcome, elapsed_ms=_ms_since(started)
    )


def warm_up() -> None:
    """Import the stages and load the tokenizer, so the first completion is as fast as the rest.

    Blocking: run it in a worker thread while the server starts serving.
    """
    for module in (
        "context.retrieval.retrieve",
        "context.validation.policy",
        "context.prompt.assemble",
    ):
        importlib.import_module(module)
    from context.prompt.tokens import count_tokens

    count_tokens("warm up")


def relative_path(document: Document, root: Path | None) -> str:
    """The document's path relative to `root` (its file name outside a root, "" if none)."""
    if document.path is None:
        return ""
    if root is not None and document.path.is_relative_to(root):
        return document.path.relative_to(root).as_posix()
    return document.path.name


def _prefilter(engine: Engine, document: Document, offset: int) -> Rejected | None:
    """Why no completion should be tried at all, or None."""
    if not engine.settings.completion.enabled:
        return Rejected("completion.enabled is false")
    if engine.is_ignored_document and not engine.settings.completion.ignored_files:
        return Rejected(IGNORED_DOCUMENT)
    text = document.text
    if len(text) > MAX_DOCUMENT_CHARS:
        return Rejected(f"the document has {len(text)} characters (most: {MAX_DOCUMENT_CHARS})")
    if "\0" in text:
        return Rejected("the document holds NUL characters: a binary file")
    line_start = text.rfind("\n", 0, offset) + 1
    line_end = text.find("\n", offset)
    n_chars = (len(text) if line_end == -1 else line_end) - line_start
    if n_chars > MAX_LINE_CHARS:
        return Rejected(f"the cursor's line has {n_chars} characters: minified or generated text")
    return None


def _prompt(
    engine: Engine,
    document: Document,
    offset: int,
    snippets: Sequence[Snippet],
    budget_tokens: int | None = None,
) -> Prompt:
    from context.prompt.assemble import build_prompt
    from context.prompt.redact import redact_prompt

    settings = engine.settings.context
    if budget_tokens is not None and budget_tokens < settings.max_prompt_tokens:
        settings = dataclasses.replace(settings, max_prompt_tokens=budget_tokens)
    prompt = build_prompt(
        document,
        offset,
        settings,
        engine.backend.template,
        snippets,
        repo_name=engine.root.name if engine.root else "",
        path=relative_path(document, engine.root),
    )
    if not engine.settings.privacy.redact_secrets:
        return prompt
    # Only the prompt's text changes: offsets still refer to the real document.
    redacted, findings = redact_prompt(prompt)
    return replace(redacted, redactions=findings)


def _sized_prompt(
    engine: Engine,
    document: Document,
    offset: int,
    snippets: Sequence[Snippet],
    target_ms: int | None = None,
    *,
    keep_last: bool = True,
) -> tuple[Prompt, Reuse]:
    """The largest prompt whose part that the server must evaluate now fits the target.

    The whole budget is tried first; when the server would have to evaluate more than the
    measured rate allows in `model.latencyTargetMs`, the budget shrinks to what it has
    cached plus what it can evaluate in time (repository context goes first, then the
    far lines). The rest joins later requests as warm-ups and answers fill the cache.
    With `keep_last`, the last request's or warm-up's budget is tried before shrinking;
    a warm-up, which exists to grow the cached prompt, does without.
    """
    runtime = engine.runtime
    if target_ms is None:
        target_ms = engine.settings.model.latency_target_ms
    prompt = _prompt(engine, document, offset, snippets)
    if runtime is None:
        return prompt, Reuse(0)
    reuse = runtime.server_cache.reusable(prompt.text)
    if target_ms <= 0:
        return prompt, reuse
    n_now = runtime.throughput.tokens_within(target_ms)
    if prompt.n_tokens - reuse.n_tokens <= n_now:
        return prompt, reuse
    # The last request's budget first: its prompt differs from this one only where the
    # user typed, so the server has nearly all of it cached. Growing the budget on every
    # keystroke would move the prompt's start each time; warm-ups grow it while idle.
    last = runtime.last_budget if keep_last else None
    if last is not None and _MIN_BUDGET_TOKENS <= last < prompt.budget_tokens:
        kept = _prompt(engine, document, offset, snippets, last)
        kept_reuse = runtime.server_cache.reusable(kept.text)
        if kept.n_tokens - kept_reuse.n_tokens <= n_now:
            return kept, kept_reuse
    best = (prompt, reuse)
    for _ in range(3):
        prompt, reuse = best
        if prompt.n_tokens - reuse.n_tokens <= n_now or prompt.budget_tokens <= _MIN_BUDGET_TOKENS:
            break
        budget = max(_MIN_BUDGET_TOKENS, min(prompt.budget_tokens - 1, reuse.n_tokens + n_now))
        smaller = _prompt(engine, document, offset, snippets, budget)
        best = (smaller, runtime.server_cache.reusable(smaller.text))
    return best


def _account(
    runtime: ModelRuntime,
    prompt: Prompt,
    reuse: Reuse,
    usages: Sequence[Usage],
    first_token_ms: float | None,
    *,
    is_warm_up: bool,
    label: str = "",
) -> Cost:
    """Learn from what the server reported, remember what it now caches, and say the cost."""
    usage = usages[-1] if usages else None
    if usage is not None:
        runtime.throughput.observe(usage, first_token_ms)
    elif first_token_ms is not None:
        # The stream was cut before the server's report (the stop rules ended the
        # suggestion): the time to the first token still measures the prompt's rate.
        estimate = Usage(n_prompt_evaluated=max(0, prompt.n_tokens - reuse.n_tokens))
        runtime.throughput.observe(estimate, first_token_ms)
    n_evaluated = usage.n_prompt_evaluated if usage else None
    n_reused = usage.n_prompt_reused if usage else None
    if n_reused is None:
        n_reused = (
            max(0, prompt.n_tokens - n_evaluated) if n_evaluated is not None else reuse.n_tokens
        )
    if n_evaluated is None:
        n_evaluated = max(0, prompt.n_tokens - n_reused)
    runtime.server_cache.remember(
        prompt.text, prompt.n_tokens, prompt.n_tokens, is_warm_up=is_warm_up
    )
    source: Source = "model"
    if not is_warm_up and reuse.is_from_warm_up and n_reused > 0:
        source = "warm-up"
    cost = Cost(
        source=source,
        n_prompt_tokens=prompt.n_tokens,
        n_prompt_evaluated=n_evaluated,
        n_prompt_reused=n_reused,
        first_token_ms=first_token_ms,
        budget_tokens=prompt.budget_tokens,
    )
    log.debug(
        "%s: %d prompt tokens (budget %d), %d evaluated, %d reused, first token %s ms",
        label or ("warm-up" if is_warm_up else f"answer from the {source}"),
        prompt.n_tokens,
        prompt.budget_tokens,
        n_evaluated,
        n_reused,
        "-" if first_token_ms is None else f"{first_token_ms:.0f}",
    )
    return cost


def _from_cache(
    engine: Engine, hit: Hit[CompletionResult], offset: int, started: float
) -> CompletionResult:
    """The rest of a remembered suggestion at `offset`, with no model call."""
    result = hit.value
    best = result.suggestions[0]
    if hit.n_typed:
        best = dataclasses.replace(
            best,
            id=uuid.uuid4().hex,
            text=hit.rest,
            start_offset=offset,
            end_offset=offset,
            problems=(),
        )
    elapsed_ms = _ms_since(started)
    log.debug("answer from the suggestion cache: %d characters typed through", hit.n_typed)
    return CompletionResult(
        suggestions=(best,),
        timings=Timings(context_ms=elapsed_ms, first_token_ms=None, total_ms=elapsed_ms),
        backend=result.backend,
        prompt=result.prompt,
        cost=Cost(source="cache", n_prompt_evaluated=0, n_prompt_reused=0),
    )


def _line_mode(engine: Engine, document: Document, offset: int) -> LineMode:
    """Single or multi-line, decided on the window around the cursor.

    The window (the top-level construct holding the cursor) is the one validation parses,
    and its tree is cached, so one parse serves both stages; parsing the whole file would
    cost milliseconds per request on a 2,000-line file.
    """
    setting = engine.settings.completion.multiline
    max_tokens = engine.settings.model.max_tokens
    lang = language_for_document(document.path, document.language_id)
    if lang is None:
        return decide_line_mode(document, offset, setting, max_tokens)
    original = original_of(document.text, offset, lang)
    window = document.with_text(document.text[original.window_start : original.window_end])
    return decide_line_mode(
        window, offset - original.window_start, setting, max_tokens, tree=original.tree
    )


def _stop_context(
    engine: Engine, document: Document, offset: int, line_mode: LineMode
) -> StopContext:
    """The stop rules' view of the request: text around the cursor, language, limits."""
    text = document.text
    start = text.rfind("\n", 0, max(0, offset - _STOP_WINDOW_CHARS)) + 1
    end = text.find("\n", min(len(text), offset + _STOP_WINDOW_CHARS))
    end = len(text) if end == -1 else end
    settings = engine.settings
    stop_tokens = (*engine.backend.template.stop, *settings.model.stop, *line_mode.stop)
    language = language_for_document(document.path, document.language_id)
    return StopContext(
        prefix=text[start:offset],
        suffix=text[offset:end],
        language=language.name if language else "",
        multiline=line_mode.is_multiline,
        stop_tokens=tuple(dict.fromkeys(stop_tokens)),
        max_lines=settings.completion.max_lines,
        is_before_text=line_mode.is_before_text,
    )


class _Busy(Exception):
    """The model server answered 503 twice: all its slots are in use."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


async def _generate_in_slot(
    engine: Engine,
    generation: GenerationRequest,
    stop: StopContext,
    started: float,
    *,
    is_warm_up: bool = False,
    line_time_ms: int = 0,
) -> tuple[list[Finished], float | None]:
    """`_generate` within a slot of the server, asked once more if it says it is busy."""
    slots = engine.runtime.slots if engine.runtime is not None else None
    for attempt in range(2):
        try:
            held = slots.held(is_warm_up=is_warm_up) if slots is not None else None
            async with held if held is not None else contextlib.nullcontext():
                return await _generate(
                    engine.backend, generation, stop, started, line_time_ms=line_time_ms
                )
        except BackendError as exc:
            # `HttpStatusError` carries the status; it is not imported here, since that
            # would load the HTTP client before the server's `initialize`.
            if getattr(exc, "status", None) != 503:
                raise
            if attempt == 1:
                raise _Busy(str(getattr(exc, "detail", exc))) from exc
            log.debug("the model server is busy (%s); asking once more", exc)
            await asyncio.sleep(_BUSY_RETRY_S)
    raise AssertionError("unreachable")


async def _generate(
    backend: Backend,
    generation: GenerationRequest,
    stop: StopContext,
    started: float,
    *,
    line_time_ms: int = 0,
) -> tuple[list[Finished], float | None]:
    """The post-processed candidates, and when the first piece of text arrived (ms).

    One candidate is streamed and judged piece by piece: when the stop rules say it is
    complete, leaving the `async for` closes the stream, which aborts the generation.
    Several candidates are collected whole (the backend decides how), then cut by the same
    rules.

    With `line_time_ms`, a multi-line suggestion still being written that long after its
    first piece ends at its last line break, once it holds a line with text: the user waits
    for a whole block no longer than for a line, and the rest can follow on the next
    request. (llama.cpp's `t_max_predict_ms` would also end on a leading line break, with
    nothing to show.)
    """
    first_token_ms: float | None = None
    if generation.n_candidates > 1:
        texts = await collect_candidates(backend, generation)
        first_token_ms = _ms_since(started)
        return [postprocess(stop, [text]) for text in dict.fromkeys(texts)], first_token_ms
    stream_filter = StreamFilter(stop)
    lines_until: float | None = None
    cut: str | None = None
    async with contextlib.aclosing(backend.stream(generation)) as pieces:
        async for piece in pieces:
            if first_token_ms is None:
                first_token_ms = _ms_since(started)
                if stop.multiline and line_time_ms > 0:
                    lines_until = time.perf_counter() + line_time_ms / 1000
            if stream_filter.feed(piece):
                break
            if lines_until is not None and time.perf_counter() >= lines_until:
                cut = _whole_lines(stream_filter.text)
                if cut is not None:
                    log.debug(
                        "a multi-line suggestion ends at a line break after %d ms of "
                        "generation (model.latencyTargetMs)",
                        line_time_ms,
                    )
                    break
    stream_filter.close()
    if cut is not None:
        done = finish(stop, cut)
        return [Finished(done.text, done.reason or "time-limit")], first_token_ms
    done = finish(stop, stream_filter.text)
    return [Finished(done.text, done.reason or stream_filter.stop_reason or "")], first_token_ms


def _whole_lines(text: str) -> str | None:
    """`text` up to and with its last line break, when the lines before it hold text."""
    end = text.rfind("\n")
    if end < 0 or not text[:end].strip():
        return None
    return text[: end + 1]


def _judge_candidates(
    engine: Engine, document: Document, offset: int, candidates: Sequence[Finished]
) -> tuple[tuple[Suggestion, ...], tuple[Rejected, ...]]:
    """Validate each candidate; the kept ones (those without problems first) and the rest."""
    from context.validation.policy import judge

    suggestions: list[Suggestion] = []
    rejected: list[Rejected] = []
    view = _symbol_view(engine)
    for candidate in candidates:
        if not candidate.text.strip():
            reason = candidate.reason or "the model wrote nothing"
            rejected.append(Rejected(f"empty after post-processing ({reason})"))
            continue
        outcome = judge(document, offset, candidate.text, view, engine.settings.validation)
        if outcome.text is None:
            rejected.append(Rejected(outcome.reason, candidate.text))
            continue
        suggestions.append(
            Suggestion(
                id=uuid.uuid4().hex,
                text=outcome.text,
                start_offset=offset,
                end_offset=offset,
                problems=outcome.problems,
                actions=outcome.actions,
                stop_reason=candidate.reason,
            )
        )
    suggestions.sort(key=lambda s: len(s.problems) > 0)
    return tuple(suggestions), tuple(rejected)


def _symbol_view(engine: Engine) -> SymbolView:
    """What validation knows about the repository: the index, or nothing outside one."""
    if engine.workspace is None:
        return EmptyView()
    return IndexView(engine.workspace.store)


def _result(
    engine: Engine,
    started: float,
    *,
    prompt: Prompt | None = None,
    context_ms: float | None = None,
    first_token_ms: float | None = None,
    suggestions: tuple[Suggestion, ...] = (),
    rejected: tuple[Rejected, ...] = (),
    error: BackendError | None = None,
    cost: Cost | None = None,
) -> CompletionResult:
    total_ms = _ms_since(started)
    return CompletionResult(
        suggestions=suggestions,
        timings=Timings(
            context_ms=total_ms if context_ms is None else context_ms,
            first_token_ms=first_token_ms,
            total_ms=total_ms,
        ),
        backend=engine.backend.name,
        prompt=prompt,
        rejected=rejected,
        error=error,
        cost=cost,
    )


def _ms_since(started: float) -> float:
    return (time.perf_counter() - started) * 1000
