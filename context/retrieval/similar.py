"""Similar code: windows of other files ranked by token overlap with the code before the cursor.

The query is the set of identifiers and keywords in the last `QUERY_LINES` lines before the
cursor; each candidate file is cut into windows of `WINDOW_LINES` lines every `STRIDE_LINES`
lines, and a window scores the Jaccard similarity of its token set with the query's. The best
window of a file keeps its place; overlapping windows of the same file are skipped.

Guarantees: windows hold whole lines; a file's window token sets are cached by its text, so
a file that has not changed is not re-tokenized; `is_expired` is checked between files.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache

from context.snippet import Snippet

QUERY_LINES = 20
WINDOW_LINES = 20
STRIDE_LINES = 10
MIN_SCORE = 0.05
CACHED_FILES = 64
"""Files whose windows are kept between requests (a large file's take about a megabyte)."""

_TOKEN = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@dataclass(frozen=True)
class Candidate:
    """A file to search: its workspace-relative path and current text."""

    path: str
    text: str


def query_tokens(text_before_cursor: str) -> frozenset[str]:
    """The token set of the last `QUERY_LINES` lines before the cursor."""
    start = len(text_before_cursor)
    for _ in range(QUERY_LINES):
        start = text_before_cursor.rfind("\n", 0, start)
        if start == -1:
            break
    return frozenset(_TOKEN.findall(text_before_cursor[start + 1 :]))


def similar_windows(
    query: frozenset[str],
    candidates: Iterable[Candidate],
    *,
    limit: int,
    is_expired: Callable[[], bool] = lambda: False,
) -> list[Snippet]:
    """The `limit` windows most similar to `query`, best first, at most two per file."""
    if not query:
        return []
    n_query = len(query)
    scored: list[tuple[float, str, int, int, tuple[str, ...]]] = []
    for candidate in candidates:
        if is_expired():
            break
        lines = _lines(candidate.text)
        best: list[tuple[float, int]] = []
        for start, window in _windows(candidate.text):
            shared = len(query & window)
            score = shared / (n_query + len(window) - shared)
            if score >= MIN_SCORE:
                best.append((score, start))
        best.sort(reverse=True)
        kept: list[int] = []
        for score, start in best:
            if all(abs(start - other) >= WINDOW_LINES for other in kept):
                kept.append(start)
                end = min(len(lines), start + WINDOW_LINES)
                scored.append((score, candidate.path, start, end - 1, lines[start:end]))
            if len(kept) == 2:
                break
    scored.sort(key=lambda s: -s[0])
    return [
        Snippet("similar", path, start, end, "".join(window), score)
        for score, path, start, end, window in scored[:limit]
    ]


@lru_cache(maxsize=CACHED_FILES)
def _lines(text: str) -> tuple[str, ...]:
    """The lines of `text` with their line breaks; only `\n` breaks lines, as in `Document`."""
    lines = [line + "\n" for line in text.split("\n")]
    lines[-1] = lines[-1][:-1]
    return tuple(lines) if lines[-1] else tuple(lines[:-1])


@lru_cache(maxsize=CACHED_FILES)
def _windows(text: str) -> tuple[tuple[int, frozenset[str]], ...]:
    """(first line, token set) of every non-empty window of `text`, computed once per text.

    Each window's text is scanned as one string: one regex call per window costs less than
    a set per line and a union per window.
    """
    lines = _lines(text)
    windows = []
    for start in range(0, max(1, len(lines) - WINDOW_LINES + STRIDE_LINES), STRIDE_LINES):
        window = frozenset(_TOKEN.findall("".join(lines[start : start + WINDOW_LINES])))
        if window:
            windows.append((start, window))
    return tuple(windows)
