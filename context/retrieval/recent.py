"""Retrieval source "recent": the regions the user edited last, in other files.

What was just changed elsewhere is often what the code at the cursor is about to use (a
function added a minute ago, a renamed field). Each edited region is widened by
`CONTEXT_LINES` lines either side and snapped to whole lines.

Guarantees: newest first, one snippet per region, the current file left out (its text is in
the prompt already), `is_expired` checked between regions.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from context.snippet import Snippet
from context.workspace import RecentEdit

CONTEXT_LINES = 3
MAX_REGION_LINES = 30


def recent_snippets(
    edits: Sequence[RecentEdit],
    read_text: Callable[[str], str | None],
    *,
    exclude_path: str,
    limit: int,
    is_expired: Callable[[], bool] = lambda: False,
) -> list[Snippet]:
    """Up to `limit` snippets of the latest edited regions outside `exclude_path`."""
    snippets: list[Snippet] = []
    covered: dict[str, list[tuple[int, int]]] = {}
    for edit in edits:
        if is_expired() or len(snippets) >= limit:
            break
        if edit.rel_path == exclude_path:
            continue
        text = read_text(edit.rel_path)
        if text is None:
            continue
        lines = text.split("\n")
        start = max(0, edit.start_line_idx - CONTEXT_LINES)
        end = min(len(lines) - 1, edit.end_line_idx + CONTEXT_LINES, start + MAX_REGION_LINES - 1)
        if start > end or any(s <= end and start <= e for s, e in covered.get(edit.rel_path, [])):
            continue
        covered.setdefault(edit.rel_path, []).append((start, end))
        body = "\n".join(lines[start : end + 1]) + "\n"
        rank = len(snippets) + 1
        snippets.append(Snippet("recent", edit.rel_path, start, end, body, 1.0 / rank))
    return snippets
