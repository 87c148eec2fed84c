"""Retrieval: the repository context for a completion, from four sources, each on a deadline.

Sources (`ContextSettings.sources` picks and orders them):

- `member`: at `expr.|` or `expr::|`, the members of `expr`'s type or module, ranked by the
  typed prefix and by use (`retrieval.receiver`);
- `definition`: signatures and outlines of what the names around the cursor refer to,
  resolved through the file's imports to the index (`retrieval.definitions`);
- `scope`: outlines of the types of the enclosing function and class (`retrieval.scope`);
- `similar`: windows of open, recently edited, imported and name-defining files most
  similar to the code before the cursor (`retrieval.similar`);
- `recent`: the regions the user edited last in other files (`retrieval.recent`).

Their ranked lists are fused by reciprocal rank (`retrieval.fusion`), and a big type's
members past the member source's best follow them all. `build_prompt` then
takes the best snippets that fit the budget and drops those already in the prompt's window.
Everything is read through the `Workspace`: its index (`store`), its open-document overlay
(`document_text`, `open_documents`), its `recent_edits` and its ignore rules.

Guarantees:

- Retrieval never fails a completion: every source runs under its own deadline of
  `ContextSettings.retrieval_timeout_ms` and checks it as it goes; a source that runs out of
  time or fails yields nothing (the failure is logged) and the others still count.
- The same document, cursor and index give the same snippets from the sources that read
  only the index (`ESSENTIAL_SOURCES`): they run under a deadline of at least
  `ESSENTIAL_MIN_MS` and keep what they found when it passes, so a cold start (nothing
  cached yet) costs one slower request, never the definitions.
- Files excluded by ignore rules never enter: snippets come only from the index and the
  overlay, which hold no ignored file, and every snippet's path is checked against the
  rules again before it is returned (a rule added since the last refresh counts at once).
- Snippets hold whole lines and are labelled with their root-relative path.
- The sources run synchronously in one worker thread (`retrieve`) or the caller's thread
  (`retrieve_sync`): they are short bursts of SQLite and Python, and a thread per source
  costs more than it would overlap.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from context.document import Document
from context.errors import IndexStoreError
from context.languages import language_for_document
from context.retrieval.bindings import Bindings
from context.retrieval.definitions import definition_snippets
from context.retrieval.focus import SELF_NAMES, find_focus
from context.retrieval.fusion import fuse
from context.retrieval.receiver import receiver_tiers
from context.retrieval.recent import recent_snippets
from context.retrieval.scope import scope_snippets
from context.retrieval.similar import Candidate, query_tokens, similar_windows
from context.settings import ContextSettings
from context.snippet import Snippet
from context.workspace import Workspace

_log = logging.getLogger(__name__)

MAX_SNIPPETS_PER_SOURCE = 24
MAX_SIMILAR_FILES = 6
ESSENTIAL_SOURCES = frozenset({"member", "definition", "scope"})
ESSENTIAL_MIN_MS = 250.0
"""The essential sources' deadline is never shorter: their first request in a file reads
its imports' rows from SQLite, which a 30 ms deadline cut short on a cold start."""
SOURCE_WEIGHTS = {"member": 1.2, "definition": 1.0, "scope": 0.8, "similar": 0.4, "recent": 0.5}
"""Reciprocal-rank weights: resolved definitions are the most reliable evidence."""


@dataclass(frozen=True)
class Deadline:
    """A point in time that a source must finish by."""

    at: float

    @classmethod
    def after_ms(cls, ms: float) -> Deadline:
        """The deadline `ms` milliseconds from now."""
        return cls(time.perf_counter() + ms / 1000)

    def is_expired(self) -> bool:
        """Whether the deadline has passed."""
        return time.perf_counter() >= self.at


async def retrieve(
    document: Document,
    offset: int,
    workspace: Workspace | None,
    settings: ContextSettings,
) -> list[Snippet]:
    """Repository snippets for a completion at `offset` of `document`, best first.

    Runs the sources in a worker thread so the event loop keeps serving; empty when there
    is no workspace or repository context is off.
    """
    if workspace is None or not settings.repository or not settings.sources:
        return []
    return await asyncio.to_thread(retrieve_sync, document, offset, workspace, settings)


def retrieve_sync(
    document: Document,
    offset: int,
    workspace: Workspace | None,
    settings: ContextSettings,
) -> list[Snippet]:
    """`retrieve` in the calling thread (for the command line and benchmarks)."""
    if workspace is None or not settings.repository or not settings.sources:
        return []
    rel_path = _relative(document, workspace.root)
    lang = language_for_document(document.path, document.language_id)
    language = lang.name if lang is not None else ""
    offset = max(0, min(offset, len(document.text)))
    text_before = document.text[:offset]
    cursor_line = document.position_at(offset, "utf-32")[0]
    store = workspace.store

    # The bindings and the focus are shared by the sources; they cost a query and a scan.
    # The bindings are read by the first source that needs them, under its deadline, so a
    # broken index costs that source and not the whole retrieval.
    @cache
    def bindings() -> Bindings:
        return Bindings.of(store, rel_path, language)

    focus = find_focus(document.text, offset, is_hash_comment=language == "python")

    # Similar code and recent edits often read the same files; each is read once a request
    # (a file read, an ignore check and a decode), and never across requests, so an edit
    # on disk counts at the next keystroke.
    @cache
    def text_of(path: str) -> str | None:
        return _text(workspace, path)

    def definition(is_expired: Callable[[], bool]) -> list[Snippet]:
        return definition_snippets(
            bindings(),
            focus,
            text_before,
            limit=MAX_SNIPPETS_PER_SOURCE,
            is_expired=is_expired,
            text_after_cursor=document.text[offset:],
        )

    more_members: list[Snippet] = []

    def member(is_expired: Callable[[], bool]) -> list[Snippet]:
        tiers = receiver_tiers(bindings(), document.text, offset, is_expired=is_expired)
        more_members.extend(tiers.more)
        return tiers.best

    def scope(is_expired: Callable[[], bool]) -> list[Snippet]:
        return scope_snippets(
            bindings(),
            cursor_line,
            limit=MAX_SNIPPETS_PER_SOURCE,
            is_reaching_into_self=bool({focus.receiver, focus.callee_receiver} & SELF_NAMES),
            is_expired=is_expired,
        )

    def similar(is_expired: Callable[[], bool]) -> list[Snippet]:
        paths = _similar_candidates(workspace, bindings, focus.identifiers, rel_path)
        candidates = (
            Candidate(path, text)
            for path in paths
            if not is_expired() and (text := text_of(path)) is not None
        )
        return similar_windows(
            query_tokens(text_before), candidates, limit=8, is_expired=is_expired
        )

    def recent(is_expired: Callable[[], bool]) -> list[Snippet]:
        return recent_snippets(
            workspace.recent_edits(),
            text_of,
            exclude_path=rel_path,
            limit=4,
            is_expired=is_expired,
        )

    sources: dict[str, Callable[[Callable[[], bool]], list[Snippet]]] = {
        "member": member,
        "definition": definition,
        "scope": scope,
        "similar": similar,
        "recent": recent,
    }
    ranked: dict[str, list[Snippet]] = {}
    for name in settings.sources:
        run = sources.get(name)
        if run is not None:
            ranked[name] = _run_source(
                name, run, settings.retrieval_timeout_ms, is_essential=name in ESSENTIAL_SOURCES
            )
    fused = fuse(ranked, SOURCE_WEIGHTS)
    if ranked.get("member"):
        # A big type's next members come after every other snippet: they take only the
        # room that the rest leaves (`build_prompt` cuts a snippet to the lines that fit).
        keys = {(s.path, s.start_line, s.end_line) for s in fused}
        fused.extend(s for s in more_members if (s.path, s.start_line, s.end_line) not in keys)
    paths = {s.path for s in fused}
    # Every path here came from the index or the overlay, which hold no ignored file and
    # whose contents were checked when read; the rules are asked again, by path alone, so
    # that a rule added since the last refresh takes effect at once.
    ignored = {path: workspace.rules.is_ignored_path(workspace.root / path) for path in paths}
    return [s for s in fused if not ignored[s.path]]


def _run_source(
    name: str,
    run: Callable[[Callable[[], bool]], list[Snippet]],
    timeout_ms: float,
    *,
    is_essential: bool = False,
) -> list[Snippet]:
    """A source's snippets, or none when it fails or runs past its deadline.

    The source is handed the deadline's `is_expired` to stop early; whatever it returns
    after the deadline is dropped, so a slow source never delays the prompt further. An
    essential source's deadline is at least `ESSENTIAL_MIN_MS` and what it returns counts
    even when late: it stopped at the deadline already.
    """
    deadline = Deadline.after_ms(max(timeout_ms, ESSENTIAL_MIN_MS) if is_essential else timeout_ms)
    try:
        snippets = run(deadline.is_expired)
    except Exception:
        _log.exception("retrieval source %s failed; the completion goes on without it", name)
        return []
    if deadline.is_expired() and not is_essential:
        _log.debug("retrieval source %s ran out of its %s ms", name, timeout_ms)
        return []
    return snippets


def _similar_candidates(
    workspace: Workspace,
    bindings: Callable[[], Bindings],
    identifiers: Sequence[str],
    rel_path: str,
) -> list[str]:
    """Files worth searching for similar code: open, recently edited, those defining the
    names near the cursor and those imported; the last two only while the index answers.

    Full-text search over symbol names would find more candidates, but a common word
    ("name", "service") matches thousands of symbols and costs more than the whole budget.
    """
    paths = [_relative(d, workspace.root) for d in workspace.open_documents()]
    paths.extend(edit.rel_path for edit in workspace.recent_edits())
    try:
        found = bindings()
        paths.extend(found.defining_paths(identifiers))
        paths.extend(found.imported_paths)
    except IndexStoreError as exc:
        _log.debug("similar code without the index: %s", exc)
    unique = [p for p in dict.fromkeys(paths) if p and p != rel_path]
    return unique[:MAX_SIMILAR_FILES]


def _text(workspace: Workspace, rel_path: str) -> str | None:
    """A workspace file's current text (the open document's when it is open)."""
    return workspace.document_text(workspace.root / rel_path)


def _relative(document: Document, root: Path) -> str:
    """The document's root-relative POSIX path ("" when it has none or lies outside)."""
    if document.path is None:
        return ""
    try:
        return document.path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return ""
