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

`explain_context` and `check_suggestion` run stages 1-2 and 5 alone: they back
`fillin/context`, `fillin/validate` and the matching commands, so the editor and the command
line show the same data the pipeline uses.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from context.backends import Backend, GenerationRequest
from context.backends.candidates import collect_candidates
from context.document import Document
from context.errors import BackendError
from context.languages import language_for_document
from context.linemode import LineMode, decide_line_mode
from context.postprocess import Finished, StopContext, StreamFilter, finish, postprocess
from context.settings import Settings
from context.snippet import Snippet
from context.symbols import EmptyView, IndexView, SymbolView
from context.validation.splice import original_of

if TYPE_CHECKING:
    from context.prompt import ContextReport, Prompt
    from context.validate import Problem
    from context.workspace import Workspace

Trigger = Literal["invoked", "automatic"]

MAX_DOCUMENT_CHARS = 20_000_000
"""Larger documents get no suggestion: every stage would slow down for a file nobody edits
by hand."""
MAX_LINE_CHARS = 5_000
"""A cursor line longer than this is minified or generated text: no suggestion."""

# The stop rules and block truncation look at this much text on each side of the cursor
# (cut to whole lines): enough for the enclosing block, bounded for huge files.
_STOP_WINDOW_CHARS = 6_000


@dataclass(frozen=True)
class Engine:
    """What a completion needs besides the request itself.

    `workspace` is the index of the folder holding the document (None outside any folder,
    or before it is known); `root` is that folder's root, used for paths in prompts.
    """

    settings: Settings
    backend: Backend
    workspace: Workspace | None = None
    root: Path | None = None


@dataclass(frozen=True)
class CompletionRequest:
    """One request for a suggestion at `offset` (characters) of a document snapshot."""

    document: Document
    offset: int
    trigger: Trigger = "invoked"
    instruction: str | None = None
    """What the code should do, for chat models (generate-from-comment); None otherwise."""


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
    """What `check_suggestion` found: the problems (offsets into the text) and its cost."""

    problems: tuple[Problem, ...]
    elapsed_ms: float

    @property
    def is_ok(self) -> bool:
        """Whether no check found a problem."""
        return not self.problems


@dataclass(frozen=True)
class CompletionResult:
    """What the pipeline produced for one request."""

    suggestions: tuple[Suggestion, ...]
    timings: Timings
    backend: str
    prompt: Prompt | None = None
    rejected: tuple[Rejected, ...] = ()
    error: BackendError | None = None


async def complete(engine: Engine, request: CompletionRequest) -> CompletionResult:
    """Run the whole pipeline for one request."""
    started = time.perf_counter()
    document, offset = request.document, request.offset
    settings = engine.settings

    # 0. Prefilter: requests that cannot give anything useful.
    refusal = _prefilter(engine, document, offset)
    if refusal is not None:
        return _result(engine, started, rejected=(refusal,))

    # 1-2. Context and prompt.
    snippets = await gather_context(engine, document, offset)
    prompt = await asyncio.to_thread(_prompt, engine, document, offset, snippets)
    context_ms = _ms_since(started)

    # 3-4. Generate, cutting the stream where the stop rules say, then post-process.
    line_mode = await asyncio.to_thread(_line_mode, engine, document, offset)
    stop = _stop_context(engine, document, offset, line_mode)
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
    )
    try:
        candidates, first_token_ms = await _generate(engine.backend, generation, stop, started)
    except BackendError as exc:
        return _result(engine, started, prompt=prompt, context_ms=context_ms, error=exc)

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
    )


async def gather_context(engine: Engine, document: Document, offset: int) -> tuple[Snippet, ...]:
    """Repository snippets for the prompt, best first; empty when there is no workspace."""
    from context.retrieve import retrieve

    snippets = await retrieve(document, offset, engine.workspace, engine.settings.context)
    return tuple(snippets)


async def explain_context(engine: Engine, document: Document, offset: int) -> ContextReport:
    """The prompt the pipeline would send for a completion at `offset`, and its cost."""
    from context.prompt import ContextReport

    started = time.perf_counter()
    snippets = await gather_context(engine, document, offset)
    prompt = await asyncio.to_thread(_prompt, engine, document, offset, snippets)
    return ContextReport(prompt=prompt, elapsed_ms=_ms_since(started))


async def check_suggestion(
    engine: Engine, document: Document, offset: int, text: str
) -> ValidationReport:
    """The problems of inserting `text` at `offset`, as the pipeline's validation sees them."""
    from context.validate import validate

    started = time.perf_counter()
    problems = await asyncio.to_thread(
        validate, document, offset, text, _symbol_view(engine), engine.settings.validation
    )
    return ValidationReport(problems=tuple(problems), elapsed_ms=_ms_since(started))


def warm_up() -> None:
    """Import the stages and load the tokenizer, so the first completion is as fast as the rest.

    Blocking: run it in a worker thread while the server starts serving.
    """
    for module in ("context.retrieve", "context.validate", "context.prompt"):
        importlib.import_module(module)
    from context.tokens import count_tokens

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


def _prompt(engine: Engine, document: Document, offset: int, snippets: Sequence[Snippet]) -> Prompt:
    from context.prompt import build_prompt
    from context.redact import redact_prompt

    prompt = build_prompt(
        document,
        offset,
        engine.settings.context,
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


def _line_mode(engine: Engine, document: Document, offset: int) -> LineMode:
    """Single or multi-line, decided on the window around the cursor.

    The window (the top-level construct holding the cursor) is the one validation parses,
    and its tree is cached, so one parse serves both stages; parsing the whole file would
    cost milliseconds per request on a 2,000-line file.
    """
    setting = engine.settings.completion.multiline
    max_tokens = engine.settings.model.max_tokens
    lang = language_for_document(document.path, document.language_id)
    if lang is None or setting != "auto":
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
    )


async def _generate(
    backend: Backend, generation: GenerationRequest, stop: StopContext, started: float
) -> tuple[list[Finished], float | None]:
    """The post-processed candidates, and when the first piece of text arrived (ms).

    One candidate is streamed and judged piece by piece: when the stop rules say it is
    complete, leaving the `async for` closes the stream, which aborts the generation.
    Several candidates are collected whole (the backend decides how), then cut by the same
    rules.
    """
    first_token_ms: float | None = None
    if generation.n_candidates > 1:
        texts = await collect_candidates(backend, generation)
        first_token_ms = _ms_since(started)
        return [postprocess(stop, [text]) for text in dict.fromkeys(texts)], first_token_ms
    stream_filter = StreamFilter(stop)
    async with contextlib.aclosing(backend.stream(generation)) as pieces:
        async for piece in pieces:
            if first_token_ms is None:
                first_token_ms = _ms_since(started)
            if stream_filter.feed(piece):
                break
    stream_filter.close()
    done = finish(stop, stream_filter.text)
    return [Finished(done.text, done.reason or stream_filter.stop_reason or "")], first_token_ms


def _judge_candidates(
    engine: Engine, document: Document, offset: int, candidates: Sequence[Finished]
) -> tuple[tuple[Suggestion, ...], tuple[Rejected, ...]]:
    """Validate each candidate; the kept ones (those without problems first) and the rest."""
    from context.validate import judge

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
    )


def _ms_since(started: float) -> float:
    return (time.perf_counter() - started) * 1000
