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

Guarantees:

- Nothing useful to suggest gives an empty `suggestions` list, never an exception; each
  dropped candidate is recorded as a `Rejected` with its reason.
- A model server failure is returned as `CompletionResult.error` (a `BackendError`), so the
  caller decides how loudly to report it; every other stage is pure or has a deadline.
- Cancelling the calling task (a superseded or cancelled request) closes the model stream at
  the next `await`.
- Dependencies come in explicitly as an `Engine`; nothing is read from globals.

`explain_context` and `check_suggestion` run stages 1-2 and 5 alone: they back
`fillin/context`, `fillin/validate` and the matching commands, so the editor and the command
line show the same data the pipeline uses.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from context.backends import Backend, GenerationRequest
from context.document import Document
from context.errors import BackendError
from context.languages import language_for_document
from context.linemode import LineMode, decide_line_mode
from context.postprocess import StopContext, StreamFilter, finish
from context.prompt import ContextReport, Prompt, build_prompt
from context.settings import Settings
from context.snippet import Snippet

if TYPE_CHECKING:
    from context.workspace import Workspace

Trigger = Literal["invoked", "automatic"]

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


@dataclass(frozen=True)
class Problem:
    """Something a check found wrong with a suggestion, with its span in the suggestion."""

    kind: str
    message: str
    start: int = 0
    end: int = 0


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
class CompletionResult:
    """What the pipeline produced for one request."""

    suggestions: tuple[Suggestion, ...]
    timings: Timings
    backend: str
    prompt: Prompt | None = None
    rejected: tuple[Rejected, ...] = ()
    error: BackendError | None = None
    snippets: tuple[Snippet, ...] = field(default=(), repr=False)


async def complete(engine: Engine, request: CompletionRequest) -> CompletionResult:
    """Run the whole pipeline for one request."""
    started = time.perf_counter()
    document, offset = request.document, request.offset
    settings = engine.settings

    if not settings.completion.enabled:
        return _result(engine, started, rejected=(Rejected("completion.enabled is false"),))

    # 1-2. Context and prompt.
    snippets = await gather_context(engine, document, offset)
    prompt = await asyncio.to_thread(_prompt, engine, document, offset, snippets)
    context_ms = _ms_since(started)

    # 3. Generate, judging the stream as it arrives.
    line_mode = await asyncio.to_thread(
        decide_line_mode,
        document,
        offset,
        settings.completion.multiline,
        settings.model.max_tokens,
    )
    stop = _stop_context(engine, document, offset, line_mode)
    generation = GenerationRequest(
        prompt=prompt.text,
        prefix=prompt.prefix,
        suffix=prompt.suffix,
        extra=prompt.snippets,
        max_tokens=line_mode.max_tokens,
        temperature=settings.model.temperature,
        stop=stop.stop_tokens,
        n_candidates=1,
        language=stop.language,
        path=relative_path(document, engine.root),
    )
    stream_filter = StreamFilter(stop)
    first_token_at: float | None = None
    try:
        async with contextlib.aclosing(engine.backend.stream(generation)) as pieces:
            async for piece in pieces:
                if first_token_at is None:
                    first_token_at = time.perf_counter()
                if stream_filter.feed(piece):
                    break
    except BackendError as exc:
        return _result(engine, started, prompt=prompt, context_ms=context_ms, error=exc)
    stream_filter.close()
    first_token_ms = (first_token_at - started) * 1000 if first_token_at else None

    # 4. Post-process the whole text.
    finished = finish(stop, stream_filter.text)
    stop_reason = finished.reason or stream_filter.stop_reason or ""
    text = finished.text
    if not text.strip():
        return _result(
            engine,
            started,
            prompt=prompt,
            context_ms=context_ms,
            first_token_ms=first_token_ms,
            rejected=(Rejected(f"empty after post-processing ({stop_reason or 'no text'})"),),
        )

    # 5. Validate and apply each kind's policy.
    suggestion = Suggestion(
        id=uuid.uuid4().hex,
        text=text,
        start_offset=offset,
        end_offset=offset,
        stop_reason=stop_reason,
    )

    # 6. The result.
    return _result(
        engine,
        started,
        prompt=prompt,
        context_ms=context_ms,
        first_token_ms=first_token_ms,
        suggestions=(suggestion,),
    )


async def gather_context(engine: Engine, document: Document, offset: int) -> tuple[Snippet, ...]:
    """Repository snippets for the prompt, best first; empty when there is no workspace."""
    if engine.workspace is None or not engine.settings.context.repository:
        return ()
    return ()


async def explain_context(engine: Engine, document: Document, offset: int) -> ContextReport:
    """The prompt the pipeline would send for a completion at `offset`, and its cost."""
    started = time.perf_counter()
    snippets = await gather_context(engine, document, offset)
    prompt = await asyncio.to_thread(_prompt, engine, document, offset, snippets)
    return ContextReport(prompt=prompt, elapsed_ms=_ms_since(started))


def relative_path(document: Document, root: Path | None) -> str:
    """The document's path relative to `root` (its file name outside a root, "" if none)."""
    if document.path is None:
        return ""
    if root is not None and document.path.is_relative_to(root):
        return document.path.relative_to(root).as_posix()
    return document.path.name


def _prompt(engine: Engine, document: Document, offset: int, snippets: Sequence[Snippet]) -> Prompt:
    return build_prompt(
        document,
        offset,
        engine.settings.context,
        engine.backend.template,
        snippets,
        repo_name=engine.root.name if engine.root else "",
        path=relative_path(document, engine.root),
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
        snippets=prompt.snippets if prompt else (),
    )


def _ms_since(started: float) -> float:
    return (time.perf_counter() - started) * 1000
